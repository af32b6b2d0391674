"""Indexing a batch of tangents (tangent_batch.py): `x_dot[i]`, `x_dot[i, j]`, `x_dot[1:]`,
`x_dot[:, 0]`, `x_dot[idx]` read, and `y_dot[i] = v_dot` written, with the batch axis in
front:

    z1_dot = x_dot[i]           ->      z1_dot = x_dot[:, i]
    y_dot[i, 1:] = v_dot        ->      y_dot[:, i, 1:] = v_dot

Exact where NumPy keeps the indexed axes where they are after a leading `:`: basic
indices (integers, integer scalars, slices with literal bounds, None, ...), or one
integer array among slices (its axes stay in its place, as one advanced index does; two
advanced indices, or an integer beside an array, can move axes to the front, so they
are NotBatchable). The shape indexed out is found by indexing an empty array of the
primal's shape with a stand-in index of the same kind; anything not certain raises
NotBatchable, and jacfwd falls back to one call per basis vector. A read of one number
(x_dot[i] of a vector) is a copy, as the number was; other reads are views in both.
"""
import ast

import numpy as np

from .kinds import Kind, kind_of
from .tangent_batch import NotBatchable

_FULL = ast.Slice(None, None, None)


def subscript(batcher, node):
    """(the batched node, True, the unbatched shape) for `t[index]`, t a tangent."""
    inner, batched, shape = batcher.expr(node.value)
    if not batched or shape is None:
        raise NotBatchable(f"no batched form for {ast.unparse(node)}")
    index, result = _index(batcher, node.slice, shape, node)
    read = ast.Subscript(inner, index, ast.Load())
    if result == ():
        # x_dot[i] of a vector is a number, a copy; x_dot[:, i] is a view, which a
        # later write into x_dot would change: copied, as the number was
        read = ast.Call(ast.Attribute(read, "copy", ast.Load()), [], [])
    return read, True, result


def store(batcher, s):
    """A tangent element write `t[index] = value`, batched; any other statement
    (a primal one) is checked to read no tangent and kept."""
    target = s.targets[0] if isinstance(s, ast.Assign) and len(s.targets) == 1 else None
    if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and
            target.value.id in batcher.dots):
        batcher.untouched(s)
        return s
    shape = batcher.tangent_shape(target.value.id)
    index, region = _index(batcher, target.slice, shape, target)
    value, batched, got = batcher.expr(s.value)
    if batched and got != region:
        # NumPy would broadcast `value` against the region with the batch axis last
        raise NotBatchable(f"a write of shape {got} into a region of shape {region}")
    if not batched and not _zero_constant(s.value):
        raise NotBatchable(f"a write into a tangent of {ast.unparse(s.value)}")
    new = ast.Assign([ast.Subscript(target.value, index, ast.Store())], value, lineno=0)
    for key, field in vars(s).items():
        if key.startswith("_s2s"):
            setattr(new, key, field)
    return new


def _index(batcher, index_node, shape, node):
    """(the batched index: `:` in front, the unbatched shape indexed out)."""
    parts = list(index_node.elts) if isinstance(index_node, ast.Tuple) else [index_node]
    stand_ins, arrays, integers = [], 0, 0
    for part in parts:
        kind, stand_in = _stand_in(batcher, part)
        if kind is None:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        arrays += kind == "array"
        integers += kind == "int"
        stand_ins.append(stand_in)
    if arrays > 1 or (arrays and integers):
        raise NotBatchable(f"advanced indexing in {ast.unparse(node)} may move axes")
    try:
        result = np.empty(shape)[tuple(stand_ins)].shape
    except (IndexError, TypeError, ValueError):
        raise NotBatchable(f"no batched form for {ast.unparse(node)}") from None
    return ast.Tuple([_FULL] + parts, ast.Load()), tuple(result)


def _stand_in(batcher, part):
    """('int' | 'basic' | 'array' | None, a value of the same kind and shape effect)."""
    if isinstance(part, ast.Slice):
        bounds = [_literal(b) for b in (part.lower, part.upper, part.step)]
        if any(b is _UNKNOWN or not (b is None or _is_int(b)) for b in bounds):
            return None, None
        return "basic", slice(*bounds)
    value = _literal(part)
    if value is not _UNKNOWN:
        if _is_int(value):
            return "int", value
        if value is None or value is Ellipsis:
            return "basic", value
        return None, None
    if isinstance(part, ast.Name) and part.id not in batcher.dots:
        kind = batcher.kinds.get(part.id)
        if kind is None and part.id not in batcher.kinds and part.id in batcher.namespace:
            kind = kind_of(batcher.namespace[part.id])     # a global index array
        if not isinstance(kind, Kind) or not kind.is_numeric:
            return None, None
        if kind.is_python_number and kind.pytype is int:
            return "int", 0
        if kind.is_array and np.issubdtype(kind.dtype, np.integer):
            if tuple(kind.shape) == ():
                return "int", 0
            return "array", np.zeros(kind.shape, dtype=int)
    return None, None       # a boolean mask (its count is not known), an expression


_UNKNOWN = object()


def _literal(node):
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return _UNKNOWN


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _zero_constant(node):
    return isinstance(node, ast.Constant) and node.value == 0 and \
        not isinstance(node.value, bool)
