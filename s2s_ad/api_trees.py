"""Gradients with respect to parameter trees (JAX's pytrees), at the API boundary.

When a differentiated argument is a list, tuple, dict or NamedTuple, the dispatcher
(api.py) hands the call to the `TreeDispatch` of its function. It flattens each tree
argument into its leaves, compiles the function once per tree structure and leaf
signature against the leaves (a `TreeCompiler`: the function's own source, lowered
with each tree parameter bound to its compile-time value over one parameter per leaf,
see lower_trees.py), calls that code with the leaves, and builds each gradient with
its argument's structure: the same container types, a NamedTuple as the same
NamedTuple, None where the argument has None. The caller's containers are only read.
"""
import ast
import copy
import gc
import inspect
import re

import numpy as np

from .compiler import GradientCompiler
from .control import lower_structured
from .depth import call_deep
from .errors import TranslationError, TreeDependentError, UsageError
from .kinds import signature_key
from .trees import LEAF, count_leaves, flatten, is_tree, leaf_paths, unflatten


def tree_positions(args, compiler):
    """The positions of the differentiated arguments that are trees (empty: none)."""
    numbers = compiler.argnums if isinstance(compiler.argnums, tuple) else (compiler.argnums,)
    n = len(compiler.params)
    return tuple(sorted(k % n for k in numbers if k % n < len(args) and is_tree(args[k % n])))


class TreeDispatch:
    """The compiled code of one gradient function for tree arguments, per structure
    and leaf signature. The dispatcher caches it under the plain signature (where a
    tree is keyed by its type only); it keys the rest."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.base = dispatcher.compiler
        self.compilers = {}         # structures -> TreeCompiler
        self.entries = {}           # (structures, leaf signature) -> _Entry

    def __call__(self, *args):
        structures, flat = self.flatten(args)
        entry = self.entries.get((structures, signature_key(flat)))
        if entry is None:
            entry = self.prepare(args)
        return entry(flat)

    def flatten(self, args):
        """(the structure of each differentiated argument, the flat argument list)."""
        base = self.base
        numbers = base.argnums if isinstance(base.argnums, tuple) else (base.argnums,)
        n = len(base.params)
        wrt = {k % n for k in numbers}
        structures, flat = [], []
        for i, (param, arg) in enumerate(zip(base.params, args)):
            if i in wrt and is_tree(arg):
                structure, leaves = flatten(arg, param)
                structures.append(structure)
                flat.extend(leaves)
            else:
                if i in wrt:
                    structures.append(LEAF)
                flat.append(arg)
        return tuple(structures), flat

    def prepare(self, args):
        """Compile (or find) the code for these arguments; set the gradient's .source."""
        structures, flat = self.flatten(args)
        key = (structures, signature_key(flat))
        gradient = self.dispatcher.gradient
        entry = self.entries.get(key)
        if entry is None:
            try:
                compiler = self.compilers.get(structures)
                if compiler is None:
                    compiler = TreeCompiler(self.base, structures)
                    self.compilers[structures] = compiler
                    # Helpers it inlined are dependencies of the gradient too.
                    self.dispatcher.installed = None
                    self.dispatcher._install()
                result = compiler.compile(flat)
            except (TranslationError, UsageError) as error:
                if isinstance(error, TreeDependentError):
                    error = error.plain()
                raise error.with_traceback(None) from None
            entry = _Entry(result.function, compiler, structures, flat)
            self.entries[key] = entry
            gradient.sources[("tree",) + key] = result.source
        gradient.source = gradient.sources.get(("tree",) + key, gradient.source)
        return entry


class _Entry:
    """Calls the compiled code with the leaves and packages the gradients as the
    arguments' trees (JAX's return shapes: g, (g, aux), (v, g), ((v, aux), g))."""

    def __init__(self, function, compiler, structures, flat):
        self.function = function
        self.single = isinstance(compiler.base.argnums, int)
        self.with_value, self.has_aux = compiler.with_value, compiler.has_aux
        self.structures = structures
        # A NumPy scalar leaf gets a gradient of its own type (np.float32 for np.float32).
        # A Python number's is a float, as for arguments that are numbers.
        index = {p: i for i, p in enumerate(compiler.params)}
        self.types = [_gradient_type(flat[index[p]]) for p in compiler.wrt]

    def __call__(self, flat):
        out = self.function(*flat)
        if self.with_value:
            value, leaves = out
        elif self.has_aux:
            leaves, aux = out
        else:
            leaves = out
        leaves = [t(g) if t is not None else g for t, g in zip(self.types, leaves)]
        grads, at = [], 0
        for structure in self.structures:
            n = count_leaves(structure)
            part = leaves[at:at + n]
            at += n
            grads.append(part[0] if structure is LEAF else unflatten(structure, part))
        grads = grads[0] if self.single else tuple(grads)
        if self.with_value:
            return value, grads
        if self.has_aux:
            return grads, aux
        return grads


