"""The public API, following JAX's conventions: grad, value_and_grad, show."""
import builtins
import functools
import linecache

import numpy as np

from .compiler import GradientCompiler
from .errors import TranslationError
from .kinds import signature_key


def grad(fun=None, argnums=0, has_aux=False):
    """The gradient of a scalar-valued `fun` with respect to argument(s) `argnums`.

    Use as `grad(f)`, `@grad` or `@grad(argnums=(0, 1))`. An int `argnums` gives one
    gradient, a tuple gives a tuple. Each gradient has its input's type and shape.
    With `has_aux=True`, `fun` returns `(output, aux)` and the result is
    `(gradient, aux)`; `aux` is passed through, not differentiated.
    """
    return _transform(fun, argnums, with_value=False, has_aux=has_aux)


def value_and_grad(fun=None, argnums=0, has_aux=False):
    """Like `grad`, but the result is `(fun(*args), gradient)` from one sweep, or
    `((output, aux), gradient)` with `has_aux=True`."""
    return _transform(fun, argnums, with_value=True, has_aux=has_aux)


def _transform(fun, argnums, with_value, has_aux=False):
    if fun is None:                       # @grad(argnums=...)
        return functools.partial(_transform, argnums=argnums, with_value=with_value,
                                 has_aux=has_aux)
    if hasattr(fun, "_s2s_compiler"):
        raise NotImplementedError("grad of a function that s2s_ad already transformed "
                                  "(higher-order derivatives) is not supported yet")
    try:
        compiler = GradientCompiler(fun, argnums, with_value, has_aux)
    except TranslationError as error:
        raise _user_facing(error) from None
    return _dispatcher(fun, compiler)


def _user_facing(error):
    """Drop the compiler's own frames: the message and its location say it all."""
    return error.with_traceback(None)


def _dispatcher(fun, compiler):
    """The function users call: it finds the compiled gradient for its arguments'
    signature (compiling it on first sight) and calls it. It is generated with the
    same parameters as `fun`, since a fixed-arity function keyed on `type(...)` costs
    about 150 ns per call where a `*args` one costs 400."""
    cache = {}

    def compile(*args):
        """Compile for the signature of `args` (without calling) and return the
        generated gradient function; `.source` then shows its text."""
        key = signature_key(args)
        compiled = cache.get(key)
        if compiled is None:
            try:
                compiled = compiler.compile(args)
            except TranslationError as error:
                raise _user_facing(error) from None
            cache[key] = compiled.function
            gradient.source = compiled.source
            gradient.sources[key] = compiled.source
        return cache[key]

    params = compiler.params
    key_parts = ", ".join(f"_s2s_t{i} if _s2s_t{i} is not _s2s_ndarray else "
                          f"({p}.shape, {p}.dtype)" for i, p in enumerate(params))
    source = "\n".join([
        "def _s2s_make(_s2s_cache, _s2s_compile, _s2s_ndarray):",
        f"    def {fun.__name__}({', '.join(params)}):",
        *[f"        _s2s_t{i} = type({p})" for i, p in enumerate(params)],
        f"        _s2s_function = _s2s_cache.get(({key_parts}{',' if len(params) == 1 else ''}))",
        "        if _s2s_function is None:",
        f"            _s2s_function = _s2s_compile({', '.join(params)})",
        f"        return _s2s_function({', '.join(params)})",
        f"    return {fun.__name__}",
    ])
    scope = {}
    exec(compile_source(source, fun.__name__), scope)
    gradient = scope["_s2s_make"](cache, compile, np.ndarray)
    gradient.__defaults__ = fun.__defaults__
    functools.update_wrapper(gradient, fun)
    gradient.source = None
    gradient.sources = {}
    gradient.compile = compile
    gradient._s2s_compiler = compiler
    return gradient


def compile_source(source, name):
    filename = f"<s2s_ad dispatcher for {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return builtins.compile(source, filename, "exec")


def show(fun, *example_args, argnums=0):
    """Print the gradient source s2s_ad generates for `fun` on arguments like these.
    `fun` may be a plain function or one that `grad`/`value_and_grad` returned."""
    if not hasattr(fun, "_s2s_compiler"):
        fun = grad(fun, argnums=argnums)
    if example_args:
        fun.compile(*example_args)
        print(fun.source, end="")
    else:
        print(fun._s2s_compiler.compile(None).source, end="")
