"""Rules for the math module and the numeric builtins (Python numbers only)."""
import builtins
import math

from . import defrule, masked
from .powers import power_x, power_y

defrule(math.sin, "x", x="g * math.cos(x)")
defrule(math.cos, "x", x="-g * math.sin(x)")
defrule(math.tan, "x", x="g * (1.0 + ans * ans)")
defrule(math.asin, "x", x="g / math.sqrt(1.0 - x * x)")
defrule(math.acos, "x", x="-g / math.sqrt(1.0 - x * x)")
defrule(math.atan, "x", x="g / (1.0 + x * x)")
defrule(math.atan2, "y, x", y="g * x / (x * x + y * y)", x="-g * y / (x * x + y * y)")
defrule(math.sinh, "x", x="g * math.cosh(x)")
defrule(math.cosh, "x", x="g * math.sinh(x)")
defrule(math.tanh, "x", x="g * (1.0 - ans * ans)")
defrule(math.exp, "x", x="g * ans")
defrule(math.expm1, "x", x="g * (ans + 1.0)")
defrule(math.log1p, "x", x="g / (1.0 + x)")
defrule(math.log2, "x", x="g / (x * math.log(2.0))")
defrule(math.log10, "x", x="g / (x * math.log(10.0))")
defrule(math.sqrt, "x", x="g / (2.0 * ans)")
defrule(math.hypot, "x, y", x="g * x / ans", y="g * y / ans")
defrule(math.pow, "x, y", x=power_x, y=power_y)


def _sign_of_x(info):
    """abs'(x) = sign(x), with abs'(0) = 0: an element of the Clarke gradient [-1, 1]."""
    if info.lib == "math":
        return f"{masked('x > 0', 'g', info)} - {masked('x < 0', 'g', info)}"
    return "g * np.sign(x)"


defrule(math.fabs, "x", x=_sign_of_x)


def _log_x(info):
    if info.has_static("base") and info.static("base") == math.e:
        return "g / x"
    return "g / (x * math.log(base))"


defrule(math.log, f"x, base={math.e!r}", x=_log_x, base="-g * ans / (base * math.log(base))")

defrule(builtins.float, "x", x="g")
defrule(builtins.pow, "x, y", x=power_x, y=power_y)
defrule(builtins.abs, "x", x=_sign_of_x)
