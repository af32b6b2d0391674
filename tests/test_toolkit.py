"""vjp, jacfwd, jacrev and hessian: JAX's conventions, checked against each other, against
central differences, and (the lecture's function) against the exact Hessian."""
import math

import numpy as np
import pytest

from s2s_ad import (TranslationError, custom_vjp, grad, hessian, jacfwd, jacrev, jvp,
                    stop_gradient, vjp)

from .numpy_checks import random


def lecture(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def test_lecture_hessian_is_exact():
    (h11, h12), (h21, h22) = hessian(lecture, argnums=(0, 1))(2.0, 5.0)
    assert h11 == -1 / 2.0 ** 2
    assert h12 == h21 == 1.0
    assert h22 == math.sin(5.0)
    assert hessian(lecture)(2.0, 5.0) == -0.25                  # argnums=0: one number


def layer(x, w):
    return np.tanh(w @ x) * x[0]


def loss(x):
    return np.sum(np.sin(x) * x ** 2) + np.log(np.sum(np.exp(x)))


def looped(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(x * s + x))
    return s


def jacobian_fd(f, args, n, h=1e-6):
    x = np.asarray(args[n], dtype=float)
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        plus, minus = list(args), list(args)
        plus[n], minus[n] = x + e.reshape(x.shape), x - e.reshape(x.shape)
        columns.append((np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h))
    out_shape = np.shape(f(*args))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


@pytest.mark.parametrize("f, args, n", [
    (layer, (random((3,)), random((2, 3), seed=1)), 0),
    (layer, (random((3,)), random((2, 3), seed=1)), 1),
    (lambda x: np.cumsum(x) * np.sum(x ** 2), (random((4,)),), 0),
    (loss, (random((4,)),), 0),
])
def test_jacfwd_equals_jacrev_equals_finite_differences(f, args, n):
    forward = jacfwd(f, n)(*args)
    reverse = jacrev(f, n)(*args)
    fd = jacobian_fd(f, args, n)
    assert np.shape(forward) == np.shape(reverse) == fd.shape
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward, fd, rtol=1e-6, atol=1e-8)


def test_jacobians_of_several_arguments_are_tuples():
    x, w = random((3,)), random((2, 3), seed=1)
    jx, jw = jacfwd(layer, (0, 1))(x, w)
    rx, rw = jacrev(layer, (0, 1))(x, w)
    assert jx.shape == (2, 3) and jw.shape == (2, 2, 3)
    np.testing.assert_allclose(jx, rx, rtol=1e-12)
    np.testing.assert_allclose(jw, rw, rtol=1e-12)


def test_vjp_is_the_transposed_jacobian():
    x, w = random((3,)), random((2, 3), seed=1)
    out, vjp_fn = vjp(layer, x, w)
    np.testing.assert_array_equal(out, layer(x, w))
    ct = random((2,), seed=4)
    cx, cw = vjp_fn(ct)
    np.testing.assert_allclose(cx, ct @ jacfwd(layer, 0)(x, w), rtol=1e-12)
    np.testing.assert_allclose(cw, np.tensordot(ct, jacfwd(layer, 1)(x, w), 1), rtol=1e-12)
    assert cx.shape == x.shape and cw.shape == w.shape


def test_vjp_of_a_tuple_output_and_an_integer_argument():
    def two(x, n):
        return np.sin(x) * n, np.sum(x * x)
    x = random((3,))
    (a, b), vjp_fn = vjp(two, x, 2)
    ca, cb = random((3,), seed=5), 0.7
    cx, cn = vjp_fn((ca, cb))
    assert cn is None                                          # not a float: no cotangent
    np.testing.assert_allclose(cx, ca * 2 * np.cos(x) + cb * 2 * x, rtol=1e-12)
    with pytest.raises(ValueError, match="tuple of 2"):
        vjp_fn((ca,))


def test_vjp_agrees_with_jvp():
    x, t = random((3,)), random((3,), seed=2)
    w = random((2, 3), seed=1)
    ct = random((2,), seed=3)
    _, tangent = jvp(layer, (x, w), (t, np.zeros_like(w)))
    _, vjp_fn = vjp(layer, x, w)
    assert np.dot(ct, tangent) == pytest.approx(np.dot(vjp_fn(ct)[0], t), rel=1e-12)


@pytest.mark.parametrize("f", [loss, looped])
def test_hessian_agrees_with_finite_differences_of_the_gradient(f):
    x = random((3,))
    H = hessian(f)(x)
    g = grad(f)
    h = 1e-6
    fd = np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(3)])
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


