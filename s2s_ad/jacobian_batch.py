"""Jacobians from one generated call: the jvp compiled for a batch of tangents
(tangent_batch.py) takes every basis vector of an input at once.

    jacfwd  the jvp of f along the identity batch: column j of J is the tangent out
            along e_j; all columns come out of one call.
    jacrev  the vjp of f is the gradient of `sum(f(x) * ct)`, which is linear in ct:
            J^T ct is the derivative of that generated gradient along ct. Its jvp in ct
            along the identity batch gives every row of J from one call: one primal
            sweep, one reverse sweep carrying the whole batch of cotangents.

Each returns None where the generated code cannot take a batch (NotBatchable: a rule
with no batched form; a gradient's tape is read in place, tape_reading.py); toolkit.py then takes one
call per basis vector, so a batch is only ever a speed-up, never another answer.
"""
import numpy as np

from .errors import TranslationError, UsageError
from .scalar_loops import plain_code
from .tangent_batch import NotBatchable
from .tape_reading import forward_readable


def identity_batch(shape):
    """(size,) + shape: the basis vectors e_0, e_1, ... of arrays of this shape."""
    size = int(np.prod(shape, dtype=int))
    return np.eye(size).reshape((size,) + tuple(shape))


def batched_jvp(fun, args, positions):
    """(f(*args), per output a tangent of shape (B,) + output shape): the jvp of fun
    along the identity batch of each argument in `positions` (those arguments stacked
    as one input vector, B their total size), or None where no batch can be taken."""
    from .toolkit import _is_float, _jvp_of
    if not all(_is_float(args[n]) for n in positions):
        return None         # lists, integers: as one call per vector treats them
    sizes = [int(np.size(args[n])) for n in positions]
    total = sum(sizes)
    if total <= 1:
        return None         # one basis vector: the plain jvp is that one call, cheaper
    try:
        entry = _jvp_of(fun, tuple(positions))
        function, _ = entry.compiled(tuple(args), batch=total)
    except (NotBatchable, TranslationError, UsageError):
        return None
    tangents = [None] * len(args)
    eye = np.eye(total)
    start = 0
    for n, size in zip(positions, sizes):
        tangents[n] = eye[:, start:start + size].reshape((total,) + np.shape(args[n]))
        start += size
    return function(*args, *tangents)


def jacfwd_block(fun, args, n):
    """J with respect to argument n, shaped output + input (a tuple per output), from
    one batched call; None where it cannot be batched."""
    done = batched_jvp(fun, args, (n,))
    if done is None:
        return None
    out, tangent = done
    return _assemble(out, tangent, np.shape(args[n]))


def _assemble(out, tangent, in_shape):
    if isinstance(out, tuple):
        return tuple(_assemble(o, t, in_shape) for o, t in zip(out, tangent))
    out_shape = np.shape(out)
    t = np.asarray(tangent, dtype=float).reshape((-1,) + out_shape)
    J = np.moveaxis(t, 0, -1).reshape(out_shape + tuple(in_shape))
    return float(J) if J.shape == () else J


def jacrev_blocks(seeded, argnums, args, outs):
    """Per output k, per argument n in `argnums`: J[k][n], shaped out_k + in_n, from
    one batched call per output (the jvp of the seeded gradient in its cotangent
    argument); None where it cannot be batched. `seeded` is the gradient of
    `sum(f(*args) * ct)` with respect to `argnums` (toolkit._seeded_gradient)."""
    from .api import plain_variant
    cts = [np.zeros(np.shape(o)) if np.shape(o) else 0.0 for o in outs]
    with plain_code():
        try:
            generated = plain_variant(seeded).compile(*args, *cts)
        except (TranslationError, UsageError):
            return None
    generated = getattr(generated, "__wrapped__", generated)
    if not callable(generated) or not hasattr(generated, "__code__"):
        return None
    try:
        generated = forward_readable(generated)     # a tape: read in place
    except TranslationError:
        return None
    per_output = []
    for k, o in enumerate(outs):
        done = batched_jvp(generated, tuple(args) + tuple(cts), (len(args) + k,))
        if done is None:
            return None
        _, tangents = done
        tangents = tangents if isinstance(tangents, tuple) else (tangents,)
        blocks = {}
        if len(tangents) != len(argnums):
            return None
        for n, t in zip(argnums, tangents):
            J = np.asarray(t, dtype=float).reshape(np.shape(o) + np.shape(args[n]))
            blocks[n] = float(J) if J.shape == () else J
        per_output.append(blocks)
    return per_output
