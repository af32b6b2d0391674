"""Hessian-vector products of a plain function, from generated code compiled again.

    hessian_product(fun, k, args, tangents) = sum_i H[k, i] @ tangents[i]

where H is the Hessian of the scalar `fun` at `args`: the derivative of grad_k(fun)
along `tangents` (k an int, or a tuple of them for a tuple of such products, from one
sweep). Two exact ways to get it, tried in this order:

  forward over reverse  jvp of the generated gradient grad(fun, argnums=k): its source
                        is read back by the forward-mode compiler (JAX's HVP), a
                        loop's tape read in place beside a tangent tape (tape_reading.py);
  reverse over forward  grad_k of the generated jvp of fun, <grad fun, tangents>, which
                        needs no tape: where forward mode refuses the gradient (its tape
                        holds views that aliasing.py cannot follow, say).

By the symmetry of H both are the same number. Which one works for a signature is
remembered, so a refusal costs one attempt per signature, not one per call. Used by
jvp(grad(f)), hessian, and the rule of `grad(f)` called inside a differentiated function
(nested_grad.py), whose cotangent is H[i, k] @ g = hessian_product(fun, i, args, g at k).
"""
import itertools
import linecache
import weakref

import numpy as np

from .errors import TranslationError
from .kinds import signature_key
from .scalar_loops import plain_code
from .tape_reading import forward_readable

_WRAPPERS = itertools.count()
_STRATEGY = weakref.WeakKeyDictionary()     # fun -> {(k, signature): "for" | "rof"}
_DIRECTIONAL = weakref.WeakKeyDictionary()  # generated jvp -> its wrapper's grads by k


def zero_tangent(a):
    """The tangent of an argument that does not move: zeros shaped like it (0.0 for a
    number), the object itself for what is not a number (a list, a string)."""
    if isinstance(a, np.ndarray):
        return np.zeros(a.shape)
    if isinstance(a, (float, int, np.number)):
        return 0.0
    return a


def as_float(t):
    if isinstance(t, np.ndarray) and not np.issubdtype(t.dtype, np.floating):
        return t.astype(float)
    return t


def hessian_product(fun, k, args, tangents):
    """sum_i H[k, i] @ tangents[i], exactly (see the module docstring), shaped like
    args[k] (a tuple for a tuple k). Raises TranslationError when neither way can
    differentiate fun twice."""
    return gradient_and_product(fun, k, args, tangents, with_gradient=False)[1]


def gradient_and_product(fun, k, args, tangents, with_gradient=True):
    """(grad_k fun(*args), hessian_product(...)): forward over reverse gives both from
    one sweep; reverse over forward computes the gradient apart (when asked)."""
    args, tangents = tuple(args), tuple(as_float(t) for t in tangents)
    table = _STRATEGY.setdefault(fun, {})
    key = (k, signature_key(args))
    known = table.get(key)
    if known == "for":
        return _forward_over_reverse(fun, k, args, tangents)
    if known != "rof":
        try:
            result = _forward_over_reverse(fun, k, args, tangents)
            table[key] = "for"
            return result
        except TranslationError as first:
            try:
                _reverse_over_forward(fun, k, args, tangents)
            except TranslationError as second:
                raise TranslationError(
                    f"cannot differentiate {getattr(fun, '__name__', 'the function')} "
                    f"twice: neither forward over reverse ({first.msg}) nor reverse over "
                    f"forward ({second.msg}) can", None) from None
            table[key] = "rof"
    product = _reverse_over_forward(fun, k, args, tangents)
    if not with_gradient:
        return None, product
    from .api import grad
    return grad(fun, argnums=k)(*args), product


def forward_over_reverse(fun, k, args):
    """Is the product of `fun` at arguments like `args` taken forward over reverse (as
    the last call found)?"""
    return _STRATEGY.get(fun, {}).get((k, signature_key(args))) == "for"


def _forward_over_reverse(fun, k, args, tangents):
    """(the gradient, its tangent): the jvp of the generated gradient."""
    from .api import grad
    from .toolkit import jvp
    with plain_code():              # the tape as the tape stage writes it
        gradient = grad(fun, argnums=k)
        gradient._s2s_revalidate()  # compiled from what fun's names hold now
        generated = gradient.compile(*args)
    return jvp(forward_readable(generated), args, tangents)


def _reverse_over_forward(fun, k, args, tangents):
    from .toolkit import _jvp_of, moving
    generated, _ = _jvp_of(fun, moving(args, tangents)).compiled(args, plain=True)
    grads = _DIRECTIONAL.get(generated)
    if grads is None:
        grads = _DIRECTIONAL[generated] = {"wrapper": directional_wrapper(generated,
                                                                          len(args))}
    gradient = grads.get(k)
    if gradient is None:
        from .api import grad
        gradient = grads[k] = grad(grads["wrapper"], argnums=k)
    return gradient(*args, *tangents)


def directional_wrapper(generated, nargs):
    """`def directional(a0, .., t0, ..): return jvp_function(a0, .., t0, ..)[1]`, the
    derivative of fun along t as a function s2s_ad can read (its source is registered
    with linecache) and differentiate."""
    params = [f"a{i}" for i in range(nargs)] + [f"t{i}" for i in range(nargs)]
    source = (f"def directional({', '.join(params)}):\n"
              f"    return jvp_function({', '.join(params)})[1]\n")
    filename = f"<s2s_ad directional derivative #{next(_WRAPPERS)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"jvp_function": generated}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["directional"]
