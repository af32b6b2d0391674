"""The public API, following JAX's conventions: grad, value_and_grad, show."""
import builtins
import functools
import linecache

import numpy as np

from .compiler import GradientCompiler
from .errors import TranslationError, UsageError, UsageValueError
from .kinds import ARRAY_TYPES, signature_key
from .other_arrays import (check_dispatchable, check_shapes, concrete_outputs,
                           involves_other_arrays)


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
    if hasattr(fun, "_s2s_compiler"):         # grad(grad(f)): toolkit.py
        from .toolkit import grad_of_gradient
        return grad_of_gradient(fun, argnums, with_value, has_aux)
    try:
        compiler = GradientCompiler(fun, argnums, with_value, has_aux)
    except (TranslationError, UsageError) as error:
        raise _user_facing(error) from None
    return _Dispatcher(fun, compiler).gradient


def _user_facing(error):
    """Drop the compiler's own frames: the message and its location say it all."""
    return error.with_traceback(None)


class _Dispatcher:
    """Makes and maintains the function users call. It finds the compiled gradient for
    its arguments' signature (compiling it on first sight) and calls it. It is
    generated with the same parameters as `fun`, since a fixed-arity function keyed on
    `type(...)` costs about 150 ns per call where a `*args` one costs 400.

    Before that, it checks that every global, closure variable and builtin the compiled
    code was built from still holds the same object (one `is` per name, ~15 ns each):
    code that inlined a helper, folded a number or specialised on an array is only
    valid for those. On a mismatch, `revalidate` compares more carefully (a number
    rebound to an equal number is kept) and otherwise forgets the trace and the cache,
    so the gradient is recompiled from what the function would see now. The generated
    code has no closure and reads everything from its own globals, so a new set of
    checks is installed by swapping its `__code__`."""

    def __init__(self, fun, compiler):
        self.fun, self.compiler = fun, compiler
        self.cache = {}
        params = compiler.parsed.params
        self.prefix = _private_prefix(params + [fun.__name__])
        p = self.prefix
        self.scope = {f"{p}cache": self.cache, f"{p}compile": self.compile,
                      f"{p}ndarray": np.ndarray, f"{p}type": type, f"{p}len": len,
                      f"{p}arrays": ARRAY_TYPES,
                      f"{p}revalidate": self.revalidate, "__builtins__": builtins}
        self.guards = []            # [(Dependency, name of its expected object)]
        self.lengths = []           # [(globals dict, name of its expected length)]
        self.installed = None       # the dependency list the checks were made from
        gradient = self._generate([])
        gradient.__defaults__ = compiler.parsed.defaults
        functools.update_wrapper(gradient, fun)
        gradient.source = None
        gradient.sources = {}
        gradient.compile = self.compile
        gradient._s2s_compiler = compiler
        gradient._s2s_revalidate = self.revalidate
        self.gradient = gradient
        self._install()

    # -- generated code ----------------------------------------------------------------

    def _generate(self, checks):
        """The dispatcher's function, with `checks` (Python expressions) as guards."""
        fun, p = self.fun, self.prefix
        parsed = self.compiler.parsed
        params = parsed.params
        listed = list(params)
        if parsed.posonly:
            listed.insert(parsed.posonly, "/")
        key_parts = ", ".join(f"(({q}.shape, {q}.dtype) if {p}t{i} is {p}ndarray else "
                              f"({p}t{i}, {q}.shape, {q}.dtype) if {p}t{i} in {p}arrays "
                              f"else {p}t{i})" for i, q in enumerate(params))
        name = _identifier(fun.__name__)
        lines = [f"def {name}({', '.join(listed)}):"]
        if checks:
            # A deleted global or an emptied cell raises: that is a mismatch too.
            lines += ["    try:",
                      f"        if not ({' and '.join(checks)}):",
                      f"            {p}revalidate()",
                      "    except (KeyError, ValueError, AttributeError):",
                      f"        {p}revalidate()"]
        lines += [f"    {p}t{i} = {p}type({q})" for i, q in enumerate(params)]
        lines += [f"    {p}function = {p}cache.get(({key_parts}{',' if len(params) == 1 else ''}))",
                  f"    if {p}function is None:",
                  f"        {p}function = {p}compile({', '.join(params)})",
                  f"    return {p}function({', '.join(params)})"]
        source = "\n".join(lines) + "\n"
        exec(compile_source(source, fun.__name__), self.scope)
        return self.scope.pop(name)

    def _install(self):
        """Regenerate the checks for the compiler's current dependencies."""
        dependencies = self.compiler.parsed.dependencies
        if dependencies is self.installed:
            return
        p = self.prefix
        for name in [n for n in self.scope if n.startswith((f"{p}E", f"{p}N", f"{p}H"))]:
            del self.scope[name]            # the previous checks' objects
        checks, self.guards, self.lengths = [], [], []
        seen = {}
        for dep in dependencies:
            key = (dep.where, id(dep.holder), dep.name, dep.attrs)
            if key in seen:
                continue
            seen[key] = dep
            holder = self._bind(dep.holder)
            if dep.where == "builtin":
                # One length check per globals dict: a new global (one that could
                # shadow a builtin) changes it; revalidate then looks closer.
                if not any(h is dep.holder for h, _ in self.lengths):
                    expected = f"{p}N{len(self.lengths)}"
                    self.scope[expected] = len(dep.holder)
                    self.lengths.append((dep.holder, expected))
                    checks.append(f"{p}len({holder}) == {expected}")
                self.guards.append((dep, None))
                continue
            if dep.where == "cell":
                read = f"{holder}.cell_contents"
            elif dep.where == "attribute":
                read = f"{holder}.{dep.name}"
            else:
                read = f"{holder}[{dep.name!r}]"
            read += "".join(f".{a}" for a in dep.attrs)
            expected = f"{p}E{len(self.guards)}"
            self.scope[expected] = dep.value
            self.guards.append((dep, expected))
            checks.append(f"{read} is {expected}")
        self.gradient.__code__ = self._generate(checks).__code__
        self.installed = dependencies

    def _bind(self, holder):
        """The dispatcher-global name under which a globals dict or a cell is read."""
        p = self.prefix
        for name, value in self.scope.items():
            if value is holder and name.startswith(f"{p}H"):
                return name
        name = f"{p}H{sum(n.startswith(f'{p}H') for n in self.scope)}"
        self.scope[name] = holder
        return name

    # -- slow paths ----------------------------------------------------------------------

    def compile(self, *args):
        """Compile for the signature of `args` (without calling) and return the
        generated gradient function; `.source` then shows its text."""
        key = signature_key(args)
        compiled = self.cache.get(key)
        if compiled is None:
            try:
                others = involves_other_arrays(args)    # dask arrays: other_arrays.py
                if others:
                    check_shapes(args, self.compiler)
                result = self.compiler.compile(args)
                if others:
                    check_dispatchable(result.source, self.compiler.parsed)
            except (TranslationError, UsageError) as error:
                raise _user_facing(error) from None
            compiled = result.function
            if others:
                compiled = concrete_outputs(compiled, args, self.compiler)
            compiled = _keep_scalar_types(compiled, args, self.compiler)
            self.cache[key] = compiled
            self.gradient.source = result.source
            self.gradient.sources[key] = result.source
            self._install()
        return compiled

    def revalidate(self):
        """A check failed: keep the compiled code if every dependency still holds an
        equal value, else forget it. Never raises (compilation reports problems)."""
        stale = False
        for dep, expected in self.guards:
            now = dep.current()
            if expected is not None and now is self.scope[expected]:
                continue
            if now is dep.value or _same_value(now, dep.value):
                if expected is not None:
                    self.scope[expected] = now      # equal number: no recompile
                continue
            stale = True
        for holder, expected in self.lengths:
            self.scope[expected] = len(holder)
        if stale:
            self.compiler.forget()
            self.cache.clear()
            self.gradient.sources.clear()
            self.gradient.source = None


