"""Rules for what control flow and local containers need: comparisons and `not`
(piecewise constant), `len`, `min`/`max`, reading `x[i]`, writing `x[i] = v`, Python
lists (`[a, b]`, `.append`, `sum`, `np.array(list)`) and fresh NumPy arrays.

Some adjoints here are not terms but in-place updates of an adjoint container
(`x_bar[i] += g`, `L_bar.pop()`); the reverse transform handles those rules by name
(see `containers.py`). Their templates are the fallbacks for when it cannot.
"""
import ast
import builtins

import numpy as np

from . import BINOP, METHOD, UNARY, defop, defrule


def _compare_spelling(op):
    return lambda a: ast.Compare(a[0], [op()], [a[1]])


COMPARISONS = {}
for _op, _name in ((ast.Lt, "lt"), (ast.LtE, "le"), (ast.Gt, "gt"), (ast.GtE, "ge"),
                   (ast.Eq, "eq"), (ast.NotEq, "ne")):
    COMPARISONS[_op] = defop(_compare_spelling(_op), _op, _name, "x, y", zero_grad=True)

defop(UNARY, ast.Not, "not", "x", zero_grad=True)

defrule(builtins.len, "x", zero_grad=True)
defrule(builtins.int, "x", zero_grad=True)
defrule(builtins.round, "x, ndigits=None", zero_grad=True)
# At a tie the gradient goes to the first argument, an element of the Clarke gradient.
defrule(builtins.min, "x, y", x="g * (x <= y)", y="g * (y < x)")
defrule(builtins.max, "x, y", x="g * (x >= y)", y="g * (y > x)")


def _subscript(a):
    return ast.Subscript(a[0], a[1], ast.Load())


# x[index]: the adjoint is `x_bar[index] += g` on an adjoint container; this template
# (a zero array with g at index) is the fallback when x has no such container.
GETITEM = defop(_subscript, "getitem", "getitem", "x, index",
                x="index_adjoint(x, index, g)")
# x[index] = v, a statement; `saved` is the overwritten part when the reverse needs it.
SETITEM = defop(lambda a: None, "setitem", "setitem", "x, index, v, saved=None")
# The overwritten part of x, copied before a write.
SAVE = defop(lambda a: ast.Call(ast.Attribute(_subscript(a), "copy", ast.Load()), [], []),
             "save", "save", "x, index", zero_grad=True)

# Python lists as local containers.
# Its arguments are bound as i0, i1, ... by the lowering.
MAKE_LIST = defop(lambda a: ast.List(list(a), ast.Load()), "list", "list", "")
APPEND = defop(lambda a: None, "append", "append", "l, v")


def _sum_adjoint(info):
    kind = info.kind("x")
    if kind is not None and kind.is_array:
        return "np.full_like(x, g)"
    return "spread(x, g)"


SUM = defrule(builtins.sum, "x", x=_sum_adjoint)
ARRAY = defrule(np.array, "x", x="g")
COPY_METHOD = defop(METHOD, "copy", "copy (.copy())", "x", x="g")
COPY = defrule(np.copy, "x", x="g")

# Functions that return a new array the function owns, so it may write into it.
_fresh = [ARRAY, COPY_METHOD, COPY, MAKE_LIST]
for _fn in (np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like):
    _fresh.append(defrule(_fn, "shape, dtype=None", name=f"numpy.{_fn.__name__}",
                          zero_grad=True))
_fresh.append(defrule(np.full, "shape, fill_value, dtype=None", name="numpy.full",
                      fill_value="np.sum(g)"))
FRESH = {id(rule) for rule in _fresh}
