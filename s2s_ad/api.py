"""The public API, following JAX's conventions: grad, value_and_grad, show."""
import builtins
import functools
import itertools
import linecache
import sys
import types

import numpy as np

from .api_trees import TreeDispatch, tree_positions
from .compiler import GradientCompiler
from .errors import TranslationError, TreeDependentError, UsageError, UsageValueError
from .by_value import by_value, version_for
from .kinds import ARRAY_TYPES, signature_key
from .other_arrays import (check_dispatchable, check_shapes, concrete_outputs,
                           involves_other_arrays)
from .dispatch_inline import inlined_lines
from .scalar_loops import _plain_depth, optimising, plain_code
from . import global_cache as _cache


def grad(fun=None, argnums=0, has_aux=False, kinks=None):
    """The gradient of a scalar-valued `fun` with respect to argument(s) `argnums`.

    Use as `grad(f)`, `@grad` or `@grad(argnums=(0, 1))`. An int `argnums` gives one
    gradient, a tuple gives a tuple. Each gradient has its input's type and shape.
    With `has_aux=True`, `fun` returns `(output, aux)` and the result is
    `(gradient, aux)`; `aux` is passed through, not differentiated.
    With `kinks="clarke"`, kinks are resolved as the Clarke mode does (clarke.py).
    """
    if kinks is not None:
        return _with_kinks(fun, argnums, False, has_aux, kinks)
    # the same request as the last one (global_cache.py)
    if (fun is _last_fun and argnums is _last_argnums and _last_with_value is False
            and has_aux is _last_has_aux and fun.__code__ is _last_code
            and fun.__defaults__ is _last_defaults and _env_get(_CHECK) is _last_check
            and _env_get(_OPTIMISE) is _last_optimise and not _plain_depth[0]):
        return _last_gradient
    return _transform(fun, argnums, False, has_aux)


def value_and_grad(fun=None, argnums=0, has_aux=False, kinks=None):
    """Like `grad`, but the result is `(fun(*args), gradient)` from one sweep, or
    `((output, aux), gradient)` with `has_aux=True`."""
    if kinks is not None:
        return _with_kinks(fun, argnums, True, has_aux, kinks)
    # the same request as the last one (global_cache.py)
    if (fun is _last_fun and argnums is _last_argnums and _last_with_value is True
            and has_aux is _last_has_aux and fun.__code__ is _last_code
            and fun.__defaults__ is _last_defaults and _env_get(_CHECK) is _last_check
            and _env_get(_OPTIMISE) is _last_optimise and not _plain_depth[0]):
        return _last_gradient
    return _transform(fun, argnums, True, has_aux)


def _with_kinks(fun, argnums, with_value, has_aux, kinks):
    """grad(f, kinks="clarke"): the Clarke mode (clarke.py) around the ordinary gradient,
    which it returns wherever no kink is hit."""
    if fun is None:
        return functools.partial(_with_kinks, argnums=argnums, with_value=with_value,
                                 has_aux=has_aux, kinks=kinks)
    if kinks != "clarke":
        raise UsageValueError(f"kinks={kinks!r}: the choices are None (the default tie "
                              "rules, docs/nonsmooth.md) and 'clarke'")
    from .clarke import clarke_transform
    default = _transform(fun, argnums, with_value, has_aux)
    return clarke_transform(fun, argnums, with_value, has_aux, default)


def _transform(fun, argnums, with_value, has_aux=False):
    if fun is None:                       # @grad(argnums=...)
        return functools.partial(_transform, argnums=argnums, with_value=with_value,
                                 has_aux=has_aux)
    if hasattr(fun, "_s2s_compiler"):         # grad(grad(f)): toolkit.py
        from .toolkit import grad_of_gradient
        return grad_of_gradient(fun, argnums, with_value, has_aux)
    key, cached = _cache.lookup(fun, argnums, with_value, has_aux)
    if cached is not None:
        return cached
    try:
        compiler = GradientCompiler(fun, argnums, with_value, has_aux)
    except (TranslationError, UsageError) as error:
        raise _user_facing(error) from None
    gradient = _Dispatcher(fun, compiler).gradient
    if key is not None:
        _cache.store(key, fun, argnums, with_value, has_aux, gradient)
    return gradient


def plain_variant(gradient):
    """The same transform as `gradient` (grad or value_and_grad of the same function),
    whose code is compiled without the Python backend's scalar-loop rewrites: for the
    tools that rewrite generated code again (jit.py, checkpoint.py). Compile it inside
    `plain_code()`."""
    if getattr(gradient, "_s2s_plain", False):     # checkpoint_loops(grad(f)) already is
        return gradient
    compiler = gradient._s2s_compiler
    with plain_code():
        return _transform(compiler.fun, compiler.argnums, compiler.with_value,
                          compiler.has_aux)


# -- the global cache of transformed functions: global_cache.py ------------------------

