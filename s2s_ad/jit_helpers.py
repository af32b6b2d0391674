"""numba forms of the runtime helpers generated code calls (runtime.py).

Each is a stub with a numba `overload` that types it from its arguments, as the Python
helper branches on them at run time. A helper without a form here makes `jit` fall back
to the Python backend, naming the helper.
"""
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


def unbroadcast(g, like):
    return runtime.unbroadcast(g, like)


_NUMBER = (types.Float, types.Integer, types.Boolean)


@overload(unbroadcast)
def _unbroadcast(g, like):
    # runtime.unbroadcast for the cases whose result type numba can know from the
    # argument types: a number's adjoint (a number, or the sum of an array), and a
    # vector's (itself, or its sum as a length-1 vector). Others have no form.
    if isinstance(like, _NUMBER):
        if isinstance(g, _NUMBER):
            return lambda g, like: g
        if isinstance(g, types.Array):
            return lambda g, like: np.sum(g)
    if isinstance(like, types.Array) and isinstance(g, types.Array) \
            and g.ndim == 1 and like.ndim == 1:
        def vector(g, like):
            if like.shape[0] == 1 and g.shape[0] != 1:
                out = np.empty(1, dtype=g.dtype)
                out[0] = np.sum(g)
                return out
            return g
        return vector
    return None


# The stubs themselves: numba code calling one gets the overload's implementation.
FORMS = {runtime.zeros_like: zeros_like, runtime.unbroadcast: unbroadcast}
