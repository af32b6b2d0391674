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

from .numpy_elementwise import max_adjoint
from . import COMPARE, METHOD, SUBSCRIPT, defop, defrule, rule_for_call, rule_for_operator


# Comparisons (piecewise constant) have their rules in operators.py.
COMPARISONS = {op: rule_for_operator(COMPARE, op)
               for op in (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)}

defrule(builtins.int, "x", zero_grad=True)
# A range as a value: `reversed(range(...))` loops over `range(...)[::-1]`.
defrule(builtins.range, "start, stop=None, step=None", zero_grad=True)
defrule(builtins.round, "x, ndigits=None", zero_grad=True)
# The same tie rule as np.maximum/np.minimum: max(x, 0.0) is relu, with relu'(0) = 0.
defrule(builtins.min, "x, y", x=max_adjoint("x", "y", "<"), y=max_adjoint("y", "x", "<"))
defrule(builtins.max, "x, y", x=max_adjoint("x", "y", ">"), y=max_adjoint("y", "x", ">"))


def _subscript(a):
    return ast.Subscript(a[0], a[1], ast.Load())


# x[index]: the rule is in numpy_indexing.py.
GETITEM = rule_for_operator(SUBSCRIPT, None)
# Element writes `x[index] = v` and `L.append(v)` are IR items of their own (ir.Store,
# ir.Append; their adjoints are in containers.py). The overwritten part of x, copied
# before a write:
SAVE = defop(lambda a: ast.Call(ast.Attribute(_subscript(a), "copy", ast.Load()), [], []),
             "save", "save", "x, index", zero_grad=True)
# The overwritten element of a list: assigning L[i] replaces the element without
# changing it, so the reference itself is the saved value.
SAVE_ITEM = defop(_subscript, "save_item", "save_item", "x, index", zero_grad=True)

# Python lists as local containers.
# Its arguments are bound as i0, i1, ... by the lowering.
MAKE_LIST = defop(lambda a: ast.List(list(a), ast.Load()), "list", "list", "")
# {"key": value, ...}: a dict of values (has_aux data, say). Its arguments are bound as
# a0, a1, a2, ... (key, value, key, ...) by the lowering. Not piecewise constant (d["k"]
# is the value itself), so a value the output depends on through the dict is refused.
MAKE_DICT = defop(lambda a: ast.Dict(list(a[0::2]), list(a[1::2])), "dict", "dict", "",
                  refuses="the result depends on a value stored in a dict, which s2s_ad "
                          "does not differentiate through; use the value's variable "
                          "directly (dicts are for has_aux data)")


def _sum_adjoint(info):
    if info.element is not None:        # sum([a, b, c]): each element gets g
        return "g"
    kind = info.kind("x")
    if kind is not None and kind.is_array:
        return "np.full_like(x, g)"
    return "spread(x, g)"


SUM = defrule(builtins.sum, "x", elements=True, x=_sum_adjoint)

# np.array, copies and constructors have their rules in numpy_shapes.py. These return a
# new array that the function owns, so it may write into it.
ARRAY = rule_for_call(np.array)
_fresh = [ARRAY, rule_for_call(np.copy), rule_for_operator(METHOD, "copy"), MAKE_LIST]
_fresh += [rule_for_call(fn) for fn in (np.zeros, np.ones, np.empty, np.full, np.zeros_like,
                                        np.ones_like, np.empty_like, np.full_like)]
FRESH = {id(rule) for rule in _fresh}