clear_cache = _cache.clear
# The last answer, tested first in grad and value_and_grad; global_cache.py sets them.
_last_fun = _last_argnums = _last_with_value = _last_has_aux = _last_code = None
_last_defaults = _last_gradient = _last_check = _last_optimise = None
_cache.bind(globals())
_env_get, _CHECK, _OPTIMISE = _cache.env_get, _cache.CHECK, _cache.OPTIMISE


def _user_facing(error):
    """Drop the compiler's own frames: the message and its location say it all."""
    if isinstance(error, TreeDependentError):
        error = error.plain()
    return error.with_traceback(None)


_DISPATCHER_SERIALS = itertools.count(1)


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
        # Its own source file name: grad(f) and value_and_grad(f) are two dispatchers of
        # one function, and a traceback or debugger shows each its own text.
        self.serial = next(_DISPATCHER_SERIALS)
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
        self.installed = None       # (dependencies, fast) the code was made from
        self.fast = None            # (key, function) of the signature tested inline
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

    def _generate(self, checks, fast=None):
        """The dispatcher's function, with `checks` (Python expressions) as guards and
        `fast`, the first compiled signature's key, tested inline before anything else:
        a call with that signature whose checks pass costs a few `is` tests and the
        call itself (no key tuple built, no dict lookup)."""
        fun, p = self.fun, self.prefix
        parsed = self.compiler.parsed
        params = parsed.params
        listed = list(params)
        if parsed.posonly:
            listed.insert(parsed.posonly, "/")
        call = f"{', '.join(params)}"
        key_parts = ", ".join(f"(({q}.shape, {q}.dtype) if {p}t{i} is {p}ndarray else "
                              f"({p}t{i}, {q}.shape, {q}.dtype) if {p}t{i} in {p}arrays "
                              f"else {p}t{i})" for i, q in enumerate(params))
        name = _identifier(fun.__name__)
        lines = [f"def {name}({', '.join(listed)}):"]
        if fast is not None:
            lines += [f"    if {' and '.join(self._fast_tests(fast))}:"]
            if checks:
                # The call stays outside the try: an exception from the gradient itself
                # must reach the caller, not be taken for a failed check.
                lines += ["        try:",
                          f"            {p}ok = {' and '.join(checks)}",
                          "        except (KeyError, ValueError, AttributeError):",
                          f"            {p}ok = False",
                          f"        if {p}ok:"]
                lines += self._fast_call(call, 12)
            else:
                lines += self._fast_call(call, 8)
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
                  f"        {p}function = {p}compile({call})",
                  f"    return {p}function({call})"]
        source = "\n".join(lines) + "\n"
        exec(compile_source(source, f"{fun.__name__} #{self.serial}"), self.scope)
        return self.scope.pop(name)

    def _fast_call(self, call, indent):
        """`return F(...)`, or F's body itself when it is short (dispatch_inline.py)."""
        p = self.prefix
        if optimising():
            body = inlined_lines(self.fast[1], self.scope, p, _identifier(self.fun.__name__),
                                 self.compiler.parsed.params, indent)
            if body is not None:
                return body
        return [" " * indent + f"return {p}F({call})"]

    def _fast_tests(self, key):
        """Python tests that an argument tuple has signature `key` (kinds.signature_key):
        the type for numbers and other objects, type, shape and dtype for an ndarray
        (a dtype is compared by identity: an equal but distinct one takes the general
        path, which is just as correct)."""
        p, tests = self.prefix, []
        for i, (q, part) in enumerate(zip(self.compiler.parsed.params, key)):
            if isinstance(part, tuple):
                shape, dtype = part
                self.scope[f"{p}S{i}"], self.scope[f"{p}D{i}"] = shape, dtype
                tests.append(f"{p}type({q}) is {p}ndarray and {q}.shape == {p}S{i} "
                             f"and {q}.dtype is {p}D{i}")
            else:
                self.scope[f"{p}K{i}"] = part
                tests.append(f"{p}type({q}) is {p}K{i}")
        return tests or ["True"]

    def _install(self):
        """Regenerate the checks for the compiler's current dependencies."""
        dependencies = self.compiler.parsed.dependencies
        if self.installed is not None and self.installed == (dependencies, self.fast):
            return
        p = self.prefix
        for name in [n for n in self.scope if n.startswith(
                tuple(f"{p}{c}" for c in "ENHMFKSD"))]:
            del self.scope[name]            # the previous checks' and fast path's objects
        checks, self.guards, self.lengths = [], [], []
        seen = {}
        for dep in dependencies:
            key = (dep.where, id(dep.holder), dep.name, dep.attrs)
            if key in seen:
                continue
            seen[key] = dep
            holder = self._bind(dep.holder, "H")
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
            module = _module_of(dep.holder) if dep.where == "global" else None
            if dep.where == "cell":
                read = f"{holder}.cell_contents"
            elif dep.where == "attribute":
                read = f"{holder}.{dep.name}"
            elif module is not None and not dep.name.startswith("__"):
                # The module's attribute is its globals dict's entry, read by CPython's
                # specialised attribute lookup: cheaper than the dict subscript below,
                # and a deleted global raises AttributeError all the same.
                read = f"{self._bind(module, 'M')}.{dep.name}"
            else:
                read = f"{holder}[{dep.name!r}]"
            read += "".join(f".{a}" for a in dep.attrs)
            expected = f"{p}E{len(self.guards)}"
            self.scope[expected] = dep.value
            self.guards.append((dep, expected))
            checks.append(f"{read} is {expected}")
        fast = None
        if self.fast is not None:
            fast = self.fast[0]
            self.scope[f"{p}F"] = self.fast[1]
        self.gradient.__code__ = self._generate(checks, fast).__code__
        self.installed = (dependencies, self.fast)

    def _bind(self, holder, letter):
        """The dispatcher-global name under which a globals dict or a cell (letter H)
        or a module (M) is read."""
        p = self.prefix
        for name, value in self.scope.items():
            if value is holder and name.startswith(f"{p}{letter}"):
                return name
        name = f"{p}{letter}{sum(n.startswith(f'{p}{letter}') for n in self.scope)}"
        self.scope[name] = holder
        return name

    # -- slow paths ----------------------------------------------------------------------

    def compile(self, *args):
        """Compile for the signature of `args` (without calling) and return the
        generated gradient function; `.source` then shows its text."""
        key = signature_key(args)
        compiled = self.cache.get(key)
        if compiled is None and tree_positions(args, self.compiler):
            # A differentiated list, tuple, dict or NamedTuple: api_trees.py keys and
            # compiles it by its structure.
            compiled = self.cache[key] = TreeDispatch(self)
            if self.fast is None and _inline_testable(key):
                self.fast = (key, compiled)
            self._install()
        if isinstance(compiled, TreeDispatch):
            compiled.prepare(args)
            return compiled
        if compiled is None:
            try:
                others = involves_other_arrays(args)    # dask arrays: other_arrays.py
                if others:
                    check_shapes(args, self.compiler)
                result = self._compile_checked(args, others)
            except (TranslationError, UsageError) as error:
                raise _user_facing(error) from None

            def adapt(function):
                if others:
                    function = concrete_outputs(function, args, self.compiler)
                return _keep_scalar_types(function, args, self.compiler)
            compiled = by_value(self.compiler, args, result, adapt, self._compile_again)
            self.cache[key] = compiled
            if self.fast is None and _inline_testable(key):
                self.fast = (key, compiled)
            self.gradient.sources[key] = result.source
            self._install()
        # (Also when it was compiled before: `grad(f)` may return an object that another
        # `grad(f)` call compiled other signatures with; see global_cache.py.)
        compiled, source = version_for(compiled, args, self.gradient.sources.get(key))
        self.gradient.source = source or self.gradient.source
        return compiled

    def _compile_checked(self, args, others):
        result = self.compiler.compile(args, by_value=True)
        if others:
            check_dispatchable(result.source, self.compiler.parsed)
        return result

    def _compile_again(self, args):
        """Another version for other values of the ints that decide shapes (by_value.py)."""
        try:
            return self._compile_checked(args, involves_other_arrays(args))
        except (TranslationError, UsageError) as error:
            raise _user_facing(error) from None

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
            self.fast = None
            self._install()                 # no inline test of forgotten code
            self.gradient.sources.clear()
            self.gradient.source = None


