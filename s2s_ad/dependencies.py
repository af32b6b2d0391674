"""What a compiled gradient depends on besides its arguments: the globals, closure
cells, builtins and attribute chains its function (and every helper inlined into it)
reads. The dispatcher checks them on each call and recompiles when one was rebound,
so the gradient always sees what `f` would see.
"""
import ast
import builtins
import sysconfig
import types
from dataclasses import dataclass


_MISSING = object()

# -- libraries ---------------------------------------------------------------------------

# Functions of these packages are primitives (with a rule) or not differentiable here;
# their Python source is an implementation detail, never inlined.
LIBRARIES = {"numpy", "scipy", "math", "pandas", "jax", "torch", "autograd", "s2s_ad"}





@dataclass(frozen=True, eq=False)
class Dependency:
    """One binding the generated code was built from, and the object it held then.

    `where` is "global" (`holder` is the globals dict), "cell" (`holder` is the closure
    cell), "builtin" (valid while `holder`, the globals dict, does not shadow it) or
    "attribute" (`holder.name`, e.g. an inlined helper's `__defaults__`);
    `attrs` is an attribute path read after the name (`cfg.scale` -> ("scale",))."""
    where: str
    holder: object
    name: str
    attrs: tuple
    value: object

    def current(self):
        """The object the binding holds now, or _MISSING when it is gone."""
        try:
            if self.where == "cell":
                value = self.holder.cell_contents
            elif self.where == "attribute":
                value = getattr(self.holder, self.name)
            elif self.name in self.holder:
                value = self.holder[self.name]
            elif self.where == "builtin":
                value = getattr(builtins, self.name)
            else:
                return _MISSING
            for attr in self.attrs:
                value = getattr(value, attr)
        except (ValueError, AttributeError):
            return _MISSING
        return value

    def describe(self):
        return ".".join((self.name,) + self.attrs)


def dependencies_of(parsed):
    """Every free name (and stable attribute chain) the function reads, with the object
    it denotes now: the generated code is valid while these still hold."""
    fun = parsed.fun
    everything = parsed.nodes()
    local = set(parsed.params) | {n.id for n in everything
                                  if type(n) is ast.Name and type(n.ctx) is ast.Store}
    cells = dict(zip(fun.__code__.co_freevars, fun.__closure__ or ()))
    found = {}
    for n in everything:
        if type(n) is ast.Name:             # (most chains: a name, most of them local)
            if n.id in local or type(n.ctx) is not ast.Load:
                continue
            chain = (n.id, ())
        elif not isinstance(n, _CHAINS):    # (most nodes: no chain starts there)
            continue
        else:
            chain = _chain(n)
        if chain is None or chain[0] in local or chain in found:
            continue
        dependency = _dependency(fun, cells, *chain)
        if dependency is not None:
            found[chain] = dependency
    return list(found.values())


_CHAINS = (ast.Name, ast.Attribute)


def _chain(node):
    """('cfg', ('scale',)) for `cfg.scale`, ('x', ()) for a name read; else None."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        return node.id, tuple(reversed(attrs))
    return None


def _dependency(fun, cells, name, attrs):
    if name in cells:
        where, holder = "cell", cells[name]
        try:
            value = holder.cell_contents
        except ValueError:          # not bound yet: lowering reports it
            return None
    elif name in fun.__globals__:
        where, holder, value = "global", fun.__globals__, fun.__globals__[name]
    elif hasattr(builtins, name):
        where, holder, value = "builtin", fun.__globals__, getattr(builtins, name)
    else:
        return None
    if attrs:
        # Library modules' attributes are taken as fixed (as rules are); an attribute
        # computed afresh on each read (a property, a bound method) has no identity to
        # compare, and an array's attributes are fixed by the array itself.
        if is_library(value) or isinstance(value, np_ndarray()):
            return None
        try:
            first, second = value, value
            for attr in attrs:
                first, second = getattr(first, attr), getattr(second, attr)
        except AttributeError:
            return None
        if first is not second:
            return None
        value = first
    return Dependency(where, holder, name, attrs, value)


def np_ndarray():
    import numpy
    return numpy.ndarray


def is_library(obj):
    """True for NumPy & co. and the standard library: their modules, functions and
    objects. A Python function is judged by where its code is, not by `__module__`,
    which functools.wraps copies from the function a user's wrapper wraps."""
    import sys
    if isinstance(obj, types.ModuleType):
        path = getattr(obj, "__file__", None)
        return obj.__name__.partition(".")[0] in LIBRARIES or path is None or _in_stdlib(path)
    if isinstance(obj, types.FunctionType):
        path = obj.__code__.co_filename
        if _in_stdlib(path):
            return True
        for top in LIBRARIES:
            module = sys.modules.get(top)
            root = getattr(module, "__file__", None)
            if root and path.startswith(root.rpartition("/")[0] + "/"):
                return True
        return False
    module = getattr(type(obj), "__module__", None) or ""
    return module.partition(".")[0] in LIBRARIES


def _in_stdlib(path):
    stdlib = sysconfig.get_paths()["stdlib"]
    return path.startswith(stdlib) and "site-packages" not in path