def _gradient_type(leaf):
    if isinstance(leaf, np.generic):
        return type(leaf)
    return float if type(leaf) in (float, int) else None


class TreeCompiler(GradientCompiler):
    """The GradientCompiler of one tree structure: the function with each tree
    parameter replaced by one parameter per leaf (named after the leaf's path:
    `params_0_1`, `p_W`, `state_theta`), differentiated with respect to every leaf of
    the differentiated arguments."""

    def __init__(self, base, structures):
        self.base = base
        self.fun = base.fun
        self.with_value, self.has_aux = base.with_value, base.has_aux
        self.gc_was_enabled = gc.isenabled()
        parsed = base.fresh_parsed()
        numbers = base.argnums if isinstance(base.argnums, tuple) else (base.argnums,)
        n = len(base.params)
        wrt_positions = [k % n for k in numbers]
        taken = _taken_names(parsed)
        self.trees, flat_params, wrt = {}, [], []
        structure_of = dict(zip(wrt_positions, structures))
        for i, param in enumerate(base.params):
            structure = structure_of.get(i)
            if structure is None or structure is LEAF:
                flat_params.append(param)
                if structure is LEAF:
                    wrt.append((i, [param]))
                continue
            names = [_fresh(_identifier(path), taken) for path in leaf_paths(structure, param)]
            self.trees[param] = (structure, names)
            flat_params.extend(names)
            wrt.append((i, names))
        order = {i: names for i, names in wrt}
        self.wrt = [name for i in wrt_positions for name in order[i]]
        self.parsed = _flat_view(parsed, flat_params)
        self.params = flat_params
        self.argnums = tuple(flat_params.index(w) for w in self.wrt)
        self.paths = {name: path for param, (structure, names) in self.trees.items()
                      for name, path in zip(names, leaf_paths(structure, param))}
        self._trace = self._lower()

    def _lower(self):
        try:
            return call_deep(lower_structured, self.parsed, self.has_aux, self.trees)
        except RecursionError:
            raise self.parsed.error(f"{self.parsed.node.name} nests calls or expressions "
                                    "more deeply than s2s_ad can translate",
                                    self.parsed.node) from None

    @property
    def trace(self):
        if self._trace is None:
            self._trace = self._lower()
        return self._trace

    def forget(self):
        self._trace = None

    def compile(self, args=None, lean=True):
        try:
            return super().compile(args, lean)
        except UsageError as error:
            raise _with_paths(error, self.paths) from None


def _with_paths(error, paths):
    """A message about a leaf parameter names the leaf as the user wrote its path."""
    message = str(error)
    for name, path in paths.items():
        message = message.replace(f"('{name}')", f"({path})")
    return type(error)(message)


def _flat_view(parsed, params):
    """The ParsedFunction with these parameters (the leaves) and no defaults; it shares
    the function's body, namespace and dependency list."""
    flat = copy.copy(parsed)
    flat.node = copy.copy(parsed.node)
    flat.node.args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params],
                                   vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                   defaults=[])
    flat.signature = inspect.Signature([inspect.Parameter(
        p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params])
    return flat


def _taken_names(parsed):
    names = {n.id for n in ast.walk(parsed.node) if isinstance(n, ast.Name)}
    names |= {a.arg for a in ast.walk(parsed.node) if isinstance(a, ast.arg)}
    names |= {f.name for f in ast.walk(parsed.node) if isinstance(f, ast.FunctionDef)}
    names |= set(parsed.namespace)
    import builtins
    names |= set(dir(builtins))
    return names


def _identifier(path):
    """`params[0][1]` -> params_0_1, `p['W']` -> p_W, `s.theta` -> s_theta."""
    name = re.sub(r"[^0-9A-Za-z_]+", "_", path).strip("_")
    return name if name.isidentifier() else f"leaf_{name}"


def _fresh(base, taken):
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}_{k}"
    taken.add(name)
    return name
