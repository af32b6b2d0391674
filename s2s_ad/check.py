"""Finite differences, to check a gradient against."""
from dataclasses import dataclass

import numpy as np


def central_difference(f, args, argnum, rel_step=6e-6):
    """Central differences of the scalar f(*args) with respect to args[argnum].

    The step is scaled to each input (h = rel_step * max(1, |x|)). Python numbers are
    perturbed with Python floats, arrays element by element on a copy.
    """
    x = args[argnum]

    def at(value):
        return float(f(*args[:argnum], value, *args[argnum + 1:]))

    if isinstance(x, np.ndarray):
        base = x.astype(np.result_type(x.dtype, np.float64))
        out = np.zeros_like(base)
        for i in np.ndindex(base.shape):
            h = rel_step * max(1.0, abs(float(base[i])))
            up, down = base.copy(), base.copy()
            up[i] += h
            down[i] -= h
            out[i] = (at(up) - at(down)) / (up[i] - down[i])
        return out
    x = float(x)
    h = rel_step * max(1.0, abs(x))
    return (at(x + h) - at(x - h)) / ((x + h) - (x - h))


@dataclass
class GradCheck:
    ad: object                  # what s2s_ad computed
    fd: object                  # central finite differences
    max_rel_error: float        # max over argnums of ||ad - fd||_inf / ||fd||_inf

    def __bool__(self):
        return self.max_rel_error < 1e-6

    def __str__(self):
        return f"largest relative error against central differences: {self.max_rel_error:.2e}"


def check_grad(f, *args, argnums=0, rel_step=6e-6):
    """Compare s2s_ad's gradient of f at args with central finite differences.

    Returns a GradCheck (truthy when the largest relative error is below 1e-6) carrying
    both gradients and the error, measured norm-wise so that tiny components do not
    dominate.
    """
    from .api import grad
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    ad = grad(f, argnums=argnums)(*args)
    ad_list = (ad,) if isinstance(argnums, int) else ad
    fd_list = tuple(central_difference(f, args, n, rel_step) for n in numbers)
    errors = []
    for a, d in zip(ad_list, fd_list):
        scale = max(np.max(np.abs(d), initial=0.0), 1e-12)
        errors.append(float(np.max(np.abs(np.asarray(a) - d), initial=0.0) / scale))
    fd = fd_list[0] if isinstance(argnums, int) else fd_list
    return GradCheck(ad, fd, max(errors, default=0.0))
