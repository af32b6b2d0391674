"""Parameter trees (JAX's pytrees) at run time: flattening an argument into its leaves
and building a gradient of the same structure from the leaves' gradients.

A tree is a list, a tuple, a dict or a NamedTuple of trees, or None (no leaves), or a
leaf: a Python number, a NumPy scalar or a NumPy array. Its *structure* is a hashable
description that ignores the leaves' values (they are keyed separately, by kind), so
the compiled code of one structure serves every tree of that structure:

    ("list", (child, ...))   ("tuple", (child, ...))   ("dict", keys, (child, ...))
    ("namedtuple", cls, (child, ...))   ("none",)   ("leaf",)

Dict keys keep the dict's own order (a dict built in another order is another
structure, compiled separately): the gradient comes back with the same order.
"""
import numpy as np

from .errors import UsageTypeError
from .kinds import is_other_array

LEAF = ("leaf",)
NONE = ("none",)


def is_namedtuple_class(cls):
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_tree(value):
    """Is this argument a container (rather than a single leaf)?"""
    t = type(value)
    return t in (list, tuple, dict) or is_namedtuple_class(t)


def flatten(value, path="x"):
    """(structure, leaves) of a tree; `path` names it in error messages."""
    leaves = []
    structure = _flatten(value, path, leaves)
    return structure, leaves


def _flatten(value, path, leaves):
    t = type(value)
    if t is list or t is tuple:
        return (t.__name__, tuple(_flatten(v, f"{path}[{i}]", leaves)
                                  for i, v in enumerate(value)))
    if is_namedtuple_class(t):
        return ("namedtuple", t, tuple(_flatten(getattr(value, f), f"{path}.{f}", leaves)
                                       for f in t._fields))
    if t is dict:
        keys = tuple(value)
        for k in keys:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise UsageTypeError(f"{path} has the key {k!r}; the dicts of a parameter "
                                     "tree need str or int keys")
        return ("dict", keys, tuple(_flatten(value[k], f"{path}[{k!r}]", leaves)
                                    for k in keys))
    if value is None:
        return NONE
    if t in (float, int) or t is np.ndarray or isinstance(value, np.generic):
        leaves.append(value)
        return LEAF
    if is_other_array(value):
        raise UsageTypeError(f"{path} is a {t.__module__.partition('.')[0]} array inside a "
                             "parameter tree; pass it as an argument of its own, or as "
                             "a NumPy array")
    what = t.__name__
    hint = (" (a subclass of list, tuple or dict other than a NamedTuple is not a tree "
            "s2s_ad knows how to rebuild; convert it to a plain one)"
            if isinstance(value, (list, tuple, dict)) else "")
    raise UsageTypeError(f"{path} is a {what}; the leaves of a differentiated parameter "
                         f"tree must be numbers or float arrays{hint}")


def leaf_paths(structure, path):
    """The user-facing path of each leaf (`params[0][1]`, `p['W']`, `s.theta`), in
    leaf order."""
    out = []
    _paths(structure, path, out)
    return out


def _paths(structure, path, out):
    kind = structure[0]
    if kind == "leaf":
        out.append(path)
    elif kind in ("list", "tuple"):
        for i, child in enumerate(structure[1]):
            _paths(child, f"{path}[{i}]", out)
    elif kind == "dict":
        for k, child in zip(structure[1], structure[2]):
            _paths(child, f"{path}[{k!r}]", out)
    elif kind == "namedtuple":
        for f, child in zip(structure[1]._fields, structure[2]):
            _paths(child, f"{path}.{f}", out)


def count_leaves(structure):
    kind = structure[0]
    if kind == "leaf":
        return 1
    if kind == "none":
        return 0
    return sum(count_leaves(c) for c in structure[-1])


def unflatten(structure, leaves):
    """The tree of `structure` with these leaves (an iterator is consumed in order)."""
    it = iter(leaves)
    return _build(structure, it)


def _build(structure, it):
    kind = structure[0]
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    if kind == "list":
        return [_build(c, it) for c in structure[1]]
    if kind == "tuple":
        return tuple(_build(c, it) for c in structure[1])
    if kind == "dict":
        return {k: _build(c, it) for k, c in zip(structure[1], structure[2])}
    return structure[1](*[_build(c, it) for c in structure[2]])
