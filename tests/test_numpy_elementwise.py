"""Elementwise rules: every ufunc over 0-d to 3-d inputs, broadcasting both ways,
operators, where (NaN-safe), clip, maximum/minimum ties, zero-gradient functions."""
import numpy as np
import pytest

from s2s_ad import grad
from .numpy_checks import SHAPES, assert_grad, random

# (function, domain where it is smooth)
UNARY = [
    (np.sin, (-3, 3)), (np.cos, (-3, 3)), (np.tan, (-1.2, 1.2)),
    (np.arcsin, (-0.9, 0.9)), (np.arccos, (-0.9, 0.9)), (np.arctan, (-3, 3)),
    (np.sinh, (-2, 2)), (np.cosh, (-2, 2)), (np.tanh, (-2, 2)),
    (np.arcsinh, (-3, 3)), (np.arccosh, (1.2, 3)), (np.arctanh, (-0.9, 0.9)),
    (np.exp, (-2, 2)), (np.exp2, (-2, 2)), (np.expm1, (-2, 2)),
    (np.log, (0.2, 3)), (np.log2, (0.2, 3)), (np.log10, (0.2, 3)), (np.log1p, (-0.5, 3)),
    (np.sqrt, (0.2, 3)), (np.cbrt, (0.2, 3)), (np.cbrt, (-3, -0.2)), (np.square, (-3, 3)),
    (np.reciprocal, (0.3, 3)), (np.negative, (-3, 3)), (np.positive, (-3, 3)),
    (np.abs, (0.1, 3)), (np.abs, (-3, -0.1)), (np.absolute, (-3, -0.1)), (np.fabs, (0.1, 3)),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn, domain", UNARY, ids=lambda v: getattr(v, "__name__", ""))
def test_unary(fn, domain, shape):
    weights = random(shape, seed=1)

    def f(x):
        return np.sum(fn(x) * weights)
    assert_grad(f, random(shape, *domain))


BINARY = [
    (np.add, (-2, 2), (-2, 2)), (np.subtract, (-2, 2), (-2, 2)),
    (np.multiply, (-2, 2), (-2, 2)), (np.divide, (-2, 2), (0.5, 2)),
    (np.true_divide, (-2, 2), (-2, -0.5)), (np.power, (0.5, 2), (-2, 2)),
    (np.float_power, (0.5, 2), (-2, 2)), (np.arctan2, (-2, 2), (0.5, 2)),
    (np.hypot, (0.5, 2), (-2, -0.5)), (np.logaddexp, (-2, 2), (-2, 2)),
    (np.logaddexp2, (-2, 2), (-2, 2)), (np.maximum, (-2, 2), (-2, 2)),
    (np.minimum, (-2, 2), (-2, 2)), (np.fmax, (-2, 2), (-2, 2)), (np.fmin, (-2, 2), (-2, 2)),
]
# Shape pairs that broadcast in both directions, with size-1 axes and missing axes.
PAIRS = [((), ()), ((4,), ()), ((), (4,)), ((3, 4), (4,)), ((4,), (3, 4)),
         ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((1, 4), (2, 3, 4)), ((2, 3, 4), (2, 3, 4))]


@pytest.mark.parametrize("xs, ys", PAIRS)
@pytest.mark.parametrize("fn, xdom, ydom", BINARY, ids=lambda v: getattr(v, "__name__", ""))
def test_binary_broadcasting(fn, xdom, ydom, xs, ys):
    x, y = random(xs, *xdom, seed=2), random(ys, *ydom, seed=3)
    weights = random(np.broadcast_shapes(xs, ys), seed=4)

    def f(x, y):
        return np.sum(fn(x, y) * weights)
    assert_grad(f, x, y)


@pytest.mark.parametrize("xs, ys", PAIRS)
def test_operators_broadcasting(xs, ys):
    def f(x, y):
        return np.sum((x + y) * (x - y) / (y * y + 1.0) + (x * x + 1.0) ** y - (-x) ** 2 + x % 0.7)
    assert_grad(f, random(xs, 0.1, 1.9, seed=5), random(ys, -1, 1, seed=6))


def test_operators_with_python_numbers():
    def f(x, s):
        return np.sum(s * x ** 3 / s - 2.0 / (s + x) + s ** 2.5)
    assert_grad(f, random((3, 2), 0.5, 1.5), 1.7)


def test_scalar_float_argument_into_array_expression():
    def f(s, x):
        return np.sum(np.exp(s * x))
    g = assert_grad(f, 0.3, random((5,)), argnums=(0,))
    assert type(g[0]) is float


def test_where_sqrt_at_zero_is_finite():
    def f(x):
        return np.sum(np.where(x > 0, np.sqrt(x), 0.0))
    x = np.array([0.0, 4.0, -1.0, 0.25])
    with np.errstate(divide="ignore", invalid="ignore"):   # np.sqrt(-1) in the forward
        g = grad(f)(x)
    np.testing.assert_array_equal(g, [0.0, 0.25, 0.0, 1.0])


def test_where_masks_chains_and_nested_conditions():
    def f(x):
        inner = np.where(x < 3.0, np.log(np.sqrt(x) + x), 1.0)
        return np.sum(np.where(x > 0, 2.0 * inner, x * x))
    x = np.array([-1.0, 0.0, 1.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = grad(f)(x)
    assert np.all(np.isfinite(g))
    d1 = 2.0 * (0.5 / np.sqrt(1.0) + 1.0) / (np.sqrt(1.0) + 1.0)
    np.testing.assert_allclose(g, [-2.0, 0.0, d1, 0.0])


def test_where_else_branch_and_broadcast_condition():
    c = np.array([[True], [False], [True]])

    def f(x, y):
        return np.sum(np.where(c, x * x, np.log(y)) * 3.0)
    assert_grad(f, random((3, 4), 0.5, 2), random((4,), 0.5, 2))


def test_where_in_both_branches_of_one_value():
    def f(x):
        return np.sum(np.where(x > 1.0, x ** 3, x) + np.where(x > 0.5, np.sqrt(x), 0.0))
    assert_grad(f, random((3, 4), 0.1, 2.0))


@pytest.mark.parametrize("low, high", [(-0.5, 0.7), (None, 0.3), (-0.2, None)])
def test_clip(low, high):
    def f(x):
        return np.sum(np.clip(x, low, high) * 2.0)
    x = random((5, 4))
    expected = 2.0 * ((low is None or x > low) & (high is None or x < high))
    np.testing.assert_array_equal(grad(f)(x), expected)
    assert_grad(f, x)


def test_clip_with_array_bounds():
    def f(x, lo, hi):
        return np.sum(np.clip(x, lo, hi) ** 2)
    assert_grad(f, random((3, 4)), random((4,), -1.4, -0.1), random((3, 1), 0.1, 1.4))


def test_relu_and_abs_at_zero():
    def relu(x):
        return np.sum(np.maximum(x, 0.0))

    def absolute(x):
        return np.sum(np.abs(x))
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad(relu)(x), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad(absolute)(x), [-1.0, 0.0, 1.0])


def test_maximum_tie_between_two_active_arguments_splits():
    def f(x, y):
        return np.sum(np.maximum(x, y))
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    gx, gy = grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.5, 1.0, 0.0])


@pytest.mark.parametrize("fn", [np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc])
def test_piecewise_constant_functions_have_zero_gradient(fn):
    def f(x):
        return np.sum(fn(x) * x)        # d/dx = fn(x), the fn factor contributes 0
    x = random((3, 4), -3, 3)
    np.testing.assert_array_equal(grad(f)(x), fn(x))


def test_comparisons_and_masks_carry_no_gradient():
    def f(x):
        mask = (x > 0.0) & ~(x > 1.0) | (x == 0.5)
        return np.sum(x * mask + (x >= -1.0) * 1.0)
    x = random((6,), -2, 2)
    np.testing.assert_array_equal(grad(f)(x), ((x > 0) & (x <= 1)).astype(float))