def _module_of(globals_dict):
    """The plain module whose namespace `globals_dict` is, or None (a function made by
    `exec` in a dict of its own; a module with a `__getattr__`, which would answer
    for a deleted global where the function itself raises NameError).

    What this trusts after the check: that the module does not later gain a
    `__getattr__`, or a class with a property named like one of its globals, that
    returns the very object a deleted or rebound global held. Anything else they
    return fails the `is` test and takes the careful path, which reads the dict."""
    name = globals_dict.get("__name__")
    module = sys.modules.get(name) if type(name) is str else None
    if type(module) is not types.ModuleType or module.__dict__ is not globals_dict:
        return None
    return None if "__getattr__" in globals_dict else module


def _inline_testable(key):
    """Numbers, NumPy scalars and ndarrays are tested inline; another array type (a
    dask array, keyed by (type, shape, dtype)) always takes the general path."""
    return not any(isinstance(part, tuple) and len(part) != 2 for part in key)


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
    `mode="jvp"` prints the forward-mode (tangent) source instead (toolkit.py); for a
    gradient `grad(f)` that is the jvp of its generated code, the Hessian-vector
    product (second derivatives, as `hessian` and `jvp(grad(f), ...)` run them)."""
    if mode == "jvp":
        from .toolkit import jvp_source
        if not example_args:
            raise UsageValueError("show(..., mode='jvp') needs example arguments: forward "
                                  "mode is compiled for their kinds and shapes")
        if hasattr(fun, "_s2s_compiler"):     # show(grad(f), ..., mode="jvp"): the HVP
            fun._s2s_revalidate()
            generated = fun.compile(*example_args)
            print(jvp_source(getattr(generated, "__wrapped__", generated), *example_args),
                  end="")
            return
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
