"""Statements kept for their effect, not their value: `assert`, `print(...)`, logging
calls; and random numbers drawn inside the function.

Generated code drops every statement whose result nothing reads, so each effect is a
primitive whose result is a token (None) that the next effect takes as an argument:
`chk_2 = effect(chk_1, print, x)`. The function's result passes through `after(result,
token)`, which returns the result itself (the same object, so the value is bit for bit
f's; its adjoint is the identity), so the chain of effects is always live and runs in
program order. The token is the pseudo-variable '#chk' of the lowering: branches join
it and loops carry it like any variable.

The kind probe (compiler.py runs the forward sweep once on the first arguments) must
neither print nor draw random numbers: `probing()` turns effects off and restores the
state of NumPy's global generator and of `random` afterwards, so the compiled run draws
exactly what a call of f would (value_and_grad's value equals f's under the same seed).
Random draws are constants: their derivative with respect to their own parameters
(the reparametrization trick) is not taken, so an active parameter is refused.
"""
import ast
import contextlib
import logging
import random as _random
import threading

import numpy as np

from . import rules
from .rules import defrule

_probing = threading.local()        # .depth: probing() blocks this thread is inside


@contextlib.contextmanager
def probing():
    """Within it, effects do nothing and random state is left as it was found. Effects
    are turned off for this thread only (a compile in one thread must not silence
    another's prints); the blocks nest (a compile inside the Clarke mode's quiet run)."""
    np_state = np.random.get_state()
    py_state = _random.getstate()
    _probing.depth = getattr(_probing, "depth", 0) + 1
    try:
        yield
    finally:
        _probing.depth -= 1
        np.random.set_state(np_state)
        _random.setstate(py_state)


def effect(token, fn, *args, **kwargs):
    if not getattr(_probing, "depth", 0):
        fn(*args, **kwargs)


def check(token, condition, message=None):
    if not condition:
        raise AssertionError(message) if message is not None else AssertionError


def after(x, token):
    return x


EFFECT = defrule(effect, "token, fn, *args, **kwargs", name="print", zero_grad=True)
CHECK = defrule(check, "token, condition, message=None", name="assert", zero_grad=True)
AFTER = defrule(after, "x, token", name="after", discrete=("token",), x="g")
HELPERS = {"effect": effect, "check": check, "after": after}


def is_effect_call(fn):
    """print, logging's functions and a Logger's methods, warnings.warn."""
    import warnings
    if fn is print or fn is warnings.warn:
        return True
    if getattr(fn, "__module__", None) == "logging":
        return True
    owner = getattr(fn, "__self__", None)
    return isinstance(owner, (logging.Logger, logging.LoggerAdapter))


_RANDOM_REFUSAL = ("a random draw's parameters are not differentiated (s2s_ad treats the "
                   "draw as a constant); draw a standard sample and scale it: "
                   "mu + sigma * np.random.standard_normal(size)")

_RANDOM = {
    "rand": "*shape", "randn": "*shape", "random": "size=None",
    "random_sample": "size=None", "standard_normal": "size=None",
    "normal": "loc=0.0, scale=1.0, size=None", "uniform": "low=0.0, high=1.0, size=None",
    "randint": "low, high=None, size=None, dtype=int",
    "choice": "a, size=None, replace=True, p=None", "permutation": "x",
    "exponential": "scale=1.0, size=None", "poisson": "lam=1.0, size=None",
    "binomial": "n, p, size=None", "beta": "a, b, size=None",
    "gamma": "shape, scale=1.0, size=None", "laplace": "loc=0.0, scale=1.0, size=None",
}
for _name, _spec in _RANDOM.items():
    _fn = getattr(np.random, _name)
    if rules.rule_for_call(_fn) is None:
        defrule(_fn, _spec, refuses=_RANDOM_REFUSAL)
    rules.rule_for_call(_fn).pure = False       # each call draws anew
for _fn, _spec in ((_random.random, ""), (_random.gauss, "mu=0.0, sigma=1.0"),
                   (_random.uniform, "a, b"), (_random.normalvariate, "mu=0.0, sigma=1.0")):
    if rules.rule_for_call(_fn) is None:
        defrule(_fn, _spec, refuses=_RANDOM_REFUSAL)
    rules.rule_for_call(_fn).pure = False
for _rule in (EFFECT, CHECK):
    _rule.pure = False


class EffectLowering:
    """The effect part of `control.StructuredLowerer`."""

    def helper_name(self, key):
        obj = HELPERS[key]
        for name, value in self.extra_namespace.items():
            if value is obj:
                return name
        name = self.names.fresh(f"s2s_{key}")
        self.extra_namespace[name] = obj
        self.parsed.namespace[name] = obj
        return name

    def token(self):
        return self.current.get("#chk", ast.Constant(None))

    def effect_statement(self, call, fn):
        if any(isinstance(a, ast.Starred) for a in call.args) or \
                any(k.arg is None for k in call.keywords):
            raise self.error("'*' and '**' in a print or logging call are not supported",
                             call)
        alias = self.names.fresh(getattr(fn, "__name__", "effect"))
        self.extra_namespace[alias] = fn
        self.parsed.namespace[alias] = fn
        args = [self.token(), ast.Name(alias, ast.Load())]
        args += [self.expr(a) for a in call.args]
        keywords = [(k.arg, self.expr(k.value)) for k in call.keywords]
        bound = {"token": args[0], "fn": args[1], "args": ast.Tuple(args[2:], ast.Load())}
        bound.update({f"args[{k}]": a for k, a in enumerate(args[2:])})
        bound.update({f"kw_{k}": v for k, v in keywords})
        self._chain(EFFECT, bound, call, args, keywords, "effect")

    def assert_statement(self, node):
        condition = self.expr(node.test)
        message = self.expr(node.msg) if node.msg is not None else ast.Constant(None)
        args = [self.token(), condition, message]
        self._chain(CHECK, {"token": args[0], "condition": condition, "message": message},
                    node, args, [], "check")

    def _chain(self, rule, bound, node, args, keywords, key):
        callee = ast.Name(self.helper_name(key), ast.Load())
        name = self.new_version("#chk")
        self.emit(name, rule, bound, node, call_args=args, call_keywords=keywords,
                  callee=callee)
        self.current["#chk"] = ast.Name(name, ast.Load())

    def after_effects(self, result, node):
        """The function's result, passed through the last effect's token."""
        token = self.current.get("#chk")
        if token is None or isinstance(token, ast.Constant):
            return result
        callee = ast.Name(self.helper_name("after"), ast.Load())
        return self.emit(None, AFTER, {"x": result, "token": token}, node,
                         call_args=[result, token], callee=callee)
