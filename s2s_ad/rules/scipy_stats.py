"""scipy.stats: the normal distribution (pdf, logpdf, cdf, logcdf, sf, logsf),
multivariate_normal (logpdf, pdf) in x and the mean, Student's t (logpdf, pdf, cdf),
gamma and beta (logpdf, pdf), poisson (logpmf, pmf).

These are methods of distribution instances (`scipy.stats.norm.cdf`): rules are keyed
by instance and function (see rules.rule_for_call). z = (x - loc) / scale throughout;
the derivative in z gives x (1 / scale), loc (-1 / scale) and scale (-z / scale, plus
-1 / scale for a density's normalisation).
"""
import math

import numpy as np
import scipy
import scipy.stats as st

from . import TEMPLATE_MODULES, Unsupported, defrule

TEMPLATE_MODULES["scipy"] = scipy

Z = "((x - loc) / scale)"
_LOG_ROOT_TWO_PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PHI = f"(-0.5 * {Z} * {Z} - {_LOG_ROOT_TWO_PI!r})"     # log of the standard density
_SPEC = "x, loc=0.0, scale=1.0"


def _location_scale(fn, d_dz, density, scale_d=None, name=None, extra=None):
    """A rule for a location-scale method given its derivative in z (an expression)
    and whether it is a density (its log gains -log(scale)). `scale_d` overrides the
    scale derivative, `extra` adds templates for shape parameters."""
    dz = f"({d_dz})"
    if scale_d is None:
        scale_d = f"-{Z} * {dz}" + (" - 1.0" if density == "log" else "")
    times = "ans * " if density == "exp" else ""
    if density == "exp":        # pdf = exp(logpdf): the log's derivatives times ans
        scale_d = f"(-{Z} * {dz} - 1.0)"
    adjoints = dict(x=f"g * {times}{dz} / scale", loc=f"-g * {times}{dz} / scale",
                    scale=f"g * {times}({scale_d}) / scale")
    adjoints.update(extra or {})
    spec = _SPEC if not extra else "x, " + ", ".join(extra) + ", loc=0.0, scale=1.0"
    defrule(fn, spec, name=name, broadcasts=True, **adjoints)


norm = st.norm
_location_scale(norm.logpdf, f"-{Z}", "log", name="scipy.stats.norm.logpdf")
_location_scale(norm.pdf, f"-{Z}", "exp", name="scipy.stats.norm.pdf")
# cdf' = phi(z); logcdf' = phi(z) / cdf(z) = exp(log phi(z) - ans), without 0 / 0 far out
# in the tail; sf = 1 - cdf, logsf likewise.
_location_scale(norm.cdf, f"np.exp({_LOG_PHI})", None, name="scipy.stats.norm.cdf")
_location_scale(norm.logcdf, f"np.exp({_LOG_PHI} - ans)", None, name="scipy.stats.norm.logcdf")
_location_scale(norm.sf, f"-np.exp({_LOG_PHI})", None, name="scipy.stats.norm.sf")
_location_scale(norm.logsf, f"-np.exp({_LOG_PHI} - ans)", None, name="scipy.stats.norm.logsf")

# Student's t with df degrees of freedom: log pdf = gammaln((df + 1) / 2) - gammaln(df / 2)
# - log(df pi) / 2 - log(scale) - (df + 1) / 2 log(1 + z^2 / df).
_T_DZ = f"(-(df + 1.0) * {Z} / (df + {Z} * {Z}))"
_T_DDF = (f"(0.5 * scipy.special.digamma(0.5 * (df + 1.0)) - 0.5 * scipy.special.digamma(0.5 * df)"
          f" - 0.5 / df - 0.5 * np.log1p({Z} * {Z} / df)"
          f" + 0.5 * (df + 1.0) * {Z} * {Z} / (df * (df + {Z} * {Z})))")
_location_scale(st.t.logpdf, _T_DZ, "log", name="scipy.stats.t.logpdf",
                extra={"df": f"g * {_T_DDF}"})
_location_scale(st.t.pdf, _T_DZ, "exp", name="scipy.stats.t.pdf",
                extra={"df": f"g * ans * {_T_DDF}"})


def _refuse_shape(name, what):
    def template(info):
        raise Unsupported(f"the derivative of {name} in '{what}' (an incomplete "
                          "function's parameter) is not supported")
    return template


_location_scale(st.t.cdf, "np.exp(scipy.stats.t.logpdf(" + Z + ", df))", None,
                name="scipy.stats.t.cdf", extra={"df": _refuse_shape("t.cdf", "df")})

