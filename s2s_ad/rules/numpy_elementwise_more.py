"""More elementwise functions: remainder/mod/fmod, deg2rad/rad2deg, sinc, nan_to_num,
and cross (of 3-vectors along the last axis)."""
import math

import numpy as np

from . import Unsupported, defrule, masked

# x - floor(x / y) * y and x - trunc(x / y) * y: slope 1 in x and -floor(x / y)
# (-trunc(x / y)) in y, which is (x - ans) / y for both. At the jumps (x a multiple of
# y) neither is continuous; the one-sided slope of the piece the result is on is taken.
for _fn in (np.remainder, np.mod, np.fmod):
    defrule(_fn, "x, y", broadcasts=True, x="g", y="-g * ((x - ans) / y)")

for _fn, _factor in ((np.deg2rad, math.pi / 180.0), (np.radians, math.pi / 180.0),
                     (np.rad2deg, 180.0 / math.pi), (np.degrees, 180.0 / math.pi)):
    defrule(_fn, "x", broadcasts=True, x=f"g * {_factor!r}")

# sinc(x) = sin(pi x) / (pi x): the slope (cos(pi x) - sinc(x)) / x cancels near 0, so
# there the Taylor series -pi^2 x / 3 + pi^4 x^3 / 30 is used (exact to rounding for
# |x| < 1e-3, where the next term is below 1e-16 relative), and sinc'(0) = 0.
_SINC_SMALL = (f"x * ({-math.pi ** 2 / 3.0!r} + {math.pi ** 4 / 30.0!r} * x * x)")
defrule(np.sinc, "x", broadcasts=True,
        x=f"g * np.where(np.abs(x) < 1e-3, {_SINC_SMALL}, "
          "(np.cos(np.pi * x) - ans) / np.where(np.abs(x) < 1e-3, 1.0, x))")


def _nan_to_num(param, test):
    """nan_to_num passes finite values through (slope 1) and replaces nan/inf by
    constants (slope 0 in x; the replacement value's adjoint is g there)."""
    def template(info):
        if param != "x" and info.get(param, 0.0) is None:
            return None
        return masked(test, "g", info)
    return template


def _copies(stmt):
    """copy=False writes the result into x itself: refused wherever it is written, as
    s2s_ad never changes an array in place behind the reverse sweep."""
    keywords = dict(stmt.call_keywords)
    value = keywords.get("copy", stmt.call_args[1] if len(stmt.call_args) > 1 else None)
    if value is not None and getattr(value, "value", None) is not True:
        raise Unsupported("copy=False changes x in place; leave copy at its default (True)")


defrule(np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None", broadcasts=True,
        checks=_copies,
        x=_nan_to_num("x", "np.isfinite(x)"), nan=_nan_to_num("nan", "np.isnan(x)"),
        posinf=_nan_to_num("posinf", "np.isposinf(x)"),
        neginf=_nan_to_num("neginf", "np.isneginf(x)"))


def _cross(which):
    """<g, a x b> = <a, b x g> = <b, g x a> for 3-vectors along the last axis."""
    def template(info):
        if info.shape("a")[-1:] != (3,) or info.shape("b")[-1:] != (3,):
            raise Unsupported("np.cross is supported for 3-vectors along the last axis")
        return "np.cross(b, g)" if which == "a" else "np.cross(g, a)"
    return template


defrule(np.cross, "a, b", broadcasts=True, a=_cross("a"), b=_cross("b"))
