"""numba forms of the runtime helpers generated code calls (runtime.py).

Each is a stub with a numba `overload` that types it from its arguments, as the Python
helper branches on them at run time. A helper without a form here makes `jit` fall back
to the Python backend, naming the helper.
"""
import numba
import numpy as np
from numba import types
from numba.extending import overload

from . import runtime


def zeros_like(x):
    return runtime.zeros_like(x)


@overload(zeros_like)
def _zeros_like(x):
    # runtime.zeros_like: a float array of zeros for an array (its own float dtype, or
    # float64 for ints and bools), 0.0 for a number.
    if isinstance(x, types.Array):
        if isinstance(x.dtype, types.Float):
            dtype = x.dtype
        elif isinstance(x.dtype, (types.Integer, types.Boolean)):
            dtype = types.float64
        else:
            return None
        return lambda x: np.zeros(x.shape, dtype=dtype)
    if isinstance(x, (types.Float, types.Integer, types.Boolean)):
        return lambda x: 0.0
    return None


FORMS = {runtime.zeros_like: numba.njit(zeros_like)}
