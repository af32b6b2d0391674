"""check_grad along random directions, the Taylor remainder test, full_check."""
import numpy as np
import pytest

from s2s_ad import check_grad, taylor_test
from s2s_ad.check import COORDINATEWISE_LIMIT, full_check


def softplus_quadratic(w, A):
    return np.sum(np.log1p(np.exp(A @ w))) + 0.5 * np.sum(w * w)


def softplus_quadratic_wrong(w, A):
    # Drops the regulariser's gradient w: right in form, wrong in value.
    return A.T @ (1.0 / (1.0 + np.exp(-(A @ w))))


def mixed(a, x):
    return a * np.sum(np.sin(x)) + np.exp(0.3 * a)


def linear(x):
    return 3.0 * np.sum(x) + 1.0


@pytest.fixture
def point(rng):
    return rng.standard_normal(8), rng.standard_normal((6, 8))


@pytest.mark.parametrize("f, args, argnums", [
    (softplus_quadratic, "point", 0),
    (mixed, "mixed", (0, 1)),
    (mixed, "mixed", 0),
])
def test_taylor_rate_is_two_for_right_gradients(f, args, argnums, point, rng):
    args = point if args == "point" else (0.7, rng.standard_normal(5))
    result = taylor_test(f, *args, argnums=argnums)
    assert result.passed and bool(result)
    assert all(abs(r - 2.0) < 0.1 for r in result.rates if r is not None)
    assert "| h | remainder | rate |" in result.table() and "second order" in str(result)


def test_taylor_rate_is_one_for_a_wrong_gradient(point):
    result = taylor_test(softplus_quadratic, *point, gradient=softplus_quadratic_wrong)
    assert not result.passed
    assert all(abs(r - 1.0) < 0.1 for r in result.rates if r is not None)
    assert "the gradient is wrong" in str(result)


def test_taylor_remainder_of_a_linear_function_is_rounding(rng):
    result = taylor_test(linear, rng.standard_normal(4))
    assert result.min_rate is None and result.passed
    assert "rounding" in str(result)


def test_directions_find_a_wrong_gradient(point):
    check = check_grad(softplus_quadratic, *point, gradient=softplus_quadratic_wrong)
    assert not check and check.directional_error > 1e-3
    assert check.coordinate_error > 1e-3
    right = check_grad(softplus_quadratic, *point)
    assert right and right.directional_error < 1e-9 and right.max_rel_error < 1e-8


def test_large_d_costs_a_few_evaluations_per_direction(rng):
    d = 10 * COORDINATEWISE_LIMIT
    x = rng.standard_normal(d)
    calls = []

    def counted(x):
        calls.append(1)
        return np.sum(np.cos(x)) + np.sum(x) ** 2

    g = -np.sin(x) + 2.0 * np.sum(x)
    check = check_grad(counted, x, directions=3, gradient=lambda x: g)
    assert check.fd is None and len(check.directional) == 3
    assert len(calls) == 3 * 4      # Richardson: 4 evaluations per direction, not 2d
    assert check and check.max_rel_error == check.directional_error < 1e-9
    wrong = check_grad(counted, x, gradient=lambda x: g + 1e-3 * np.sign(g))
    assert not wrong


def test_check_grad_keeps_its_coordinatewise_result(rng):
    a, x = 0.7, rng.standard_normal(5)
    check = check_grad(mixed, a, x, argnums=(0, 1))
    ad, fd = check.ad, check.fd
    assert isinstance(fd[0], float) and fd[1].shape == x.shape
    assert np.allclose(ad[1], fd[1], rtol=1e-7) and abs(ad[0] - fd[0]) < 1e-7 * abs(fd[0])
    assert check.max_rel_error == max(check.coordinate_error, check.directional_error)
    assert "coordinate-wise" in str(check) and "random directions" in str(check)


def test_full_check_gives_a_verdict(point):
    report = full_check(softplus_quadratic, *point)
    assert report.passed
    text = str(report)
    for part in ("Random directions", "Taylor remainder test", "Dot-product test",
                 "passed: <jvp(v), u>", "Verdict: the gradient is right"):
        assert part in text
    wrong = full_check(softplus_quadratic, *point, gradient=softplus_quadratic_wrong)
    assert not wrong.passed and "the gradient is WRONG" in str(wrong)
    assert str(wrong).count("FAIL") == 2        # directions and Taylor both catch it


def test_the_dot_product_test_compares_forward_with_reverse_mode(point, monkeypatch):
    import s2s_ad.toolkit as toolkit
    from s2s_ad.check import dot_product_test
    passed = dot_product_test(softplus_quadratic, *point)
    assert passed.status == "passed" and passed.error < 1e-12
    real = toolkit.jvp

    def off_by_a_little(f, primals, tangents):
        value, tangent = real(f, primals, tangents)
        return value, tangent * (1 + 1e-6)
    monkeypatch.setattr(toolkit, "jvp", off_by_a_little)
    failed = dot_product_test(softplus_quadratic, *point)
    assert failed.status == "failed" and not failed
