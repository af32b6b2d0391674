"""Adjoint values and their accumulators.

An adjoint term is one of one family, with a single `materialise` step that turns it
into the array or number it stands for:

    ZERO        no contribution at all (the value does not reach the output)
    ast.expr    an expression: a name, a number, `-z_bar_neg`, `g * math.cos(x)`
    Masked      `value` where `cond` holds and 0 elsewhere (a `where` branch)
    Filled      the scalar `value` at every position of an array of `shape`

Masked and Filled stay symbolic through elementwise rules, which is how an infinite
derivative at a masked-out point never becomes NaN and a full sum's adjoint never
becomes an array until a rule needs one.

Each adjoint variable has one `Accumulator`: the contributions waiting for it, the
name of its variable once it has one, whether that variable holds a running sum (a
value defined outside the branch or loop that contributes to it), and its finished
value. The reverse sweep keeps one accumulator per forward name in scope; a loop
gives its carried values fresh accumulators for the body (one iteration's adjoint)
and restores the outer ones after it.
"""
import ast
from dataclasses import dataclass

import numpy as np
from .walk import all_nodes

ZERO = None             # the adjoint of a value that does not reach the output
UNFINISHED = object()


@dataclass
class Masked:
    """An adjoint equal to `value` where `cond` holds and 0 elsewhere, as the adjoint of
    a `where` branch is. It stays unevaluated through elementwise rules, which apply
    the mask after their own derivative: where(c, g * f'(x), 0) rather than
    where(c, g, 0) * f'(x), so an infinite f' at a masked-out point (sqrt at 0) cannot
    turn 0 * inf into NaN in the gradient."""
    cond: ast.expr
    value: ast.expr

    def materialise(self, np_name):
        return _np_call(np_name, "where", self.cond, self.value, ast.Constant(0.0))

    def parts(self):
        return [self.cond, self.value]


@dataclass
class Filled:
    """An adjoint that is the scalar `value` at every position of an array of `shape`,
    as after a full sum or mean. Elementwise rules use the scalar as it is (NumPy
    broadcasts it); elsewhere it becomes np.full(shape, value)."""
    value: ast.expr
    shape: tuple
    dtype: object

    def materialise(self, np_name):
        if self.shape == ():
            return self.value
        call = _np_call(np_name, "full", ast.Constant(self.shape), self.value)
        if np.dtype(self.dtype) != np.float64:
            call.keywords = [ast.keyword("dtype", ast.Attribute(
                ast.Name(np_name, ast.Load()), np.dtype(self.dtype).name, ast.Load()))]
        return call

    def parts(self):
        return [self.value]


def materialise(term, np_name):
    """The term as an expression (the one place where symbolic adjoints become real)."""
    if isinstance(term, (Masked, Filled)):
        return term.materialise(np_name)
    return term


def names_read(term):
    """The names an adjoint term reads (a Masked or Filled one included)."""
    parts = term.parts() if isinstance(term, (Masked, Filled)) else [term]
    return {n.id for part in parts for n in all_nodes(part) if isinstance(n, ast.Name)}


class Accumulator:
    """The bookkeeping of one adjoint variable (see the module docstring)."""

    def __init__(self, var):
        self.var = var              # the forward name this is the adjoint of
        self.terms = []             # contributions waiting, in reverse-sweep order
        self.name = None            # its adjoint variable, once it needs one
        self.running = False        # the variable holds the sum so far: terms add to it
        self.value = UNFINISHED     # the finished adjoint (a term, or ZERO)

    @property
    def finished(self):
        return self.value is not UNFINISHED

    def take_terms(self):
        terms, self.terms = self.terms, []
        return terms

    def __repr__(self):
        state = "running" if self.running else "finished" if self.finished else "pending"
        return f"<adjoint of {self.var}: {state}, {len(self.terms)} waiting>"


def _np_call(np_name, attr, *args):
    return ast.Call(ast.Attribute(ast.Name(np_name, ast.Load()), attr, ast.Load()),
                    list(args), [])
