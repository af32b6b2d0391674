"""jvp(grad(f)) runs the last call's HVP code directly when nothing it was built from
changed (s2s_ad/hvp_last.py); whatever did change sends the call the full way, which
recompiles. Each test takes a product twice (the second through the short path), then
changes something and checks the product against the exact Hessian of the new f."""
import numpy as np
import pytest

import s2s_ad
from s2s_ad import hvp_last

rng = np.random.default_rng(5)
A = rng.standard_normal((4, 4))
SCALE = 2.0


def quadratic(x):
    return x @ A @ x


def cubic_helper(x):
    return np.sum(x ** 3)


def uses_helper(x):
    return cubic_helper(x) * SCALE


def test_the_second_call_takes_the_short_path_and_agrees():
    g = s2s_ad.grad(quadratic)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    first = s2s_ad.jvp(g, (x,), (v,))
    assert hvp_last.last_product(g, (x,)) is not None
    second = s2s_ad.jvp(g, (x,), (v,))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(second[1], (A + A.T) @ v, rtol=1e-12)
    np.testing.assert_allclose(second[0], (A + A.T) @ x, rtol=1e-12)


def test_a_rebound_global_array_is_seen():
    global A
    old = A
    g = s2s_ad.grad(quadratic)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    s2s_ad.jvp(g, (x,), (v,))
    s2s_ad.jvp(g, (x,), (v,))
    try:
        A = rng.standard_normal((4, 4))
        assert hvp_last.last_product(g, (x,)) is None
        np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1], (A + A.T) @ v,
                                   rtol=1e-12)
    finally:
        A = old


def test_a_rebound_helper_and_number_are_seen():
    global cubic_helper, SCALE
    old_helper, old_scale = cubic_helper, SCALE
    g = s2s_ad.grad(uses_helper)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    for _ in range(2):
        np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1], 12.0 * x * v,
                                   rtol=1e-12)
    try:
        def cubic_helper(x):                # noqa: F811 (rebinding is the point)
            return np.sum(x ** 4)
        np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1], 24.0 * x ** 2 * v,
                                   rtol=1e-12)
        SCALE = 3.0
        np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1], 36.0 * x ** 2 * v,
                                   rtol=1e-12)
    finally:
        cubic_helper, SCALE = old_helper, old_scale


def test_a_replaced_code_object_and_new_shapes_are_seen():
    def f(x):
        return np.sum(np.sin(x))

    def other(x):
        return np.sum(np.cos(x))
    g = s2s_ad.grad(f)
    x, v = rng.standard_normal(5), rng.standard_normal(5)
    for _ in range(2):
        np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1], -np.sin(x) * v,
                                   rtol=1e-12)
    y, w = rng.standard_normal(7), rng.standard_normal(7)
    np.testing.assert_allclose(s2s_ad.jvp(g, (y,), (w,))[1], -np.sin(y) * w, rtol=1e-12)
    f.__code__ = other.__code__
    np.testing.assert_allclose(s2s_ad.jvp(g, (y,), (w,))[1], -np.cos(y) * w, rtol=1e-12)


def test_the_callers_arrays_are_left_alone():
    def net(W, b):
        return np.sum(1.0 / (1.0 + np.exp(-(W @ b))) ** 2)
    g = s2s_ad.grad(net, argnums=(0, 1))
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(4)
    dW, db = rng.standard_normal((3, 4)), rng.standard_normal(4)
    kept = [a.copy() for a in (W, b, dW, db)]
    results = [s2s_ad.jvp(g, (W, b), (dW, db)) for _ in range(3)]
    for a, k in zip((W, b, dW, db), kept):
        np.testing.assert_array_equal(a, k)
    eps = 1e-6                                  # central differences of the gradient
    plus = g(W + eps * dW, b + eps * db)
    minus = g(W - eps * dW, b - eps * db)
    for i in range(2):
        np.testing.assert_allclose(results[-1][1][i], (plus[i] - minus[i]) / (2 * eps),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(results[-1][1][i], results[0][1][i])


@pytest.mark.parametrize("dtype", [np.float32])
def test_other_float_tangents_take_the_same_code(dtype):
    g = s2s_ad.grad(quadratic)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    s2s_ad.jvp(g, (x,), (v,))
    np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v.astype(dtype),))[1],
                               (A + A.T) @ v.astype(dtype).astype(float), rtol=1e-12)



def elementwise(x):
    return np.sum(np.sin(x) * x)


def test_two_signatures_in_turn_both_take_the_short_path():
    g = s2s_ad.grad(elementwise)
    points = [(rng.standard_normal(4), rng.standard_normal(4)),
              (rng.standard_normal((3, 5)), rng.standard_normal((3, 5)))]
    for x, v in points:
        s2s_ad.jvp(g, (x,), (v,))
    for _ in range(2):
        for x, v in points:
            assert hvp_last.last_product(g, (x,)) is not None
            np.testing.assert_allclose(s2s_ad.jvp(g, (x,), (v,))[1],
                                       (2.0 * np.cos(x) - x * np.sin(x)) * v, rtol=1e-12)
