"""Rules users give: custom_vjp and custom_jvp (JAX's shapes) for their own functions,
defvjp for a function of another library. Each becomes one entry of the rule table
(rules/__init__.py), so generated code calls the user's rule where the derivative of
the call is needed, with a comment naming it (custom_notes.py):

    x_bar = clip_vjp_1(0, (x,), g)  # custom_vjp clip: clip_bwd

Everything that can be checked is checked when the rule is registered (callables,
their arity, template syntax, the names a template reads), so a typo fails at the
line that registers it, not at the first compile. A rule reads its names in its
author's module: a function does, as any Python function; a template string given to
defvjp is compiled there (after checking that each name it reads is defined).
"""
import ast
import builtins
import functools
import inspect
import itertools
import linecache
import sys

import numpy as np

from . import rules
from .custom_notes import note
from .errors import UsageTypeError, UsageValueError
from .second_order import zero_tangent

_COUNT = itertools.count(1)
_WRAPPERS = itertools.count()
_RESERVED = {"g", "ans", "np", "math", "scipy"}     # template vocabulary


def _positional_names(fun, what):
    if not callable(fun):
        raise UsageTypeError(f"{what} takes a function, not {type(fun).__name__}")
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):
        raise UsageValueError(f"{what}: cannot read the signature of {fun!r}") from None
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or
           p.default is not p.empty for p in params):
        raise UsageValueError(f"{what} takes functions of positional parameters without "
                              f"defaults; {getattr(fun, '__name__', fun)} has "
                              f"{inspect.signature(fun)}")
    names = [p.name for p in params]
    clash = _RESERVED.intersection(names)
    if clash:
        raise UsageValueError(f"{what}: rename the parameter '{sorted(clash)[0]}' of "
                              f"{fun.__name__}; the names {sorted(_RESERVED)} are the rule "
                              "templates' own")
    return names


def _check_arity(fn, count, role, shape):
    """fn must be callable with `count` positional arguments."""
    if not callable(fn):
        raise UsageTypeError(f"the {role} must be a function, not {type(fn).__name__}")
    try:
        inspect.signature(fn).bind(*range(count))
    except TypeError:
        raise UsageValueError(f"the {role} {getattr(fn, '__name__', fn)}"
                              f"{inspect.signature(fn)} cannot take {count} argument(s): "
                              f"it is called as {shape}") from None
    except ValueError:
        pass                    # a builtin without a signature: checked when called


def _helper(stem, function, comment):
    """Put `function` in the template vocabulary under a fresh name with a comment."""
    name = f"{stem if stem.isidentifier() else 'rule'}_{next(_COUNT)}"
    function.__name__ = name
    note(function, comment)
    rules.TEMPLATE_MODULES[name] = function
    return name


def _as_tuple(value, n, who):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(value) != n:
        raise ValueError(f"{who} returned {len(value)} cotangent(s) for {n} argument(s)")
    return value


# -- custom_vjp ------------------------------------------------------------------------------

class custom_vjp:
    """JAX's custom_vjp: a function whose reverse-mode derivative the user gives.

        @custom_vjp
        def f(x, y): ...
        def f_fwd(x, y): return f(x, y), residuals
        def f_bwd(residuals, g): return (x_bar, y_bar)     # None: a zero cotangent
        f.defvjp(f_fwd, f_bwd)

    Calls of f in a differentiated function become one primitive of the rule table
    whose adjoint template calls f_bwd (the forward sweep calls f itself; the reverse
    sweep runs f_fwd again on the same arguments for the residuals). jvp refuses it, as
    JAX does (give a custom_jvp instead)."""

    def __init__(self, fun):
        self.names = _positional_names(fun, "custom_vjp")
        self.fun = fun
        functools.update_wrapper(self, fun)
        self.rule = None

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def defvjp(self, fwd, bwd):
        names = self.names
        _check_arity(fwd, len(names), "forward function", f"fwd({', '.join(names)})")
        _check_arity(bwd, 2, "backward function", "bwd(residuals, g)")

        def adjoints(i, arguments, g):
            _, residuals = fwd(*arguments)
            cotangent = _as_tuple(bwd(residuals, g), len(arguments), bwd.__name__)[i]
            if cotangent is None:           # JAX's spelling of a zero cotangent
                return np.zeros(np.shape(arguments[i])) if np.shape(arguments[i]) else 0.0
            return cotangent
        helper = _helper(f"{self.fun.__name__}_vjp", adjoints,
                         f"custom_vjp {self.fun.__name__}: {bwd.__name__}")
        packed = f"({', '.join(names)},)"
        templates = {n: f"{helper}({k}, {packed}, g)" for k, n in enumerate(names)}
        self.rule = rules.defrule(self, ", ".join(names),
                                  name=f"custom_vjp {self.fun.__name__}", **templates)
        self.rule.user_supplied = True
        note(self, f"custom_vjp {self.fun.__name__}")
        return self


