"""Runtime helpers for the adjoints of NumPy calls that join a local list of arrays
(`np.stack(L)`, `np.concatenate(L)`, `np.vstack(L)`, `np.hstack(L)`) where the list was
built at run time (by `append` in a loop), so its length and element shapes are known
only then. Each adds the slice of `g` that came from element k into `acc[k]`, the
list's adjoint container.
"""
import numpy as np


def add_joined(acc, xs, g, how, axis=0):
    """acc[k] += the part of g that np.<how>(xs, axis) took from xs[k]."""
    for k, part in enumerate(_parts(xs, g, how, axis)):
        acc[k] = acc[k] + part
    return acc


def _parts(xs, g, how, axis):
    shapes = [np.shape(x) for x in xs]
    if how == "stack":
        return [np.take(g, k, axis=axis) for k in range(len(xs))]
    if how == "vstack":
        sizes = [s[0] if len(s) >= 2 else 1 for s in shapes]
        return [np.reshape(p, s) for p, s in zip(_split(g, sizes, 0), shapes)]
    if how == "hstack":
        if np.ndim(g) == 1:
            sizes = [int(np.prod(s)) for s in shapes]
            return [np.reshape(p, s) for p, s in zip(_split(g, sizes, 0), shapes)]
        return _split(g, [s[1] for s in shapes], 1)
    if axis is None:                        # concatenate(..., axis=None): flattened
        sizes = [int(np.prod(s)) for s in shapes]
        return [np.reshape(p, s) for p, s in zip(_split(np.ravel(g), sizes, 0), shapes)]
    return _split(g, [s[axis] for s in shapes], axis)


def _split(g, sizes, axis):
    return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


HELPERS = {"add_joined": add_joined}
