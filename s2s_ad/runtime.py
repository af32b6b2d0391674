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
    """The zero gradient of `x`: 0.0 for a number, a float array of zeros for an array,
    a list of zeros for a list (an adjoint container, updated in place)."""
    if isinstance(x, list):
        return [0.0] * len(x)
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=np.result_type(x.dtype, np.float64)
                        if not np.issubdtype(x.dtype, np.inexact) else x.dtype)
    return 0.0


def scatter(g, shape, index):
    """The adjoint of `x[index]` for a basic index (ints, slices, None, ...) or a
    boolean mask: zeros of x's shape with g written where x was read."""
    out = np.zeros(shape, dtype=np.result_type(g))
    out[index] = g
    return out


def scatter_add(g, shape, index):
    """The adjoint of `x[index]` for an integer-array index: like `scatter`, but a
    position read several times (x[[0, 0, 1]]) receives the sum of its adjoints."""
    out = np.zeros(shape, dtype=np.result_type(g))
    np.add.at(out, index, g)
    return out


def product_of_others(a, axes):
    """For each element of `a`, the product of the other elements of its slice along
    `axes` (a tuple of non-negative axes): the adjoint factor of np.prod. Built from
    the products of the elements before and after it, never by dividing, so that it is
    exact where a factor is 0."""
    a = np.asarray(a)
    n = int(np.prod([a.shape[i] for i in axes]))
    if n == 0 or a.size == 0:
        return np.zeros(a.shape, dtype=np.result_type(a.dtype, np.float64)
                        if not np.issubdtype(a.dtype, np.inexact) else a.dtype)
    last = tuple(range(a.ndim - len(axes), a.ndim))
    moved = np.moveaxis(a, axes, last)
    rows = moved.reshape(moved.shape[:a.ndim - len(axes)] + (n,))
    ones = np.ones(rows.shape[:-1] + (1,), dtype=rows.dtype)
    before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, rows[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis((before * after).reshape(moved.shape), last, axes)