# -- custom_jvp ------------------------------------------------------------------------------

class custom_jvp:
    """JAX's custom_jvp: a function whose forward-mode derivative the user gives.

        @custom_jvp
        def f(x, y): ...
        @f.defjvp
        def f_jvp(primals, tangents):
            x, y = primals
            x_dot, y_dot = tangents
            return f(x, y), <the tangent, linear in x_dot and y_dot>

    jvp calls f_jvp with one tangent at a time (zeros for the others). Reverse mode
    uses the transpose of that linear map, as JAX does: the gradient of
    sum(f_jvp(primals, tangents)[1] * g) with respect to the tangents, compiled by
    s2s_ad from f_jvp's source; where s2s_ad cannot read f_jvp, the transpose is built
    one tangent basis vector at a time (exact, one f_jvp call per input element)."""

    def __init__(self, fun):
        self.names = _positional_names(fun, "custom_jvp")
        self.fun = fun
        functools.update_wrapper(self, fun)
        self.rule = None
        self.jvp = None

    def __call__(self, *args, **kwargs):
        return self.fun(*args, **kwargs)

    def defjvp(self, jvp):
        _check_arity(jvp, 2, "jvp rule", "jvp(primals, tangents)")
        self.jvp = jvp
        names, name = self.names, self.fun.__name__

        def tangent(i, arguments, t):
            tangents = [zero_tangent(a) for a in arguments]
            tangents[i] = t
            out = jvp(tuple(arguments), tuple(tangents))
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ValueError(f"{jvp.__name__} must return (primal_out, tangent_out)")
            return out[1]
        transposed = _Transpose(jvp, len(names))
        t_helper = _helper(f"{name}_jvp", tangent, f"custom_jvp {name}: {jvp.__name__}")
        v_helper = _helper(f"{name}_jvp_transposed", transposed,
                           f"custom_jvp {name}: {jvp.__name__}, transposed")
        packed = f"({', '.join(names)},)"
        self.rule = rules.defrule(
            self, ", ".join(names), name=f"custom_jvp {name}",
            tangent={n: f"{t_helper}({k}, {packed}, {n}_dot)" for k, n in enumerate(names)},
            **{n: f"{v_helper}({k}, {packed}, g)" for k, n in enumerate(names)})
        self.rule.user_supplied = True
        note(self, f"custom_jvp {name}")
        return jvp


class _Transpose:
    """The cotangent of argument i of a custom_jvp function: the transpose of its
    (linear in the tangents) jvp rule applied to g."""

    def __init__(self, jvp, n):
        self.jvp, self.n = jvp, n
        self.wrapper = None
        self.grads = {}
        self.readable = True

    def __call__(self, i, arguments, g):
        tangents = [zero_tangent(a) for a in arguments]
        if self.readable:
            from .errors import TranslationError, UsageError
            try:
                return self._compiled(i)(*arguments, *tangents, g)
            except (TranslationError, UsageError):
                self.readable = False
        return self._by_columns(i, arguments, tangents, g)

    def _compiled(self, i):
        if i not in self.grads:
            from .api import grad
            if self.wrapper is None:
                self.wrapper = _pairing(self.jvp, self.n)
            self.grads[i] = grad(self.wrapper, argnums=self.n + i)
        return self.grads[i]

    def _by_columns(self, i, arguments, tangents, g):
        x = np.asarray(arguments[i], dtype=float)
        out = np.zeros(x.size)
        for j in range(x.size):
            basis = np.zeros(x.size)
            basis[j] = 1.0
            tangents[i] = basis.reshape(x.shape) if x.shape else 1.0
            out[j] = np.sum(np.asarray(self.jvp(tuple(arguments), tuple(tangents))[1]) * g)
        return out.reshape(x.shape) if x.shape else float(out[0])


