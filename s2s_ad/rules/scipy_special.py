"""scipy.special: error functions, the logistic family, gamma and beta functions, the
normal distribution's ndtr family, modified Bessel functions i0/i1 (and the scaled
i0e/i1e), xlogy/xlog1py, and the reductions logsumexp, softmax, log_softmax.

Templates name SciPy as `scipy` (registered as a template module below), e.g.
`g * scipy.special.digamma(x)`: every function a template calls has a rule of its own.
"""
import math

import scipy
import scipy.special as sc

from . import TEMPLATE_MODULES, Unsupported, defrule
from .numpy_reductions import reduced_axes, spread

TEMPLATE_MODULES["scipy"] = scipy

_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)
_ROOT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_ROOT_TWO_PI = math.sqrt(2.0 * math.pi)

_UNARY = [
    (sc.erf, f"g * {_TWO_OVER_ROOT_PI!r} * np.exp(-x * x)"),
    (sc.erfc, f"-g * {_TWO_OVER_ROOT_PI!r} * np.exp(-x * x)"),
    (sc.erfinv, f"g * {_ROOT_PI_OVER_TWO!r} * np.exp(ans * ans)"),
    (sc.erfcinv, f"-g * {_ROOT_PI_OVER_TWO!r} * np.exp(ans * ans)"),
    (sc.expit, "g * ans * (1.0 - ans)"),
    (sc.logit, "g / (x * (1.0 - x))"),
    (sc.log_expit, "g * scipy.special.expit(-x)"),          # 1 - expit(x), no cancellation
    # gammaln = log|gamma(x)|, whose derivative is digamma also where gamma(x) < 0
    (sc.gammaln, "g * scipy.special.digamma(x)"),
    (sc.gamma, "g * ans * scipy.special.digamma(x)"),
    (sc.digamma, "g * scipy.special.polygamma(1, x)"),
    (sc.psi, "g * scipy.special.polygamma(1, x)"),
    (sc.ndtr, f"g * np.exp(-0.5 * x * x) / {_ROOT_TWO_PI!r}"),
    # the density over the cdf, as exp of a difference of logs: no underflow to 0 / 0
    (sc.log_ndtr, f"g * np.exp(-0.5 * x * x - ans) / {_ROOT_TWO_PI!r}"),
    (sc.ndtri, f"g * {_ROOT_TWO_PI!r} * np.exp(0.5 * ans * ans)"),
    (sc.i0, "g * scipy.special.i1(x)"),
    (sc.i0e, "g * (scipy.special.i1e(x) - np.sign(x) * ans)"),
]
for _fn, _template in _UNARY:
    defrule(_fn, "x", name=f"scipy.special.{_fn.__name__}", broadcasts=True, x=_template)

# i1'(x) = i0(x) - i1(x) / x, which is 1/2 at 0 (i1(x) / x -> 1/2): the quotient is
# taken where x != 0 only.
_I1_OVER_X = "np.where(x == 0.0, 0.5, ans / np.where(x == 0.0, 1.0, x))"
defrule(sc.i1, "x", name="scipy.special.i1", broadcasts=True, x=f"g * (scipy.special.i0(x) - {_I1_OVER_X})")
# i1e = exp(-|x|) i1: i1e' = i0e - i1e / x - sign(x) i1e.
defrule(sc.i1e, "x", name="scipy.special.i1e", broadcasts=True,
        x=f"g * (scipy.special.i0e(x) - {_I1_OVER_X} - np.sign(x) * ans)")
defrule(sc.polygamma, "n, x", name="scipy.special.polygamma", broadcasts=True, discrete=("n",),
        x="g * scipy.special.polygamma(n + 1, x)")

# beta(a, b) = gamma(a) gamma(b) / gamma(a + b)
_DLOG_BETA_A = "(scipy.special.digamma(a) - scipy.special.digamma(a + b))"
_DLOG_BETA_B = "(scipy.special.digamma(b) - scipy.special.digamma(a + b))"
defrule(sc.beta, "a, b", name="scipy.special.beta", broadcasts=True, a=f"g * ans * {_DLOG_BETA_A}",
        b=f"g * ans * {_DLOG_BETA_B}")
defrule(sc.betaln, "a, b", name="scipy.special.betaln", broadcasts=True, a=f"g * {_DLOG_BETA_A}", b=f"g * {_DLOG_BETA_B}")


def _x_over(denominator):
    """x / denominator, 0 where x is 0: xlogy(0, y) is 0 for every y, so its slope in
    y is 0 there (also at y = 0, where x / y would be 0 / 0)."""
    return f"np.where(x == 0.0, 0.0, x / np.where(x == 0.0, 1.0, {denominator}))"


# The slope in x is log(y) (log1p(y)): -inf at y = 0 (y = -1), where it is infinite.
defrule(sc.xlogy, "x, y", name="scipy.special.xlogy", broadcasts=True, x="g * scipy.special.xlogy(1.0, y)",
        y=f"g * {_x_over('y')}")
defrule(sc.xlog1py, "x, y", name="scipy.special.xlog1py", broadcasts=True, x="g * scipy.special.xlog1py(1.0, y)",
        y=f"g * {_x_over('1.0 + y')}")


# -- reductions ------------------------------------------------------------------------

def _literal_axis(info):
    axis = info.get("axis", "?")
    if axis == "?":
        raise Unsupported("'axis' must be a literal (an int, a tuple of ints or None)")
    return axis


def _logsumexp(param):
    """ans = log(sum(b * exp(a))): a_bar = g b exp(a - ans), b_bar = g exp(a - ans)
    (the weights of the sum), both of the broadcast shape of a and b."""
    def template(info):
        _literal_axis(info)
        weights = f"np.exp(a - {spread(info, 'ans')})"
        if param == "b":
            return f"{spread(info, 'g')} * {weights}"
        scale = "" if info.get("b", 0) is None else " * b"
        return f"{spread(info, 'g')} * {weights}{scale}"
    return template


def _logsumexp_shape(info):
    try:
        a = info.shape("a")
        b = () if info.get("b", 0) is None else info.shape("b")
    except Unsupported:
        return None
    import numpy as np
    return tuple(np.broadcast_shapes(a, b))


defrule(sc.logsumexp, "a, axis=None, b=None, keepdims=False", name="scipy.special.logsumexp",
        broadcasts=_logsumexp_shape,
        a=_logsumexp("a"), b=_logsumexp("b"))


def _softmax_axes(info):
    axis = _literal_axis(info)
    return tuple(range(len(info.shape("x")))) if axis is None else reduced_axes(info, "x")


defrule(sc.softmax, "x, axis=None", name="scipy.special.softmax",
        x=lambda info: f"ans * (g - np.sum(g * ans, axis={_softmax_axes(info)!r}, "
                       "keepdims=True))")
defrule(sc.log_softmax, "x, axis=None", name="scipy.special.log_softmax",
        x=lambda info: f"g - np.exp(ans) * np.sum(g, axis={_softmax_axes(info)!r}, "
                       "keepdims=True)")
