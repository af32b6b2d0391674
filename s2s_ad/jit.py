"""`jit`: the compiled backend. The Python s2s_ad generates, compiled by numba.

    g = s2s_ad.jit(s2s_ad.grad(loss))
    g(x)            # the same numbers as grad(loss)(x), from machine code

A gradient's generated code is ordinary Python over floats, ints and arrays: loops, a
tape, `math` and NumPy calls. numba compiles nearly all of it once the tape and a few
idioms take the forms it supports (jit_source.py) and the runtime helpers get numba
forms (jit_helpers.py). Whatever numba cannot compile (a NumPy function outside its
subset, a list of arrays of different shapes, an argument type it has no type for)
runs on the Python backend instead, after one warning that says why: the result is
never different, only slower.

Compiled code is made per argument signature, as the Python backend's is, on the
first call. The gradient object's dispatcher still decides what is current: a
rebound global or helper recompiles the Python code, and then the numba code too.
"""
import functools
import inspect
import re
import time
import types
import warnings

import numpy as np

from .errors import UsageValueError
from .export import _global_reads, _is_s2s_ad
from .jit_source import NotCompilable, numba_form
from .kinds import signature_key
from .scalar_loops import plain_code


class JitFallbackWarning(UserWarning):
    """numba could not compile a function: it runs on the Python backend."""


def jit(fun=None):
    """`fun`, compiled with numba. `fun` is a function `grad` or `value_and_grad`
    returned (its generated code is compiled), or a plain function in s2s_ad's subset
    (compiled as it is). Needs numba (`pip install s2s_ad[jit]`); without it, or for
    code numba cannot compile, `fun` runs as before after one JitFallbackWarning."""
    if fun is None:
        return jit
    if hasattr(fun, "_s2s_compiler"):
        return functools.update_wrapper(_JitGradient(fun), fun, updated=())
    if isinstance(fun, types.FunctionType):
        return functools.update_wrapper(_JitPlain(fun), fun, updated=())
    raise UsageValueError(f"jit: expected a function or one that grad/value_and_grad "
                          f"returned, not {type(fun).__name__}")


def _numba():
    """The numba module, or the reason it cannot be used."""
    try:
        import numba
    except ImportError:
        return None, "numba is not installed (pip install numba, or s2s_ad[jit])"
    return numba, None


class _Compiled:
    """One signature's code: numba's, or the Python function and why."""

    def __init__(self, python, compiled=None, reason=None, source=None):
        self.python = python            # the Python backend's function it came from
        self.compiled = compiled
        self.reason = reason
        self.source = source
        self.seconds = None             # numba's compile time, measured on first call

    @property
    def function(self):
        return self.compiled if self.compiled is not None else self.python


class _Jitted:
    """What `jit` returns: per signature, numba's code or the Python function."""

    def __init__(self):
        self.signatures = {}            # signature key -> _Compiled
        self.dispatchers = {}           # (source, namespace ids) -> numba dispatcher
        self.warned = False
        self.compile_seconds = {}       # signature key -> seconds numba took

    def _fall_back(self, entry, reason):
        entry.compiled, entry.reason = None, reason
        if not self.warned:
            self.warned = True
            warnings.warn(f"s2s_ad.jit: {self._what()} runs on the Python backend: "
                          f"{reason}", JitFallbackWarning, stacklevel=4)

    def _run(self, key, entry, args):
        if entry.compiled is None:
            return entry.python(*args)
        if entry.seconds is not None:
            return entry.compiled(*args)
        # Compiled here, not by the call, so that numba's refusal is caught (also for a
        # dispatcher shared with another signature: compiling an existing signature
        # again returns at once).
        numba, _ = _numba()
        start = time.perf_counter()
        try:
            entry.compiled.compile(tuple(numba.typeof(a) for a in args))
        except (numba.core.errors.NumbaError, ValueError, TypeError) as error:
            # (typeof raises ValueError for a type numba has none for)
            self._fall_back(entry, _first_line(error))
            return entry.python(*args)
        entry.seconds = self.compile_seconds[key] = time.perf_counter() - start
        return entry.compiled(*args)

    @property
    def compiled(self):
        """Is every signature seen so far running numba's code?"""
        return bool(self.signatures) and all(
            e.compiled is not None for e in self.signatures.values())

    def fallback_reasons(self):
        return {k: e.reason for k, e in self.signatures.items() if e.reason}