# gamma with shape a: log pdf = (a - 1) log z - z - gammaln(a) - log(scale), z > 0.
_G_DZ = f"((a - 1.0) / {Z} - 1.0)"
_G_DA = f"(np.log({Z}) - scipy.special.digamma(a))"
_location_scale(st.gamma.logpdf, _G_DZ, "log", name="scipy.stats.gamma.logpdf",
                extra={"a": f"g * {_G_DA}"})
_location_scale(st.gamma.pdf, _G_DZ, "exp", name="scipy.stats.gamma.pdf",
                extra={"a": f"g * ans * {_G_DA}"})

# beta(a, b): log pdf = (a - 1) log z + (b - 1) log(1 - z) - betaln(a, b) - log(scale).
_B_DZ = f"((a - 1.0) / {Z} - (b - 1.0) / (1.0 - {Z}))"
_B_DA = f"(np.log({Z}) - scipy.special.digamma(a) + scipy.special.digamma(a + b))"
_B_DB = f"(np.log1p(-{Z}) - scipy.special.digamma(b) + scipy.special.digamma(a + b))"
_location_scale(st.beta.logpdf, _B_DZ, "log", name="scipy.stats.beta.logpdf",
                extra={"a": f"g * {_B_DA}", "b": f"g * {_B_DB}"})
_location_scale(st.beta.pdf, _B_DZ, "exp", name="scipy.stats.beta.pdf",
                extra={"a": f"g * ans * {_B_DA}", "b": f"g * ans * {_B_DB}"})

# poisson: log pmf = k log(mu) - mu - gammaln(k + 1) for integer k; k / mu is 0 where
# k = 0 (also at mu = 0, where log pmf(0) = -mu). A shift loc= is not taken (refused
# as an unsupported keyword).
_P_DMU = "(np.where(k == 0, 0.0, k / np.where(k == 0, 1.0, mu)) - 1.0)"
defrule(st.poisson.logpmf, "k, mu", name="scipy.stats.poisson.logpmf",
        broadcasts=True, discrete=("k",), mu=f"g * {_P_DMU}")
defrule(st.poisson.pmf, "k, mu", name="scipy.stats.poisson.pmf",
        broadcasts=True, discrete=("k",), mu=f"g * ans * {_P_DMU}")


# -- multivariate normal ------------------------------------------------------------------

def _mvn(param, density):
    """log pdf = -(x - mean)^T S^-1 (x - mean) / 2 - log det(2 pi S) / 2: its gradient in
    x is -S^-1 (x - mean) and in the mean the opposite. S is the symmetric matrix of
    cov's lower triangle, which SciPy reads (scipy.linalg.eigh with lower=True)."""
    def template(info):
        cov = info.shape("cov")
        if len(cov) != 2:
            raise Unsupported("multivariate_normal is supported with a 2-D cov matrix")
        d, x = cov[0], info.shape("x")
        if x[-1:] != (d,) or d < 2:
            raise Unsupported("x must hold points of the cov's dimension along its last "
                              "axis (dimension 2 or more)")
        centred = "x" if info.get("mean", 0) is None else "(x - mean)"
        precision = "np.linalg.inv(np.tril(cov) + np.tril(cov, -1).T)"
        scale = "g" if len(x) == 1 else "np.expand_dims(g, -1)"
        if density == "exp":
            scale = f"{scale} * ans" if len(x) == 1 else f"{scale} * np.expand_dims(ans, -1)"
        sign = "-" if param == "x" else ""
        return f"{sign}{scale} * ({centred} @ {precision})"
    return template


def _mvn_shape(info):
    try:
        x = info.shape("x")
        mean = () if info.get("mean", 0) is None else info.shape("mean")
    except Unsupported:
        return None
    return tuple(np.broadcast_shapes(x, mean))


def _mvn_cov(info):
    raise Unsupported("the derivative in 'cov' of multivariate_normal is not supported; "
                      "write the log density with np.linalg.cholesky and "
                      "np.linalg.solve to differentiate in the covariance")


for _method, _density in (("logpdf", "log"), ("pdf", "exp")):
    defrule(getattr(st.multivariate_normal, _method),
            "x, mean=None, cov=1, allow_singular=False",
            name=f"scipy.stats.multivariate_normal.{_method}", broadcasts=_mvn_shape,
            x=_mvn("x", _density), mean=_mvn("mean", _density), cov=_mvn_cov)
