"""SciPy rules (rules/scipy_special.py, scipy_stats.py, scipy_linalg.py) against central
finite differences, the special points where a naive formula gives 0 / 0, and the
lookup of distribution methods (bound methods, a new object at every access)."""
import math

import numpy as np
import pytest

scipy = pytest.importorskip("scipy")
import scipy.linalg as sl  # noqa: E402
import scipy.special as sc  # noqa: E402
import scipy.stats as st  # noqa: E402

from s2s_ad import TranslationError, grad, rules  # noqa: E402
from .numpy_checks import assert_grad, function_of, random  # noqa: E402

SCOPE = {"sc": sc, "st": st, "sl": sl, "scipy": scipy}


def pos(shape, seed=0):
    return random(shape, 0.3, 2.5, seed=seed)


def unit(shape, seed=0):
    return random(shape, 0.05, 0.95, seed=seed)


def spd(n):
    a = random((n, n), seed=3)
    return a @ a.T + n * np.eye(n)


CASES = [
    ("sc.erf(x)", lambda: (random((3, 4)),)), ("sc.erfc(x)", lambda: (random(()),)),
    ("sc.erfinv(x)", lambda: (random((3,), -0.9, 0.9),)),
    ("sc.erfcinv(x)", lambda: (random((3,), 0.1, 1.9),)),
    ("sc.expit(x)", lambda: (random((2, 3)),)), ("sc.logit(x)", lambda: (unit((3,)),)),
    ("sc.log_expit(x)", lambda: (random((3,)) * 10,)),
    ("sc.gammaln(x)", lambda: (pos((3,)),)), ("sc.gammaln(x - 3.0)", lambda: (unit((3,)),)),
    ("sc.gamma(x)", lambda: (pos((3,)),)), ("sc.digamma(x)", lambda: (pos((3,)),)),
    ("sc.psi(x)", lambda: (pos((3,)),)), ("sc.polygamma(2, x)", lambda: (pos((3,)),)),
    ("sc.beta(x, c)", lambda: (pos((3,)), pos((2, 1), 1))),
    ("sc.betaln(x, c)", lambda: (pos((3,)), pos((3,), 1))),
    ("sc.xlogy(x, c)", lambda: (random((3,)), pos((3,), 1))),
    ("sc.xlog1py(x, c)", lambda: (random((3,)), pos((3,), 1))),
    ("sc.ndtr(x)", lambda: (random((3,)),)), ("sc.log_ndtr(x)", lambda: (random((3,)) * 5,)),
    ("sc.ndtri(x)", lambda: (unit((3,)),)),
    ("sc.i0(x)", lambda: (random((4,)),)), ("sc.i1(x)", lambda: (random((4,)),)),
    ("sc.i0e(x)", lambda: (random((4,)),)), ("sc.i1e(x)", lambda: (random((4,)),)),
    ("sc.logsumexp(x)", lambda: (random((3, 4)),)),
    ("sc.logsumexp(x, axis=1)", lambda: (random((3, 4)),)),
    ("sc.logsumexp(x, axis=0, keepdims=True)", lambda: (random((3, 4)),)),
    ("sc.logsumexp(x, axis=(0, 2))", lambda: (random((2, 3, 4)),)),
    ("sc.logsumexp(x, axis=1, b=c)", lambda: (random((3, 4)), pos((4,), 1))),
    ("sc.logsumexp(x, b=c)", lambda: (random((3, 4)), pos((3, 4), 1))),
    ("sc.softmax(x)", lambda: (random((3, 4)),)), ("sc.softmax(x, axis=1)", lambda: (random((3, 4)),)),
    ("sc.log_softmax(x, axis=0)", lambda: (random((3, 4)),)),
    ("sc.log_softmax(x)", lambda: (random((5,)),)),
    ("st.norm.pdf(x)", lambda: (random((3,)),)),
    ("st.norm.logpdf(x, c, 1.5)", lambda: (random((3,)), random((3,), seed=1))),
    ("st.norm.cdf(x, 0.3, c)", lambda: (random((3,)), pos((3,), 1))),
    ("st.norm.logcdf(x, scale=c)", lambda: (random((3,)) * 4, pos((3,), 1))),
    ("st.norm.sf(x, loc=c)", lambda: (random((3,)), random((3,), seed=1))),
    ("st.norm.logsf(x, c, c)", lambda: (random((3,)) * 4, pos((3,), 1))),
    ("st.norm.pdf(x, c, c)", lambda: (random((3,)), pos((3,), 1))),
    ("scipy.stats.norm.logpdf(x, loc=0.2, scale=c)", lambda: (random((3,)), pos((3,), 1))),
    ("st.t.logpdf(x, c, 0.1, 1.3)", lambda: (random((3,)), pos((3,), 1))),
    ("st.t.pdf(x, c, x, c)", lambda: (random((3,)), pos((3,), 1))),
    ("st.t.cdf(x, 3.0, c, c)", lambda: (random((3,)), pos((3,), 1))),
    ("st.gamma.logpdf(x, c)", lambda: (pos((3,)), pos((3,), 1))),
    ("st.gamma.pdf(x, c, 0.1, c)", lambda: (pos((3,)), pos((3,), 1))),
    ("st.beta.logpdf(x, c, c + 1.0)", lambda: (unit((3,)), pos((3,), 1))),
    ("st.beta.pdf(x, c, 2.0)", lambda: (unit((3,)), pos((3,), 1))),
    ("st.poisson.logpmf(np.array([0, 1, 4]), x)", lambda: (pos((3,)),)),
    ("st.poisson.pmf(3, x)", lambda: (pos((3,)),)),
    ("st.multivariate_normal.logpdf(x, c, np.eye(3) * 2.0 + 0.5)",
     lambda: (random((3,)), random((3,), seed=1))),
    ("st.multivariate_normal.logpdf(x, c, np.eye(3) * 2.0 + 0.5)",
     lambda: (random((4, 3)), random((3,), seed=1))),
    ("st.multivariate_normal.pdf(x, c, np.eye(3) * 2.0 + 0.5)",
     lambda: (random((4, 3)), random((3,), seed=1))),
    ("st.multivariate_normal.logpdf(x, cov=np.eye(2) * 2.0)", lambda: (random((4, 2)),)),
    ("sl.solve_triangular(x, c)", lambda: (random((3, 3)) + 3 * np.eye(3), random((3,), seed=1))),
    ("sl.solve_triangular(x, c, lower=True)",
     lambda: (random((3, 3)) + 3 * np.eye(3), random((3, 2), seed=1))),
    ("sl.solve_triangular(x, c, trans=1, lower=True)",
     lambda: (random((3, 3)) + 3 * np.eye(3), random((3, 2), seed=1))),
    ("sl.solve_triangular(x, c, trans='T', unit_diagonal=True)",
     lambda: (random((3, 3)) + 3 * np.eye(3), random((3,), seed=1))),
    ("sl.cho_solve((x, True), c)", lambda: (np.linalg.cholesky(spd(3)), random((3,), seed=1))),
    ("sl.cho_solve((x, False), c)",
     lambda: (np.linalg.cholesky(spd(3)).T, random((3, 2), seed=1))),
    # a factor whose other triangle holds other numbers (as cho_factor leaves it): only
    # the triangle cho_solve reads is differentiated
    ("sl.cho_solve((x, True), c)", lambda: (random((3, 3)) + 3 * np.eye(3),
                                            random((3,), seed=1))),
    ("sl.cho_solve((x, False), c)", lambda: (random((3, 3)) + 3 * np.eye(3),
                                             random((3, 2), seed=1))),
    ("sl.cho_solve(sl.cho_factor(x), c)", lambda: (spd(3), random((3,), seed=1))),
    ("sl.cho_factor(x, lower=True)[0]", lambda: (spd(3),)),
    ("sl.expm(x)", lambda: (random((3, 3)),)),
]


