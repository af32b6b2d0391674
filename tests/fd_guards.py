"""When are finite differences a fair judge? Only where the function is smooth: at a
kink (a branch boundary, where/maximum/max ties) the one-sided slopes differ, and any
element of the Clarke gradient is a right answer while finite differences pick one."""
import numpy as np

from s2s_ad.check import central_difference


def _at(f, args, argnum, value):
    return float(f(*args[:argnum], value, *args[argnum + 1:]))


def smooth_difference(f, args, argnum, rel_step=6e-6):
    """Central differences of f in args[argnum], or None where f has a kink nearby
    (the one-sided slopes, or two step sizes, disagree)."""
    fine = central_difference(f, args, argnum, rel_step)
    coarse = central_difference(f, args, argnum, 4 * rel_step)
    scale = max(1.0, float(np.max(np.abs(fine), initial=0.0)))
    if np.max(np.abs(fine - coarse), initial=0.0) > 1e-4 * scale:
        return None
    x = args[argnum]
    flat = np.asarray(x, dtype=float).ravel()
    for k in range(flat.size):
        h = rel_step * max(1.0, abs(flat[k]))
        values = []
        for shift in (-h, 0.0, h):
            moved = flat.copy()
            moved[k] += shift
            point = moved.reshape(np.shape(x)) if isinstance(x, np.ndarray) else float(moved[0])
            values.append(_at(f, args, argnum, point))
        backward, forward = (values[1] - values[0]) / h, (values[2] - values[1]) / h
        if abs(forward - backward) > 1e-3 * max(1.0, abs(forward), abs(backward)):
            return None
    return fine
