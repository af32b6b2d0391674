"""The derivative toolkit, with JAX's names and conventions: jvp (forward mode, a
source transformation of its own), vjp, jacfwd, jacrev and hessian.

    jvp(f, primals, tangents)   -> (f(*primals), J @ tangents)
    vjp(f, *primals)            -> (f(*primals), vjp_fn) with vjp_fn(ct) -> cotangents
    jacfwd(f, argnums=0)(*args) -> the Jacobian, one jvp per input element
    jacrev(f, argnums=0)(*args) -> the Jacobian, one vjp per output element
    hessian(f, argnums=0)       -> jacfwd(grad(f)): forward over reverse, the jvp of the
                                   generated gradient's own source
"""
import functools
import itertools
import weakref

import numpy as np

from .compiler import GradientCompiler
from .errors import TranslationError, UsageError, UsageValueError
from .kinds import signature_key
from . import tangent_pipeline

_JVP_CACHE = weakref.WeakKeyDictionary()     # function -> _Jvp


class _Jvp:
    """One function's jvp compiler and its compiled versions, keyed by signature."""

    def __init__(self, fun):
        self.fun = fun
        try:
            n = len(_parameters(fun))
            self.compiler = GradientCompiler(fun, tuple(range(n)) or 0, with_value=True)
        except (TranslationError, UsageError) as error:
            raise error.with_traceback(None) from None
        self.cache = {}
        self.sources = {}

    def compiled(self, primals):
        key = signature_key(primals)
        function = self.cache.get(key)
        if function is None:
            try:
                done = tangent_pipeline.run(self.compiler, primals)
            except (TranslationError, UsageError) as error:
                raise error.with_traceback(None) from None
            function = self.cache[key] = done.function
            self.sources[key] = done.source
        return function, self.sources[key]


def _jvp_of(fun):
    entry = _JVP_CACHE.get(fun)
    if entry is None:
        entry = _JVP_CACHE[fun] = _Jvp(_plain(fun))
    return entry


def _plain(fun):
    if hasattr(fun, "_s2s_compiler"):
        raise UsageValueError("jvp of a function s2s_ad already transformed: pass the "
                              "plain function (hessian differentiates gradients for you)")
    return fun


def _parameters(fun):
    import inspect
    return list(inspect.signature(fun).parameters)


def jvp(fun, primals, tangents):
    """(fun(*primals), the directional derivative of fun at primals along tangents),
    as in JAX: `primals` and `tangents` are tuples of the same structure."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise UsageValueError(f"jvp got {len(primals)} primal(s) but {len(tangents)} "
                              "tangent(s); give one tangent per primal")
    for p, t in zip(primals, tangents):
        if np.shape(p) != np.shape(t):
            raise UsageValueError(f"a tangent of shape {np.shape(t)} for a primal of shape "
                                  f"{np.shape(p)}: each tangent has its primal's shape")
    function, _ = _jvp_of(fun).compiled(primals)
    return function(*primals, *[_as_float(t) for t in tangents])


def jvp_source(fun, *primals):
    """The generated forward-mode source for arguments like `primals`."""
    return _jvp_of(fun).compiled(primals)[1]


def _as_float(t):
    if isinstance(t, np.ndarray) and not np.issubdtype(t.dtype, np.floating):
        return t.astype(float)
    return t