@pytest.mark.parametrize("expr, make", CASES, ids=[c[0] for c in CASES])
def test_against_finite_differences(expr, make):
    args = make()
    params = "x, c" if len(args) == 2 else "x"
    w = random(np.shape(function_of(expr, params, SCOPE)(*args)), seed=5)
    f = function_of(f"np.sum(({expr}) * w)", params + ", w", SCOPE)
    assert_grad(f, *args, w, argnums=tuple(range(len(args))), tol=1e-5)


def test_python_numbers_and_imported_names():
    from scipy.special import gammaln
    from scipy.stats import norm

    def f(x, mu):
        return gammaln(x) + norm.logpdf(x, mu, 2.0) + sc.erf(x * mu)
    gx, gmu = assert_grad(f, 1.7, -0.4)
    assert type(gx) is float and type(gmu) is float


# -- special points ----------------------------------------------------------------------

def test_xlogy_at_zero_is_the_limit():
    def f(x, y):
        return np.sum(sc.xlogy(x, y)) + np.sum(sc.xlog1py(x, y - 1.0))
    x, y = np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.5, 0.5])
    gx, gy = grad(f, argnums=(0, 1))(x, y)
    # in y: 0 where x = 0 (xlogy(0, y) = 0 for every y); in x: log(y), -inf at y = 0
    np.testing.assert_array_equal(gy, [0.0, 0.0, 2.0 * (1.0 / 0.5 + 1.0 / 0.5)])
    assert gx[0] == -np.inf and gx[1] == 2.0 * math.log(1.5)


