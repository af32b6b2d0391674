"""jvp with parameter trees among the primals: the function is called from a wrapper
of the leaves, written out as source (s2s_ad reads source), which builds each tree
with a display (`[(p0_0, p0_1), (p0_2, p0_3)]`, `{'W': p1_0}`, `State(p2_0, p2_1)`)
and calls the function, inlined like any helper; jvp then runs on the leaves."""
import itertools
import linecache
import weakref

import numpy as np

from .errors import UsageValueError
from .trees import LEAF, flatten, is_tree, unflatten

_WRAPPERS = weakref.WeakKeyDictionary()     # function -> {structures: wrapper}
_COUNT = itertools.count()


def flat_primals(primals, tangents):
    """(the structures, the primals' leaves, the tangents' leaves), checking that each
    tangent has its primal's structure."""
    structures, flat_p, flat_t = [], [], []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        if not is_tree(p):
            structures.append(LEAF)
            flat_p.append(p)
            flat_t.append(t)
            continue
        structure, leaves = flatten(p, f"primals[{i}]")
        if not is_tree(t) and np.shape(t) == np.shape(p) and np.size(t) == len(leaves) \
                and all(np.ndim(v) == 0 for v in leaves):
            # a list or tuple of numbers, with an array tangent of its shape (jacfwd)
            t = unflatten(structure, [float(v) for v in np.ravel(t)])
        t_structure, t_leaves = flatten(t, f"tangents[{i}]")
        if t_structure != structure:
            raise UsageValueError(f"tangents[{i}] is not a tree of the same structure as "
                                  f"primals[{i}]: give each tangent its primal's structure")
        structures.append(structure)
        flat_p.extend(leaves)
        flat_t.extend(t_leaves)
    return tuple(structures), flat_p, flat_t


def leaves_wrapper(fun, structures):
    """A function of the leaves that calls `fun` with the trees rebuilt."""
    table = _WRAPPERS.setdefault(fun, {})
    wrapper = table.get(structures)
    if wrapper is None:
        wrapper = table[structures] = _make_wrapper(fun, structures)
    return wrapper


def _make_wrapper(fun, structures):
    namespace = {"fun": fun}
    params, displays = [], []
    for i, structure in enumerate(structures):
        displays.append(_display(structure, f"p{i}", params, namespace))
    name = f"{getattr(fun, '__name__', 'f')}_leaves"
    name = name if name.isidentifier() else "f_leaves"
    source = (f"def {name}({', '.join(params)}):\n"
              f"    return fun({', '.join(displays)})\n")
    filename = f"<s2s_ad jvp tree wrapper #{next(_COUNT)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def _display(structure, prefix, params, namespace):
    kind = structure[0]
    if kind == "leaf":
        params.append(f"{prefix}_{len(params)}")
        return params[-1]
    if kind == "none":
        return "None"
    if kind in ("list", "tuple"):
        parts = [_display(c, prefix, params, namespace) for c in structure[1]]
        if kind == "list":
            return f"[{', '.join(parts)}]"
        return f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"
    if kind == "dict":
        parts = [f"{k!r}: {_display(c, prefix, params, namespace)}"
                 for k, c in zip(structure[1], structure[2])]
        return f"{{{', '.join(parts)}}}"
    alias = f"_tree_class_{len(namespace)}"
    namespace[alias] = structure[1]
    parts = [_display(c, prefix, params, namespace) for c in structure[2]]
    return f"{alias}({', '.join(parts)})"
