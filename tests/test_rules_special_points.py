"""Rules at the points where a naive formula divides by zero or takes log(0) although
the function is differentiable there (a zero factor of a product, std of one element,
x ** 0 at x = 0, 0 ** y, an empty reduction), and the same rules at ordinary points.
The gradient must be the exact limit, with no RuntimeWarning (pytest turns warnings
into errors)."""
import math

import numpy as np
import pytest

from s2s_ad import TranslationError, grad
from .numpy_checks import assert_fresh, assert_grad, function_of, random


def others_product(x, axis):
    """Reference: for each element, the product of the other elements of its slice,
    by deleting it (no division)."""
    x = np.asarray(x, dtype=float)
    axes = tuple(range(x.ndim)) if axis is None else (
        tuple(a % x.ndim for a in axis) if isinstance(axis, tuple) else (axis % x.ndim,))
    out = np.empty_like(x)
    for index in np.ndindex(x.shape):
        mask = np.ones(x.shape, dtype=bool)
        for i in range(x.ndim):
            if i not in axes:                   # stay in this element's slice
                keep = np.zeros(x.shape[i], dtype=bool)
                keep[index[i]] = True
                shape = [1] * x.ndim
                shape[i] = x.shape[i]
                mask &= keep.reshape(shape)
        mask[index] = False
        out[index] = np.prod(x[mask])
    return out


# -- np.prod with zero factors ---------------------------------------------------------

PROD_CASES = [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), 1),
              ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]


@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", PROD_CASES)
def test_prod_with_zero_factors(shape, axis, keepdims, zeros):
    x = random(shape, 0.5, 2.0, seed=zeros)
    flat = x.reshape(-1)
    flat[[1, 2, 3][:zeros]] = 0.0               # one, two or three zeros (maybe one slice)
    weights = random(np.shape(np.prod(x, axis=axis, keepdims=keepdims)), seed=3)

    def f(x):
        return np.sum(np.prod(x, axis=axis, keepdims=keepdims) * weights)
    (ad,) = assert_grad(f, x, argnums=(0,))      # prod is multilinear: FD is exact
    g = np.broadcast_to(np.expand_dims(weights, axis) if axis is not None and not keepdims
                        else weights, x.shape)
    np.testing.assert_allclose(ad, g * others_product(x, axis), rtol=1e-12, atol=0)