class _JitGradient(_Jitted):
    def __init__(self, gradient):
        super().__init__()
        # numba compiles the plain generated code: the Python backend's scalar-loop
        # rewrites (scalar_loops.py, float_reads.py: lists, .tolist()) are for CPython,
        # and numba's own compiler does better with the arrays and the tape as they are.
        from .api import plain_variant
        self.gradient = plain_variant(gradient)
        self.parameters = inspect.signature(gradient).parameters

    def _what(self):
        return self.gradient.__name__

    def __call__(self, *args, **kwargs):
        if kwargs or len(args) != len(self.parameters):
            bound = inspect.signature(self.gradient).bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        # The dispatcher's checks: a rebound global or helper forgets its compiled code,
        # and `compile` then returns new code, which is compiled again here.
        self.gradient._s2s_revalidate()
        with plain_code():
            python = self.gradient.compile(*args)
        key = signature_key(args)
        entry = self.signatures.get(key)
        if entry is None or entry.python is not python:
            entry = self.signatures[key] = self._build(python, self.gradient.source)
        return self._run(key, entry, args)

    def _build(self, python, source):
        numba, missing = _numba()
        entry = _Compiled(python)
        if missing:
            self._fall_back(entry, missing)
            return entry
        if hasattr(python, "__wrapped__"):
            # the Python backend converts its results (NumPy scalar arguments, dask)
            self._fall_back(entry, "its arguments need the Python backend's conversions "
                                   "(NumPy scalars or dask arrays)")
            return entry
        try:
            entry.source = numba_form(source, python.__name__)
            namespace = _namespace(entry.source, python.__globals__)
            # Another shape often gives the same code: numba's compiled code is reused
            # (numba does not specialise on shapes). The dispatcher keeps its namespace,
            # so the ids in the key stay those of live objects.
            same = (entry.source, tuple(sorted((n, id(v)) for n, v in namespace.items())))
            if same not in self.dispatchers:
                exec(compile(entry.source, f"<s2s_ad.jit {python.__name__}>", "exec"),
                     namespace)
                self.dispatchers[same] = numba.njit(namespace[python.__name__],
                                                    error_model="numpy")
            entry.compiled = self.dispatchers[same]
        except NotCompilable as why:
            self._fall_back(entry, str(why))
        return entry


def _namespace(source, scope):
    """The names the numba-form source reads, as the generated code sees them, with
    helpers in their numba forms; refused (NotCompilable) where numba would differ."""
    from .jit_helpers import FORMS
    namespace = {"__builtins__": scope.get("__builtins__", __builtins__)}
    for name in _global_reads(source):
        if name not in scope:
            continue                # a builtin
        value = scope[name]
        if isinstance(value, types.FunctionType) and _is_s2s_ad(value):
            if value not in FORMS:
                raise NotCompilable(f"the runtime helper {value.__name__} has no numba form")
            value = FORMS[value]
        elif isinstance(value, np.ndarray):
            # numba freezes a global array into the code: the Python backend reads
            # its current contents.
            raise NotCompilable(f"it reads the global array `{name}`, which numba would "
                                "freeze at compile time; pass it as an argument")
        namespace[name] = value
    return namespace


class _JitPlain(_Jitted):
    """A plain function, compiled as it is (to compare with, or to speed up f)."""

    def __init__(self, fun):
        super().__init__()
        self.fun = fun

    def _what(self):
        return self.fun.__name__

    def __call__(self, *args):
        key = signature_key(args)
        entry = self.signatures.get(key)
        if entry is None:
            entry = self.signatures[key] = _Compiled(self.fun)
            numba, missing = _numba()
            if missing:
                self._fall_back(entry, missing)
            else:
                entry.compiled = numba.njit(self.fun, error_model="numpy")
        return self._run(key, entry, args)


def _first_line(error):
    """numba's message, without its colours and its long trace of its own frames."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    wanted = [line for line in lines if not line.startswith(
        ("Failed in", "During:", "File ", "^", "<source", "def ", "return "))]
    return " ".join((wanted or lines or [type(error).__name__])[:2])[:300]
