"""`checkpoint`: a helper whose inside is recomputed in the reverse sweep, not recorded
(autograd's `checkpoint`, JAX's `jax.checkpoint`).

    @s2s_ad.checkpoint
    def step(x, v, k): ...          # many intermediates

    def simulate(k):
        for i in range(n):
            x, v = ...step(x, v, k)...

A call of an ordinary helper is inlined: its intermediates are values of the caller,
recorded on the tape when the call is in a loop. A checkpointed helper is one
primitive instead (custom_vjp's machinery, toolkit.py): the forward sweep calls the
plain function and the tape keeps only its arguments; the reverse sweep runs the
helper's own generated gradient at those arguments (its forward sweep again, then its
reverse), seeded with the call's adjoint. Memory: the arguments per call instead of
every intermediate; time: one more forward run of the helper.

The helper takes positional float or array arguments (others are passed through and
get no gradient) and returns one number or array. Forward mode (jvp, hessian) does not
go through it, as it does not go through custom_vjp.
"""
import functools

import numpy as np

from .errors import UsageValueError
from .toolkit import _is_float, _seeded_gradient, custom_vjp


def checkpoint(fun):
    """`fun` as a primitive whose reverse sweep recomputes it instead of recording it."""
    if not callable(fun) or hasattr(fun, "_s2s_compiler"):
        raise UsageValueError("checkpoint takes a plain function (the helper to "
                              "recompute), e.g. @s2s_ad.checkpoint above its def")

    def forward(*args):
        # custom_vjp's reverse sweep calls this for the residuals: the arguments are
        # all that is kept, so the value itself is not computed again here.
        return None, args

    last = [None, None]         # (the key of the last call, its cotangents)

    def backward(args, g):
        # The reverse sweep reads one cotangent per argument, each by its own call with
        # the same values: the last result is reused when the values are the same
        # (compared exactly: identity for numbers, bytes for arrays).
        key = _exact_key(args + (g,))
        if last[0] is not None and _same_key(last[0], key):
            return last[1]
        last[0], last[1] = key, _cotangents(args, g)
        return last[1]

    def _cotangents(args, g):
        if isinstance(g, tuple):
            raise UsageValueError(f"checkpoint: {fun.__name__} returns a tuple; a "
                                  "checkpointed helper returns one number or array")
        argnums = tuple(i for i, a in enumerate(args) if _is_float(a))
        if not argnums:
            return (None,) * len(args)
        grads = _seeded_gradient(fun, len(args), None, argnums)(*args, g)
        result = [None] * len(args)
        for i, gi in zip(argnums, grads):
            result[i] = gi
        return tuple(result)

    marked = custom_vjp(fun)
    marked.defvjp(forward, backward)
    functools.update_wrapper(marked, fun)
    return marked


class _ArrayKey(tuple):
    """An array's exact contents (shape, dtype, bytes), compared by value."""


def _exact_key(values):
    return tuple(_ArrayKey((v.shape, v.dtype.str, v.tobytes()))
                 if isinstance(v, np.ndarray) else v for v in values)


def _same_key(a, b):
    return len(a) == len(b) and all(
        x == y if type(x) is _ArrayKey and type(y) is _ArrayKey else x is y
        for x, y in zip(a, b))
