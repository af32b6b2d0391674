"""Helpers that generated code may call when shapes are not known at compile time.

Each one is a primitive with its own rule (see rules/numpy_rules.py), so generated code
stays inside the subset s2s_ad can differentiate again.
"""
import numpy as np


def unbroadcast(g, like):
    """Sum `g` over the axes along which `like` was broadcast, to `like`'s shape."""
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    lead = np.ndim(g) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and np.shape(g)[lead + i] != 1)
    total = np.sum(g, axis=axes)
    return total.reshape(shape) if shape else total


def zeros_like(x):
    """The zero gradient of `x`: 0.0 for a number, an array of zeros for an array."""
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=np.result_type(x.dtype, np.float64)
                        if not np.issubdtype(x.dtype, np.inexact) else x.dtype)
    return 0.0
