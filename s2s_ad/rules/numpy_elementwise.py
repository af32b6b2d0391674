"""Elementwise NumPy functions (ufuncs) and `where`/`clip`.

All are registered with `broadcasts=True`: each contribution has the result's shape
and the reverse transform sums it back to its argument's shape at compile time.
"""
import numpy as np

from . import Unsupported, defrule, masked, zero
from .powers import power_x, power_y

# One argument: (function, adjoint of x).
_UNARY = [
    (np.sin, "g * np.cos(x)"),
    (np.cos, "-g * np.sin(x)"),
    (np.tan, "g * (1.0 + ans * ans)"),
    (np.arcsin, "g / np.sqrt(1.0 - x * x)"),
    (np.arccos, "-g / np.sqrt(1.0 - x * x)"),
    (np.arctan, "g / (1.0 + x * x)"),
    (np.sinh, "g * np.cosh(x)"),
    (np.cosh, "g * np.sinh(x)"),
    (np.tanh, "g * (1.0 - ans * ans)"),
    (np.arcsinh, "g / np.sqrt(x * x + 1.0)"),
    (np.arccosh, "g / np.sqrt(x * x - 1.0)"),
    (np.arctanh, "g / (1.0 - x * x)"),
    (np.exp, "g * ans"),
    (np.exp2, "g * ans * 0.6931471805599453"),           # ln 2
    (np.expm1, "g * (ans + 1.0)"),
    (np.log, "g / x"),
    (np.log2, "g / (x * 0.6931471805599453)"),
    (np.log10, "g / (x * 2.302585092994046)"),            # ln 10
    (np.log1p, "g / (1.0 + x)"),
    (np.sqrt, "g / (2.0 * ans)"),
    (np.cbrt, "g / (3.0 * ans * ans)"),
    (np.square, "g * 2.0 * x"),
    (np.reciprocal, "-g * ans * ans"),
    (np.negative, "-g"),
    (np.positive, "g"),
    # abs'(0) = 0, an element of the Clarke gradient [-1, 1] (docs/nonsmooth.md).
    (np.abs, "g * np.sign(x)"),
    (np.fabs, "g * np.sign(x)"),
]
for fn, template in _UNARY:
    defrule(fn, "x", broadcasts=True, x=template)


def max_adjoint(mine, other, strict):
    """maximum/minimum: the gradient goes to the larger (smaller) argument. At a tie
    it is split evenly when both are differentiated; against a constant the tie goes
    to the constant, so relu = maximum(x, 0) has relu'(0) = 0 (Clarke: [0, 1])."""
    def template(info):
        if info.is_active(other):
            return f"g * (({mine} {strict} {other}) + 0.5 * ({mine} == {other}))"
        return masked(f"{mine} {strict} {other}", "g", info)
    return template


for fn, strict in ((np.maximum, ">"), (np.fmax, ">"), (np.minimum, "<"), (np.fmin, "<")):
    defrule(fn, "x, y", broadcasts=True,
            x=max_adjoint("x", "y", strict), y=max_adjoint("y", "x", strict))

defrule(np.add, "x, y", broadcasts=True, x="g", y="g")
defrule(np.subtract, "x, y", broadcasts=True, x="g", y="-g")
defrule(np.multiply, "x, y", broadcasts=True, x="g * y", y="g * x")
defrule(np.divide, "x, y", broadcasts=True, x="g / y", y="-g * ans / y")
defrule(np.true_divide, "x, y", broadcasts=True, x="g / y", y="-g * ans / y")
for fn in (np.power, np.float_power):
    defrule(fn, "x, y", broadcasts=True, x=power_x, y=power_y)
defrule(np.arctan2, "y, x", broadcasts=True,
        y="g * x / (x * x + y * y)", x="-g * y / (x * x + y * y)")
defrule(np.hypot, "x, y", broadcasts=True, x="g * x / ans", y="g * y / ans")
defrule(np.logaddexp, "x, y", broadcasts=True,
        x="g * np.exp(x - ans)", y="g * np.exp(y - ans)")
defrule(np.logaddexp2, "x, y", broadcasts=True,
        x="g * np.exp2(x - ans)", y="g * np.exp2(y - ans)")

# where(c, x, y): the reverse transform masks each branch's adjoint with its condition
# (see reverse.Masked), so the templates are just g.
def _float_condition(info):
    raise Unsupported("the condition of np.where is a number here, not a boolean; write "
                      "the comparison you mean, e.g. np.where(c != 0, x, y)")


defrule(np.where, "condition, x, y", broadcasts=True, selects=("condition", {"x": True, "y": False}),
        condition=_float_condition, x="g", y="g")


def _clip_a(info):
    """clip passes g where lo < a < hi; at a bound the gradient goes to the bound (0 to
    a), like relu'(0) = 0: an element of the Clarke gradient [0, 1]."""
    inside = []
    if info.get("a_min", 0) is not None:
        inside.append("(a > a_min)")
    if info.get("a_max", 0) is not None:
        inside.append("(a < a_max)")
    return masked(" & ".join(inside), "g", info) if inside else "g"


defrule(np.clip, "a, a_min, a_max", broadcasts=True, a=_clip_a,
        a_min=lambda info: masked("a <= a_min", "g", info),
        a_max=lambda info: masked("a >= a_max", "g", info))

# heaviside(x1, x2) is 0 for x1 < 0, x2 where x1 == 0 and 1 for x1 > 0: piecewise
# constant in x1, but equal to x2 (derivative 1) at the points where x1 is 0.
defrule(np.heaviside, "x1, x2", broadcasts=True,
        x1=zero, x2=lambda info: masked("x1 == 0", "g", info))

# Piecewise constant functions: their derivative is 0 wherever it exists.
for fn in (np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
           np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
           np.isnan, np.isinf, np.isfinite, np.logical_and, np.logical_or, np.logical_not,
           np.logical_xor, np.argmax, np.argmin, np.argsort, np.signbit):
    defrule(fn, "*args, **kwargs", zero_grad=True)
