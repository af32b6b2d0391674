"""The model examples (examples/models.py) run as written: a Gaussian-process
likelihood (cholesky, solve, slogdet), Black-Scholes greeks (scipy.stats.norm.cdf) and
a Gaussian mixture (scipy.special.logsumexp). Each gradient is compared with central
finite differences, with autograd's on the same source, and for Black-Scholes with the
closed-form greeks."""
import importlib.util
import pathlib

import numpy as np
import pytest

from s2s_ad import grad, jvp, value_and_grad

pytest.importorskip("scipy")        # the examples use scipy.stats and scipy.special
from .numpy_checks import assert_grad

_PATH = pathlib.Path(__file__).resolve().parent.parent / "examples" / "models.py"
_spec = importlib.util.spec_from_file_location("s2s_ad_example_models", _PATH)
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)


def _args(make):
    return make(np.random.default_rng(3))


@pytest.mark.parametrize("name, f, make, argnums", models.CASES,
                         ids=[c[0] for c in models.CASES])
def test_gradient_against_finite_differences(name, f, make, argnums):
    assert_grad(f, *_args(make), argnums=argnums, tol=1e-6)


@pytest.mark.parametrize("name, f, make, argnums", models.CASES,
                         ids=[c[0] for c in models.CASES])
def test_gradient_against_autograd(name, f, make, argnums):
    pytest.importorskip("autograd")
    args = _args(make)
    value, ours = value_and_grad(f, argnums=argnums)(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    theirs = models.autograd_gradient(f, args, argnums)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_black_scholes_greeks_are_the_closed_forms():
    args = models.black_scholes_data()
    greeks = grad(models.black_scholes_calls, argnums=(0, 1, 2, 3))(*args)
    np.testing.assert_allclose(greeks, models.black_scholes_greeks(*args), rtol=1e-12)


def test_gp_likelihood_forward_mode_agrees():
    # jvp through cholesky/solve/slogdet along the three hyperparameters at once
    args = _args(models.gp_data)
    tangent = (0.3, -0.2, 0.5, np.zeros_like(args[3]), np.zeros_like(args[4]))
    _, along = jvp(models.gp_neg_log_likelihood, args, tangent)
    g = grad(models.gp_neg_log_likelihood, argnums=(0, 1, 2))(*args)
    assert along == pytest.approx(0.3 * g[0] - 0.2 * g[1] + 0.5 * g[2], rel=1e-10)


def test_benchmark_rows_run_against_autograd_with_scipy_rebound():
    # the suite's "GP likelihood" and "mixture" rows: the peers get the same source,
    # with np, logsumexp and norm rebound to autograd's own
    pytest.importorskip("autograd")
    from benchmarks.suite import build_cases
    from s2s_ad.bench import peers
    cases = build_cases(quick=True, only=["gp", "mixture"])
    assert [c.family for c in cases] == ["gp", "mixture"]
    for case in cases:
        args = case.args()
        fn, fn_args, to_numpy = peers.make_grad("autograd", case.f, args, case.argnums)
        theirs = to_numpy(fn(*fn_args))
        ours = grad(case.f, argnums=case.argnums)(*args)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
