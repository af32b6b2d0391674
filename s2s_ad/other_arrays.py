"""Gradients over NEP-18 arrays other than np.ndarray (dask arrays).

The generated code is the same NumPy code: `np.exp(X)`, `X @ w` and `np.sum(...)`
dispatch to the array's library through `__array_ufunc__`/`__array_function__`, so on
dask arrays the forward and reverse sweeps build a lazy task graph. This module
settles what comes out:

- the value (a scalar reduction) is computed: a NumPy scalar, as for NumPy inputs;
- each gradient has its parameter's type: computed NumPy for an ndarray (or a Python
  float for a float) even where the data were dask, left lazy for a dask parameter;
- everything that needs computing is computed in one pass over the graph.

Some adjoints write into arrays in place with `np.add.at` (repeated integer-array
indices, element reads in loops), which lazy arrays do not support: they are refused,
at the user's line, when a parameter or piece of data is such an array.
"""
import linecache
import re
import sys

import numpy as np

from .errors import TranslationError, UsageValueError
from .frontend import Loc
from .kinds import is_other_array

# Generated calls that need an in-place scatter-add on an array the user passed.
_SCATTER = re.compile(r"\.at\(|\bscatter_add\(|\bindex_adjoint\(")


def involves_other_arrays(args):
    return any(is_other_array(a) for a in args)


def check_shapes(args, compiler):
    """An array whose shape is not known (dask's nan sizes after a mask) cannot be
    specialised on."""
    for name, a in zip(compiler.params, args):
        if is_other_array(a) and any(not isinstance(n, int) or n != n for n in a.shape):
            raise UsageValueError(
                f"the shape of '{name}' is not known ({a.shape}): compute it first "
                f"(for dask, {name}.compute_chunk_sizes())")


def check_dispatchable(source, parsed):
    """Refuse, at the user's line, generated code that calls np.add.at: the comment
    `# line N: ...` above the call names the line it came from."""
    note = None
    for text in source.splitlines():
        found = re.match(r"\s*# line (\d+): (.*)", text)
        if found:
            note = found
            continue
        if _SCATTER.search(text):
            lineno = int(note.group(1)) if note else _indexing_line(text, parsed)
            line = linecache.getline(parsed.filename, lineno)
            raise TranslationError(
                "cannot differentiate this for dask (or other non-NumPy) arrays: its "
                "adjoint adds into repeated positions with np.add.at, which they do not "
                "support; index with a slice or a boolean mask instead, or pass NumPy "
                "arrays", Loc(parsed.filename, lineno, len(line) - len(line.lstrip()),
                              line))


def _indexing_line(text, parsed):
    """The user's line that indexes with what `np.add.at(..., np.s_[index], ...)`
    scatters into (reverse-sweep statements carry no line note), else the def line."""
    found = re.search(r"s_\[(.+?)\],", text)
    if found:
        first = parsed.node.lineno
        last = getattr(parsed.node, "end_lineno", None) or first
        for k in range(first, last + 1):
            line = linecache.getline(parsed.filename, k)
            if f"[{found.group(1)}]" in line.replace(" ", ""):
                return k
    return parsed.node.lineno


def concrete_outputs(function, args, compiler):
    """Wrap `function` (a compiled gradient) so that its value is computed and each
    gradient has the type of its parameter's argument."""
    index = {p: i for i, p in enumerate(compiler.params)}
    like = [args[index[p]] for p in compiler.wrt]
    single = isinstance(compiler.argnums, int)

    def settle(value, grads):
        grads = [grads] if single else list(grads)
        todo = {}                               # position -> a lazy value to compute
        if value is not _NONE and is_other_array(value):
            todo["value"] = value
        for i, (g, a) in enumerate(zip(grads, like)):
            if not is_other_array(a) and is_other_array(g):
                todo[i] = g
        done = dict(zip(todo, _compute(list(todo.values()))))
        if "value" in done:
            value = done["value"]
        for i, a in enumerate(like):
            g = done.get(i, grads[i])
            if isinstance(a, float) and not isinstance(g, float):
                g = float(g)
            elif is_other_array(a) and not isinstance(g, type(a)):
                g = _as_type_of(g, a)
            grads[i] = g
        return value, (grads[0] if single else tuple(grads))

    if compiler.with_value:
        if compiler.has_aux:
            def concrete(*a):
                (value, aux), grads = function(*a)
                value, grads = settle(value, grads)
                return (value, aux), grads
        else:
            def concrete(*a):
                value, grads = function(*a)
                return settle(value, grads)
    elif compiler.has_aux:
        def concrete(*a):
            grads, aux = function(*a)
            return settle(_NONE, grads)[1], aux
    else:
        def concrete(*a):
            return settle(_NONE, function(*a))[1]
    concrete.__wrapped__ = function
    return concrete


_NONE = object()


def _compute(values):
    """Concrete NumPy values of lazy arrays, in one pass when they are dask's."""
    if not values:
        return []
    dask = sys.modules.get("dask")
    if dask is not None and all(dask.is_dask_collection(v) for v in values):
        values = dask.compute(*values)
    out = []
    for v in values:
        v = np.asarray(v)
        out.append(v[()] if v.ndim == 0 else v)     # a 0-d result is a NumPy scalar
    return out


def _as_type_of(g, a):
    """A gradient that came out as NumPy (it does not depend on the data: zeros) as an
    array of the parameter's type."""
    return np.asarray(g, like=a)
