"""The adjoints of x ** y, shared by `**`, pow, math.pow, np.power and np.float_power.

The textbook templates y * x ** (y - 1) and x ** y * log(x) are undefined at x = 0 in
cases where x ** y is differentiable there, so each is written to give the limit:

    d/dx:  y == 0 -> 0 (x ** 0 is constant; 0.0 ** -1 would raise or be inf),
           y == 1 -> g, y an integer >= 1 -> x ** (y - 1) is finite at 0.
    d/dy:  x == 0 -> 0 (0 ** y is 0 for y > 0; log(0) would be -inf or raise).

A static exponent or base (a literal or a module constant) is resolved at compile
time; otherwise the guard is in the generated code.
"""
import numbers

from . import zero


def _number(info, param):
    """The static real value of `param`, or None."""
    value = info.get(param)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    return None


def power_x(info):
    c = _number(info, "y")
    if c is not None:
        if c == 0:
            return zero(info)
        if c == 1:
            return "g"
        exponent = int(c) - 1 if isinstance(c, numbers.Integral) else float(c) - 1.0
        return f"g * y * x ** {exponent!r}"
    if info.lib == "math":
        return "g * y * x ** (y - 1) if y != 0 else 0.0"
    # With y == 0 the exponent becomes 1, so 0 * x ** 1 = 0 instead of 0 * inf.
    return "g * y * x ** np.where(y == 0, 1.0, y - 1)"


def power_y(info):
    b = _number(info, "x")
    if b is not None:
        return zero(info) if b == 0 else f"g * ans * {info.lib}.log(x)"
    if info.lib == "math":
        return "g * ans * math.log(x) if x != 0 else 0.0"
    # log(1) = 0 where x == 0: there ans = 0 ** y is 0 (y > 0), and the limit is 0.
    return "g * ans * np.log(np.where(x == 0, 1.0, x))"