def _identifier(name):
    """A lambda's `<lambda>` is no identifier: its dispatcher is named `lambda_`."""
    return name if name.isidentifier() else "lambda_"


def _private_prefix(names):
    """`_s2s_`, lengthened until no user parameter (or the function's name) starts
    with it, so the dispatcher's own names can never be shadowed."""
    prefix = "_s2s_"
    while any(n.startswith(prefix) for n in names):
        prefix += "_"
    return prefix


_VALUE_TYPES = (int, float, complex, bool, str, bytes, type(None), np.generic)


def _same_value(a, b):
    """Equal immutable values of the same type (-0.0 and 0.0 differ, NaN equals NaN),
    for which the compiled code is as valid as for the object it was built with."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return isinstance(a, _VALUE_TYPES) and repr(a) == repr(b)


def _keep_scalar_types(function, args, compiler):
    """A NumPy scalar argument gets a gradient of its own type (np.float32 for
    np.float32), not the 0-d array the generated code computes."""
    types = {i: type(args[compiler.params.index(p)]) for i, p in enumerate(compiler.wrt)
             if isinstance(args[compiler.params.index(p)], np.generic)}
    if not types:
        return function
    single = isinstance(compiler.argnums, int)

    def convert(grads):
        if single:
            return types[0](grads) if 0 in types else grads
        return tuple(types[i](g) if i in types else g for i, g in enumerate(grads))

    if compiler.with_value:
        def converted(*a):
            value, grads = function(*a)
            return value, convert(grads)
    elif compiler.has_aux:
        def converted(*a):
            grads, aux = function(*a)
            return convert(grads), aux
    else:
        def converted(*a):
            return convert(function(*a))
    converted.__wrapped__ = function
    return converted


def compile_source(source, name):
    filename = f"<s2s_ad dispatcher for {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return builtins.compile(source, filename, "exec")


def show(fun, *example_args, argnums=0, mode="grad"):
    """Print the gradient source s2s_ad generates for `fun` on arguments like these.
    `fun` may be a plain function or one that `grad`/`value_and_grad` returned.
    `mode="jvp"` prints the forward-mode (tangent) source instead (toolkit.py)."""
    if mode == "jvp":
        from .toolkit import jvp_source
        if not example_args:
            raise UsageValueError("show(..., mode='jvp') needs example arguments: forward "
                                  "mode is compiled for their kinds and shapes")
        print(jvp_source(getattr(fun, "__wrapped__", fun), *example_args), end="")
        return
    if mode != "grad":
        raise UsageValueError(f"show: mode must be 'grad' or 'jvp', not {mode!r}")
    if not hasattr(fun, "_s2s_compiler"):
        fun = grad(fun, argnums=argnums)
    fun._s2s_revalidate()
    if example_args:
        fun.compile(*example_args)
        print(fun.source, end="")
    else:
        try:
            source = fun._s2s_compiler.compile(None).source
        except (TranslationError, UsageError) as error:
            raise _user_facing(error) from None
        print(source, end="")
