"""The one implementation of each finite-difference method (s2s_ad.bench.finite_diff),
which benchmark, the suite and check_grad share."""
import math

import numpy as np
import pytest

from s2s_ad.bench import finite_diff as fd
from s2s_ad.check import central_difference


def wavy(x, a):
    return np.sum(np.sin(a * x)) * a


def wavy_grad(x, a):
    return a * a * np.cos(a * x), np.sum(np.sin(a * x)) + a * np.sum(x * np.cos(a * x))


@pytest.fixture
def point(rng):
    return rng.uniform(-2, 2, 7), 1.7


def test_each_method_is_as_accurate_as_its_order(point):
    coords = fd.coordinates(point, (0, 1))
    exact = fd.flatten(wavy_grad(*point), (0, 1))
    errors = {m: fd.relative_error(fd.fd_gradient(wavy, point, coords, m), exact)
              for m in fd.METHODS}
    assert errors["forward"] < 1e-6
    assert errors["central"] < 1e-9
    assert errors["richardson"] < 1e-11
    assert errors["complex"] < 1e-14
    assert errors["richardson"] < errors["central"] < errors["forward"]


def test_subsets_of_coordinates_and_the_error_over_them(point):
    coords = fd.coordinates(point, (0, 1))
    exact = fd.flatten(wavy_grad(*point), (0, 1))
    picks = fd.spread(len(coords), 3)
    assert list(picks) == [0, 4, 7]
    values = fd.fd_gradient(wavy, point, [coords[i] for i in picks], "central")
    assert fd.relative_error(values, exact, picks) < 1e-9
    assert fd.spread(8, 8) is None


def test_arguments_untouched_and_float32_copied_wide(rng):
    x = rng.standard_normal(5).astype(np.float32)
    before = x.copy()
    g = fd.fd_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 2)), (x,),
                       fd.coordinates((x,), 0), "central")
    assert np.array_equal(x, before) and x.dtype == np.float32
    # A float32 copy would round the step 6e-6 * |x| badly; float64 keeps it.
    assert np.allclose(g, 2 * x.astype(np.float64), rtol=1e-8)


def test_complex_step_refusals():
    with pytest.raises(fd.ComplexStepUnavailable, match="does not accept complex"):
        fd.fd_gradient(lambda a: math.sin(a), (1.0,), [(0, None)], "complex")
    with pytest.raises(fd.ComplexStepUnavailable, match="real value"):
        fd.fd_gradient(lambda x: np.sum(np.abs(x)), (np.ones(3),), [(0, 0)], "complex")

    def stores_into_a_real_array(x):
        out = np.zeros(2)
        out[0] = x[0]
        return np.sum(out)
    with pytest.raises(fd.ComplexStepUnavailable, match="ComplexWarning"):
        fd.fd_gradient(stores_into_a_real_array, (np.ones(2),), [(0, 0)], "complex")


def test_central_difference_keeps_its_shapes(point):
    x, a = point
    gx = central_difference(wavy, point, 0)
    ga = central_difference(wavy, point, 1)
    assert gx.shape == x.shape and isinstance(ga, float)
    exact = wavy_grad(x, a)
    assert np.allclose(gx, exact[0], rtol=1e-8) and math.isclose(ga, exact[1], rel_tol=1e-8)


def test_flatten_unflatten_round_trip(point):
    grad = wavy_grad(*point)
    back = fd.unflatten(fd.flatten(grad, (0, 1)), point, (0, 1))
    assert np.array_equal(back[0], grad[0]) and back[1] == grad[1]


def test_correct_digits():
    assert fd.correct_digits(1e-8) == pytest.approx(8.0)
    assert fd.correct_digits(0.0) == 16.0 and fd.correct_digits(1e-30) == 16.0
    assert fd.correct_digits(10.0) == 0.0 and fd.correct_digits(None) is None


def test_step_sweep_marks_failed_steps(rng):
    def log_sum(x):
        return np.sum(np.log(x))
    x = np.array([0.05, 2.0])       # h = 0.1 steps below zero: log fails there
    with np.errstate(invalid="ignore"):
        curves = fd.step_sweep(log_sum, (x,), fd.coordinates((x,), 0), 1.0 / x, [0.1, 1e-5])
    assert curves["central"][0] is None and curves["central"][1] < 1e-6
    assert fd.best_step([0.1, 1e-5], curves["central"]) == {"h": 1e-5, "error": curves["central"][1]}