def test_prod_one_zero_is_product_of_the_rest():
    def f(x):
        return np.prod(x)

    def m(x):
        return x.prod()
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(grad(f)(x), [0.0, 30.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(m)(x), [0.0, 30.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(f)(np.array([2.0, 0.0, 0.0])), [0.0, 0.0, 0.0])


def test_prod_of_a_number_and_of_an_empty_array():
    def f(x):
        return np.prod(x) * 3.0
    assert grad(f)(np.array(2.5)) == 3.0
    empty = grad(f)(np.zeros((2, 0)))
    assert empty.shape == (2, 0) and empty.dtype == np.float64


def test_second_derivative_of_prod_helper_is_refused():
    from s2s_ad.runtime import product_of_others

    def f(x):
        return np.sum(product_of_others(x, (0,)))
    with pytest.raises(TranslationError, match="second derivatives of np.prod"):
        grad(f)(np.ones(3))


# -- std and var of one element, of equal elements, ddof --------------------------------

STD_ONE = [((), None), ((1,), None), ((1,), 0), ((3, 1), 1), ((3, 1), -1), ((1, 4), 0),
           ((1, 1), None), ((2, 1, 3), 1)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape, axis", STD_ONE)
@pytest.mark.parametrize("fn", [np.std, np.var], ids=lambda f: f.__name__)
def test_std_var_over_one_element_is_zero(fn, shape, axis, keepdims):
    x = random(shape, 0.5, 2.0)
    weights = random(np.shape(fn(x, axis=axis, keepdims=keepdims)), seed=5)

    def f(x):
        return np.sum(fn(x, axis=axis, keepdims=keepdims) * weights)
    (ad,) = assert_grad(f, x, argnums=(0,))
    np.testing.assert_array_equal(ad, np.zeros(shape))


def test_std_of_equal_elements_is_zero():
    # std is not differentiable there (a kink like |x| at 0); 0 is in its Clarke gradient
    # (std is convex with its minimum there), and no NaN from 0 / 0.
    def f(x):
        return np.std(x) + np.sum(np.std(x, axis=0))
    np.testing.assert_array_equal(grad(f)(np.full((3, 2), 1.5)), np.zeros((3, 2)))


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("fn", [np.std, np.var], ids=lambda f: f.__name__)
def test_std_var_ddof_at_ordinary_points(fn, ddof):
    def f(x):
        return np.sum(fn(x, axis=0, ddof=ddof) * np.arange(1.0, 5.0)) + fn(x, ddof=ddof)
    assert_grad(f, random((4, 4)))


@pytest.mark.filterwarnings("ignore:Degrees of freedom <= 0:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_ddof_without_degrees_of_freedom_is_refused():
    def f(x):
        return np.sum(np.std(x, axis=1, ddof=1))
    with pytest.raises(TranslationError, match="ddof=1 leaves no degrees of freedom") as info:
        grad(f)(np.ones((3, 1)))
    assert info.value.filename == __file__ and "np.std(x, axis=1, ddof=1)" in info.value.text


# -- empty reductions -------------------------------------------------------------------

EMPTY = [((0,), None), ((3, 0), None), ((3, 0), 1), ((3, 0), 0), ((0, 4), 1)]


@pytest.mark.parametrize("shape, axis", EMPTY)
@pytest.mark.parametrize("fn", [np.sum, np.prod], ids=lambda f: f.__name__)
def test_empty_sum_prod(fn, shape, axis):
    def f(x):
        return np.sum(fn(x, axis=axis))
    ad = grad(f)(np.zeros(shape))
    assert_fresh(ad, np.zeros(shape))


# The forward (the user's own np.mean) warns about the empty slice; the gradient code
# must not add a ZeroDivisionError or a warning of its own.
@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:Degrees of freedom <= 0:RuntimeWarning")
@pytest.mark.parametrize("shape, axis", EMPTY)
@pytest.mark.parametrize("fn", [np.mean, np.var, np.std], ids=lambda f: f.__name__)
def test_empty_mean_var_std(fn, shape, axis):
    def f(x):
        return np.sum(fn(x, axis=axis))
    x = np.zeros(shape)
    ad = grad(f)(x)
    assert_fresh(ad, x)


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_empty_mean_method_and_float32():
    def f(x):
        return x.mean()
    x = np.zeros(0, dtype=np.float32)
    assert_fresh(grad(f)(x), x)


# -- norm at zero -----------------------------------------------------------------------

def test_norm_at_zero_is_zero():
    # a kink, like |x| at 0: 0 is in the Clarke gradient (the unit ball)
    def f(x):
        return np.linalg.norm(x) + np.sum(np.linalg.norm(x, axis=1))
    x = np.zeros((2, 3))
    x[0] = [1.0, 2.0, 2.0]
    ad = grad(f)(x)
    np.testing.assert_allclose(ad[0], 2 * x[0] / 3.0)
    np.testing.assert_array_equal(ad[1], 0.0)


# -- x ** c, pow, math.pow ------------------------------------------------------------

def power_function(form, c, scalar=False):
    """2 * x ** c written as `form`, with c a literal (static); summed for arrays."""
    spelled = {"op": f"x ** {c!r}", "np.power": f"np.power(x, {c!r})",
               "np.float_power": f"np.float_power(x, {c!r})",
               "math.pow": f"math.pow(x, {c!r})", "pow": f"pow(x, {c!r})"}[form]
    return function_of(f"{spelled} * 2.0" if scalar else f"np.sum({spelled}) * 2.0",
                       "x", {"math": math})


@pytest.mark.parametrize("c", [0.0, 0, 1.0, 1, 2, 2.0, 3, 0.5, -1.0])
@pytest.mark.parametrize("form", ["op", "np.power", "np.float_power"])
def test_array_power_with_literal_exponent(form, c):
    f = power_function(form, c)
    x = random((2, 3), 0.2, 2.0, seed=11)
    assert_grad(f, x)                           # ordinary points
    if c < 1 and c != 0:
        return                                  # not differentiable at 0
    x[0, 1] = x[1, 2] = 0.0                     # x = 0: the exact derivative c * 0 ** (c - 1)
    expected = 2.0 * (c * x ** (c - 1) if c >= 1 else np.zeros_like(x))
    ad = grad(f)(x)
    np.testing.assert_array_equal(ad, expected)
    assert_fresh(ad, x)


@pytest.mark.parametrize("c", [0.0, 1.0, 2.0, 3, 0.5])
@pytest.mark.parametrize("form", ["op", "math.pow", "pow"])
def test_scalar_power_with_literal_exponent(form, c):
    f = power_function(form, c, scalar=True)
    assert_grad(f, 1.3)
    if 0 < c < 1:
        return
    ad = grad(f)(0.0)
    assert type(ad) is float
    assert ad == 2.0 * (c * 0.0 ** (c - 1) if c >= 1 else 0.0)


def dynamic_powers(x, y):
    return np.sum(x ** y) + np.sum(np.power(x, y))


def scalar_dynamic_powers(x, y):
    return x ** y + math.pow(x, y) + pow(x, y)


def test_power_with_a_runtime_exponent_at_zero():
    # y is an argument (not a literal): the guard is in the generated code.
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.5])
    y = np.array([0.0, 1.0, 2.0, 3.0, 2.5])
    dx, dy = grad(dynamic_powers, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(dx[:4], 2.0 * np.array([0.0, 1.0, 0.0, 0.0]))
    # d/dy 0 ** y = 0 for y > 0; at y == 0 (a jump: 0 ** 0 = 1) the guard also gives 0
    np.testing.assert_array_equal(dy[:4], 0.0)
    x, y = random((3,), 0.3, 2.0), random((3,), -2.0, 2.0, seed=2)
    assert_grad(dynamic_powers, x, y)            # ordinary points
    assert_grad(dynamic_powers, x, 2.5)          # a broadcast exponent


def test_scalar_power_with_a_runtime_exponent_at_zero():
    assert grad(scalar_dynamic_powers)(0.0, 0.0) == 0.0
    assert grad(scalar_dynamic_powers)(0.0, 1.0) == 3.0
    assert grad(scalar_dynamic_powers)(0.0, 2.0) == 0.0
    assert grad(scalar_dynamic_powers, argnums=1)(0.0, 2.5) == 0.0
    dx, dy = grad(scalar_dynamic_powers, argnums=(0, 1))(1.7, -0.6)
    assert type(dx) is float and type(dy) is float
    assert_grad(scalar_dynamic_powers, 1.7, -0.6)


def literal_base(y):
    return np.sum(np.power(0.0, y)) + np.sum(0.0 ** y) + np.sum(2.0 ** y)


def scalar_literal_base(y):
    return math.pow(0.0, y) + 0.0 ** y + pow(2.0, y)


def test_zero_base_to_a_positive_power():
    y = np.array([0.5, 1.0, 2.5])
    (ad,) = assert_grad(literal_base, y, argnums=(0,))
    np.testing.assert_allclose(ad, 2.0 ** y * math.log(2.0))
    assert grad(scalar_literal_base)(1.5) == pytest.approx(2.0 ** 1.5 * math.log(2.0))
    assert_grad(scalar_literal_base, 1.5)


# -- masks built from comparisons: float, so negation works ------------------------------

def neg_min(w):
    return -np.sum(np.minimum(w, 0.0))


def neg_max(w):
    return -np.sum(np.maximum(w, 0.0)) - np.sum(np.fmax(w, 0.5)) - np.sum(np.fmin(w, 0.2))


def neg_clip(w):
    return -np.sum(np.clip(w, -0.5, 0.5)) - np.sum(np.clip(w, None, 0.3))


def neg_clip_bounds(lo, hi, w):
    return -np.sum(np.clip(w, lo, hi))


def neg_extremes(w):
    return -np.max(w) - np.sum(np.min(w, axis=1)) - np.sum(w.max(axis=0, keepdims=True))


def neg_relu_scalar(x):
    return -max(x, 0.0) - min(x, 1.0) - abs(x) - math.fabs(x)


def neg_heaviside(x, h):
    return -np.sum(np.heaviside(x, h))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("f", [neg_min, neg_max, neg_clip, neg_extremes],
                         ids=lambda f: f.__name__)
def test_negated_masks(f, dtype):
    w = random((3, 4), -1.0, 1.0, seed=4, dtype=dtype)
    assert_grad(f, w, tol=1e-2 if dtype == np.float32 else 1e-6)


def test_negated_clip_bounds():
    w = random((5,), -1.0, 1.0, seed=6)
    assert_grad(neg_clip_bounds, -0.3, 0.4, w)
    assert_grad(neg_clip_bounds, np.full(5, -0.3), np.full(5, 0.4), w)


@pytest.mark.parametrize("x", [-1.25, 0.5, 1.75])
def test_negated_scalar_masks(x):
    (ad,) = assert_grad(neg_relu_scalar, x)
    assert type(ad) is float


def test_heaviside_is_its_second_argument_where_x_is_zero():
    x = np.array([-1.0, 0.0, 2.0, 0.0])
    h = np.array([0.25, 0.5, 0.75, 1.0])
    # in x a step (finite differences see the jump at 0): 0 as for np.sign
    dx, dh = grad(neg_heaviside, argnums=(0, 1))(x, h)
    np.testing.assert_array_equal(dx, 0.0)
    (dh,) = assert_grad(neg_heaviside, x, h, argnums=(1,))
    np.testing.assert_array_equal(dh, [0.0, -1.0, 0.0, -1.0])
    (dh,) = assert_grad(neg_heaviside, x, 0.5, argnums=(1,))     # h broadcast
    assert dh == -2.0
    assert_grad(neg_heaviside, np.array([-1.0, 2.0]), h[:2])     # away from the step