def test_bessel_at_zero_and_normal_tails():
    def f(x):
        return np.sum(sc.i1(x) + sc.i1e(x) + sc.i0e(x))
    np.testing.assert_allclose(grad(f)(np.zeros(2)), [1.0, 1.0], rtol=1e-15)

    def tails(x):
        return np.sum(sc.log_ndtr(x)) + np.sum(st.norm.logcdf(x)) + np.sum(st.norm.logsf(-x))
    g = grad(tails)(np.array([-40.0, -10.0, 30.0]))
    # d log Phi(x) ~ -x far in the left tail; ~ 0 in the right tail; no 0 / 0
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[:2], [3 * 40.0, 3 * 10.0], rtol=1e-2)
    assert 0.0 <= g[2] < 1e-100


def test_poisson_at_zero_count_and_zero_rate():
    def f(mu):
        return st.poisson.logpmf(0, mu) + st.poisson.logpmf(2, mu + 1.0)
    assert grad(f)(0.0) == -1.0 + (2.0 / 1.0 - 1.0)


# -- lookup and refusals ------------------------------------------------------------------

def test_bound_methods_are_found_at_every_access():
    assert st.norm.cdf is not st.norm.cdf
    assert rules.rule_for_call(st.norm.cdf) is rules.rule_for_call(st.norm.cdf) is not None
    assert rules.rule_for_call(st.norm.cdf) is not rules.rule_for_call(st.norm.pdf)
    # the same function of another instance is not the same primitive
    assert rules.rule_for_call(st.laplace.cdf) is None


@pytest.mark.parametrize("expr, message", [
    ("sl.cho_factor(x, overwrite_a=True)[0]", "overwrite_a=True"),
    ("st.t.cdf(1.0, x)", "'df'"),
    ("st.multivariate_normal.logpdf(np.ones(3), cov=x)", "'cov'"),
    ("st.norm.ppf(0.3, x)", "no derivative rule for scipy.stats.norm.ppf"),
    ("st.poisson.logpmf(2, x, loc=1)", "'loc='"),
])
def test_refusals_are_located(expr, message):
    f = function_of(f"np.sum({expr})", "x", SCOPE)
    with pytest.raises(TranslationError, match=message) as info:
        grad(f)(spd(3))
    assert info.value.lineno == 5
