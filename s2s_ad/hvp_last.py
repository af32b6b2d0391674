"""The code the last Hessian-vector product of a gradient ran, run again directly when
nothing it was built from has changed.

`jvp(grad(f), primals, tangents)` goes a long way to its code (second_order.py): a
gradient object of f's plain code (scalar_loops.plain_code), its compiled version for
the arguments (revalidating what that was built from), the forward-mode reading of
it (tape_reading.py) and the jvp compiled from that (toolkit._Jvp, checking its own
dependencies), each found in a cache by the arguments' signature. That is some 25 µs
of Python per call when measured alone, and about 40 µs between the arrays'
arithmetic (the sigmoid network's HVP, 330 µs of NumPy: the interpreter's code and
data are no longer in the processor's caches): the gap between calling the generated
HVP directly and through jvp. Here, per gradient object, the last call's code and
what it was valid for:

- the arguments' shapes and dtypes (float arrays only: no int decides a shape, so
  no version by value, by_value.py);
- f's code object and defaults, and the settings it was compiled under
  (S2S_AD_CHECK, S2S_AD_OPTIMISE), as global_cache.py keys gradient objects;
- the object every global, closure variable, builtin and inlined helper of both
  compilations (f's gradient, and the jvp of the generated gradient) held then.

A call that matches all of them (one `is` per dependency) runs that code; any other
takes the full path, which recompiles what it must, and records its result again. The
last call's record is tried first; the others are kept by the arguments' shapes and
dtypes (a gradient called at two batch sizes in turn does not miss every time).
"""
import types
import weakref

from .global_cache import CHECK, OPTIMISE, env_get

_LAST = weakref.WeakKeyDictionary()     # gradient object -> _Last, the last call's
_BY_SIGNATURE = weakref.WeakKeyDictionary()     # gradient -> {shapes and dtypes: _Last}


class _Last:
    __slots__ = ("shapes", "dtypes", "fun", "code", "defaults", "check", "optimise",
                 "dependencies", "function")


def last_product(gradient, primals):
    """The HVP code of `gradient`'s last call if it is valid for `primals` (float
    ndarrays, as toolkit._float_arrays checked, with tangents of their shapes), else
    None."""
    last = _LAST.get(gradient)
    if last is None:
        return None
    if not _fits(last, primals):
        last = _BY_SIGNATURE[gradient].get(tuple((p.shape, p.dtype) for p in primals))
        if last is None:
            return None
        _LAST[gradient] = last
    fun = last.fun
    if fun.__code__ is not last.code or fun.__defaults__ is not last.defaults or \
            env_get(CHECK) is not last.check or env_get(OPTIMISE) is not last.optimise:
        return None
    for dependency, value in last.dependencies:
        if dependency.current() is not value:
            return None
    return last.function


def _fits(last, primals):
    if len(primals) != len(last.shapes):
        return False
    for p, shape, dtype in zip(primals, last.shapes, last.dtypes):
        if p.shape != shape or p.dtype is not dtype:
            return False
    return True


def remember(gradient, fun, k, primals):
    """After the full path computed jvp(gradient, primals, ...) forward over reverse:
    keep the code it ran and what that was valid for. (Each step finds what the full
    path just compiled in its cache.)"""
    from .api import grad
    from .scalar_loops import plain_code
    from .tape_reading import forward_readable
    from .toolkit import _jvp_of
    if type(fun) is not types.FunctionType:
        return
    check, optimise = env_get(CHECK), env_get(OPTIMISE)
    with plain_code():
        plain = grad(fun, argnums=k)
        generated = plain.compile(*primals)
    forward = _jvp_of(forward_readable(generated))
    function, _ = forward.compiled(primals)
    if forward.by_value:        # (not for float arrays; kept out all the same)
        return
    last = _Last()
    last.shapes = tuple(p.shape for p in primals)
    last.dtypes = tuple(p.dtype for p in primals)
    last.fun, last.code, last.defaults = fun, fun.__code__, fun.__defaults__
    last.check, last.optimise = check, optimise
    last.dependencies = tuple(
        (d, d.current()) for d in (*plain._s2s_compiler.parsed.dependencies,
                                   *forward.compiler.parsed.dependencies))
    last.function = function
    _LAST[gradient] = last
    table = _BY_SIGNATURE.setdefault(gradient, {})
    if len(table) >= 16:
        table.clear()
    table[tuple(zip(last.shapes, last.dtypes))] = last
