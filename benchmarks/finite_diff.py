"""Finite differences over the differentiated arguments, and the error measure.

A gradient is handled here as one flat vector over all differentiated arguments
("coordinates"), so that a subset of coordinates can be differentiated when the full
gradient would take too long, and errors are measured the same way for every case.
"""
import numpy as np

EPS = np.finfo(float).eps
# Steps that balance truncation against rounding error for a well-scaled function:
# O(h) truncation for forward differences, O(h^2) for central ones.
FORWARD_STEP = EPS ** 0.5
CENTRAL_STEP = EPS ** (1.0 / 3.0)


def as_tuple(argnums):
    return argnums if isinstance(argnums, tuple) else (argnums,)


def coordinates(args, argnums):
    """Every scalar input being differentiated, as (argument position, flat index);
    the index is None for a Python number."""
    coords = []
    for pos in as_tuple(argnums):
        if isinstance(args[pos], np.ndarray):
            coords.extend((pos, i) for i in range(args[pos].size))
        else:
            coords.append((pos, None))
    return coords


def flatten(gradient, argnums):
    """A gradient in the shape grad() returns it (a number, an array, or a tuple of
    those) as one flat float vector."""
    parts = gradient if isinstance(argnums, tuple) else (gradient,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def fd_gradient(f, args, coords, method="central", step=None):
    """Finite-difference estimates of df/d(coordinate) for each of `coords`.

    Python numbers are perturbed with Python floats and arrays element by element on
    a private copy: a NumPy scalar step would turn the whole function into slower
    np.float64 arithmetic and the caller's arrays must stay untouched. The step is
    scaled to the input's magnitude, and the step actually taken, (x + h) - x, is
    what we divide by, which removes the error of representing x + h.
    """
    if step is None:
        step = CENTRAL_STEP if method == "central" else FORWARD_STEP
    work = list(args)
    for pos in {pos for pos, index in coords if index is not None}:
        work[pos] = work[pos].copy()     # only the differentiated arrays: X may be big
    f0 = float(f(*work)) if method == "forward" else None
    out = np.empty(len(coords))
    for k, (pos, index) in enumerate(coords):
        x = work[pos] if index is None else float(work[pos].flat[index])
        h = step * max(1.0, abs(x))
        plus = x + h
        _set(work, pos, index, plus)
        f_plus = float(f(*work))
        if method == "central":
            minus = x - h
            _set(work, pos, index, minus)
            out[k] = (f_plus - float(f(*work))) / (plus - minus)
        else:
            out[k] = (f_plus - f0) / (plus - x)
        _set(work, pos, index, x)
    return out


def _set(work, pos, index, value):
    if index is None:
        work[pos] = value
    else:
        work[pos].flat[index] = value


def spread(total, count):
    """`count` positions spread evenly over range(total), or None for all of them."""
    if count >= total:
        return None
    return np.unique(np.linspace(0, total - 1, max(count, 1)).round().astype(int))


def relative_error(approx, reference, picks=None):
    """Norm-wise relative error ||a - b||_inf / ||b||_inf.

    With `picks` (positions in the reference), `approx` holds only those entries;
    the denominator stays the norm of the whole reference so that a subset's error
    is on the same scale as a full one. An all-zero reference gives the absolute error.
    """
    reference = np.asarray(reference, dtype=float)
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    compared = reference if picks is None else reference[picks]
    err = float(np.max(np.abs(np.asarray(approx, dtype=float) - compared)))
    return err / scale if scale > 0 else err


def step_sweep(f, args, argnums, reference, steps):
    """Forward and central FD error against `reference` (a flat gradient) for each
    base step in `steps`: the V-shaped curve of truncation vs rounding error."""
    coords = coordinates(args, argnums)
    return {
        method: [relative_error(fd_gradient(f, args, coords, method, h), reference)
                 for h in steps]
        for method in ("forward", "central")
    }