def test_hessian_of_what_neither_mode_can_take_is_a_translation_error():
    def uses_custom_rule(x):            # a custom_vjp has no tangent and no second derivative
        return np.sum(doubled_log(x))
    with pytest.raises(TranslationError, match="custom_vjp doubled_log"):
        hessian(uses_custom_rule)(random((3,), low=0.5))


def test_hessian_through_cumprod_agrees_with_differences_of_the_gradient():
    def uses_cumprod(x):
        return np.sum(np.cumprod(x) ** 2)
    x, h = random((4,)), 1e-6
    H = hessian(uses_cumprod)(x)
    g = grad(uses_cumprod)
    for i in range(4):
        e = np.zeros(4)
        e[i] = h
        np.testing.assert_allclose(H[:, i], (g(x + e) - g(x - e)) / (2 * h), rtol=1e-6,
                                   atol=1e-8)


def test_grad_of_grad_is_the_second_derivative():
    from s2s_ad import value_and_grad
    assert grad(grad(lecture))(2.0, 5.0) == -0.25
    assert grad(grad(lecture, argnums=1), argnums=1)(2.0, 5.0) == math.sin(5.0)
    assert grad(grad(lecture), argnums=(0, 1))(2.0, 5.0) == (-0.25, 1.0)

    def g(x):
        return np.sin(x) * x
    value, second = value_and_grad(grad(g))(0.7)
    assert value == pytest.approx(np.sin(0.7) + 0.7 * np.cos(0.7), rel=1e-14)
    assert second == pytest.approx(2 * np.cos(0.7) - 0.7 * np.sin(0.7), rel=1e-14)
    with pytest.raises(ValueError, match="one number"):
        grad(grad(loss))(random((3,)))


def stopped(x, y):
    return np.sum(stop_gradient(x * y) * x) + y


def test_stop_gradient_is_a_constant_in_both_modes():
    x, y = random((3,)), 0.7
    gx, gy = grad(stopped, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, x * y)                   # only the outer x
    assert gy == 1.0
    tx = random((3,), seed=1)
    _, tangent = jvp(stopped, (x, y), (tx, 0.5))
    assert tangent == pytest.approx(np.sum(x * y * tx) + 0.5, rel=1e-14)


def mixed(x, w):
    return np.sum(np.sin(w @ x)) * x[0]


def test_hessian_blocks_follow_jax_nesting_and_shapes():
    x, w = random((3,)), random((2, 3), seed=1)
    for f in (mixed, lambda x, w: mixed(x, w) + looped(x)):
        H = hessian(f, argnums=(0, 1))(x, w)
        assert H[0][0].shape == (3, 3) and H[0][1].shape == (3, 2, 3)
        assert H[1][0].shape == (2, 3, 3) and H[1][1].shape == (2, 3, 2, 3)
        np.testing.assert_allclose(H[0][1], np.moveaxis(H[1][0], (0, 1), (1, 2)), rtol=1e-10)
        g = grad(f, argnums=(0, 1))
        h = 1e-6
        e = np.zeros((2, 3))
        e[1, 2] = h
        fd = [(a - b) / (2 * h) for a, b in zip(g(x, w + e), g(x, w - e))]
        np.testing.assert_allclose(H[0][1][:, 1, 2], fd[0], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(H[1][1][:, :, 1, 2], fd[1], rtol=1e-5, atol=1e-8)
    jx = jacfwd(lambda x, w: (w @ x, np.sum(x)), (0, 1))(x, w)
    jr = jacrev(lambda x, w: (w @ x, np.sum(x)), (0, 1))(x, w)
    for a, b in zip(jx, jr):
        for p, q in zip(a, b):
            np.testing.assert_allclose(p, q, rtol=1e-12)


@custom_vjp
def doubled_log(x):
    return np.log(x)


def _doubled_log_fwd(x):
    return np.log(x), x


def _doubled_log_bwd(x, g):
    return (2.0 * g / x,)          # twice log's derivative: the rule visibly wins


doubled_log.defvjp(_doubled_log_fwd, _doubled_log_bwd)


def uses_custom(x, y):
    return np.sum(doubled_log(x * y) * y)


def test_custom_vjp_replaces_the_derivative_in_reverse_mode():
    x, y = np.array([1.0, 2.0, 3.0]), 0.5
    assert uses_custom(x, y) == np.sum(np.log(x * y) * y)      # the function itself
    gx, gy = grad(uses_custom, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2.0 * y / x, rtol=1e-14)
    assert gy == pytest.approx(2.0 * 3 + np.sum(np.log(x * y)), rel=1e-14)
    with pytest.raises(TranslationError, match="custom_vjp doubled_log"):
        jvp(uses_custom, (x, y), (x, 1.0))                     # JAX refuses this too
