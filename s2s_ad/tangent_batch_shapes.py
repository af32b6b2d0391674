"""Shapes for tangent_batch.py: NumPy's rules for broadcasting and matmul, computed on
shape tuples (None where a shape is not known), and literal arguments read from the
syntax tree."""
import ast

import numpy as np


_UNKNOWN = object()


def _matmul_shape(sa, sb):
    """The shape of a @ b (NumPy's rules for 1-D and stacked operands), or None."""
    if len(sa) == 1 and len(sb) == 1:
        return () if sa == sb else None
    if len(sa) == 1:
        return sb[:-2] + sb[-1:] if sa[0] == sb[-2] else None
    if len(sb) == 1:
        return sa[:-1] if sa[-1] == sb[0] else None
    if sa[-1] != sb[-2]:
        return None
    stack = _broadcast(sa[:-2], sb[:-2])
    return None if stack is None else stack + (sa[-2], sb[-1])


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _UNKNOWN


def _broadcast(*shapes):
    if any(s is None for s in shapes):
        return None
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None