def _pairing(jvp, n):
    """`def pairing(p0, .., t0, .., g): return np.sum(jvp((p0, ..), (t0, ..))[1] * g)`."""
    ps, ts = [f"p{k}" for k in range(n)], [f"t{k}" for k in range(n)]
    source = (f"def pairing({', '.join(ps + ts + ['g'])}):\n"
              f"    out = jvp_rule(({', '.join(ps)},), ({', '.join(ts)},))\n"
              f"    return np.sum(out[1] * g)\n")
    filename = f"<s2s_ad custom_jvp pairing #{next(_WRAPPERS)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"jvp_rule": jvp, "np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace["pairing"]


# -- defvjp: a rule for another library's function ---------------------------------------------

def defvjp(fun, spec, **adjoints):
    """Give `fun` (a function s2s_ad has no rule for, e.g. from SciPy) a reverse-mode
    rule, in the rule table's own form:

        s2s_ad.defvjp(scipy.special.erfcx, "x",
                      x="g * (2 * x * ans - 2 / np.sqrt(np.pi))")

    `spec` lists the parameters as a `def` would ("x, y, axis=None"); each keyword
    gives the adjoint contribution to one parameter, written with `g` (the adjoint of
    the result), `ans` (the result) and the parameters, either as a template string
    or as a function `(g, ans, x, y, ...) -> contribution`. A parameter without one is not differentiable
    (an active argument there is refused where it is written). A template is a
    Python expression evaluated in the module that calls defvjp (its names are checked
    there now); the generated code calls it, with the template as the comment."""
    if not callable(fun):
        raise UsageTypeError(f"defvjp gives a rule to a function, not to "
                             f"{type(fun).__name__}")
    try:
        signature = rules._signature(spec)
    except SyntaxError as exc:
        raise UsageValueError(f"defvjp: the parameter list {spec!r} does not parse: "
                              f"{exc.msg}") from None
    params = list(signature.parameters)
    clash = _RESERVED.intersection(params)
    if clash:
        raise UsageValueError(f"defvjp: rename the parameter '{sorted(clash)[0]}'; "
                              f"{sorted(_RESERVED)} are the templates' own names")
    for name in adjoints:
        if name not in params:
            raise UsageValueError(f"defvjp: a rule for '{name}', which is not one of the "
                                  f"parameters {params}")
    if not adjoints:
        raise UsageValueError("defvjp: give a rule for at least one parameter")
    caller = sys._getframe(1).f_globals
    label = f"defvjp {rules.describe(fun)}"
    templates = {}
    for name, rule in adjoints.items():
        if isinstance(rule, str):
            function = _template_function(rule, params, caller, label, name)
            comment = f"{label}: {rule}"
        elif callable(rule):
            _check_arity(rule, 2 + len(params), f"rule for '{name}'",
                         f"rule(g, ans, {', '.join(params)})")
            function, comment = _called(rule), f"{label}: {getattr(rule, '__name__', name)}"
        else:
            raise UsageTypeError(f"defvjp: the rule for '{name}' must be a template string "
                                 f"or a function, not {type(rule).__name__}")
        helper = _helper(f"{getattr(fun, '__name__', 'rule')}_{name}_vjp", function, comment)
        templates[name] = f"{helper}(g, ans, {', '.join(params)})"
    rule = rules.defrule(fun, spec, name=rules.describe(fun), **templates)
    rule.user_supplied = True           # not part of the built-in table's own tests
    note(fun, label)
    return rule


def _called(rule):
    def call(*args):
        return rule(*args)
    return call


def _template_function(text, params, namespace, label, param):
    """`lambda g, ans, <params>: <text>` with the registering module's globals, after
    checking that it parses and that every name it reads is defined there now."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise UsageValueError(f"{label}: the rule for '{param}' does not parse: "
                              f"{exc.msg}: {text!r}") from None
    local = set(params) | {"g", "ans"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in local and \
                node.id not in namespace and not hasattr(builtins, node.id):
            raise UsageValueError(f"{label}: the rule for '{param}' reads the name "
                                  f"'{node.id}', which is not defined in the module that "
                                  f"registers it ({namespace.get('__name__', '?')})")
    source = f"lambda g, ans, {', '.join(params)}: ({text})"
    return eval(compile(source, f"<{label}: rule for {param}>", "eval"), namespace)
