"""Array methods with axis and keepdims (issue 9): each checked against central
differences across shapes, and its forward value against NumPy's, bit for bit."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, jvp, value_and_grad



SHAPES = [(5,), (3, 4), (2, 3, 4)]


def _fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (f(up) - f(down)) / (2 * h)
    return g


def check(f, x, rtol=1e-6):
    value, g = value_and_grad(f)(x)
    assert value == f(x)
    np.testing.assert_allclose(g, _fd(f, x), rtol=rtol, atol=1e-8)


def reductions(axis, keepdims):
    def f(x):
        total = np.sum(x.prod(axis=axis, keepdims=keepdims) * 0.5)
        total = total + np.sum(np.sin(x.std(axis=axis, keepdims=keepdims)))
        total = total + np.sum(x.var(axis=axis, keepdims=keepdims) ** 2)
        total = total + np.sum(x.min(axis=axis, keepdims=keepdims) * 1.5)
        total = total + np.sum(x.max(axis=axis, keepdims=keepdims) ** 3)
        return total + np.sum(x * x.mean(axis=axis, keepdims=True))
    return f


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_with_axis_and_keepdims(rng, shape, axis, keepdims):
    x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    check(reductions(axis, keepdims), x)


@pytest.mark.parametrize("shape", SHAPES)
def test_clip_cumsum_astype(rng, shape):
    x = rng.normal(size=shape)
    x[np.abs(np.abs(x) - 0.5) < 1e-3] = 0.1         # away from the clip's kinks
    check(lambda x: np.sum(x.clip(-0.5, 0.5) ** 2 + x), x)
    check(lambda x: np.sum(x.clip(min=-0.5, max=0.5) * x), x)
    check(lambda x: np.sum(x.cumsum() ** 2), x)
    check(lambda x: np.sum(x.cumsum(axis=-1) ** 2), x)
    check(lambda x: np.sum(x.cumprod(axis=0) * x), x)
    check(lambda x: np.sum(x.astype(np.float64) ** 3), x)
    check(lambda x: np.sum(x.astype(float) * x), x)


def test_astype_float32_casts_the_adjoint_back(rng):
    x = rng.normal(size=(3, 2))

    def f(x):
        return float(np.sum(x.astype(np.float32).astype(np.float64) ** 2))
    g = grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x.astype(np.float32).astype(np.float64), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_indices_and_booleans_have_zero_gradient(rng, shape):
    x = rng.normal(size=shape)

    def f(x):
        flat = x.ravel()
        k = flat.argmax()
        j = flat.argmin()
        s = flat[k] * 2.0 - flat[j]
        if (x > -100).all() and not (x > 100).any(axis=0).any():
            s = s + np.sum(x.argmax(axis=-1)) * np.sum(x)
        return s
    check(f, x)


@pytest.mark.parametrize("shape", SHAPES)
def test_item(rng, shape):
    x = rng.normal(size=shape)
    check(lambda x: x.item(0) * x.item(-1) + np.sum(x), x)
    last = {1: lambda x: x.item(4) ** 2, 2: lambda x: x.item(2, 3) ** 2,
            3: lambda x: x.item(1, -1, 3) ** 2}[len(shape)]
    check(last, x)
    check(lambda x: np.sum(x[..., :1]).item() * 3.0, x)

    def runtime_index(x):
        k = int(np.argmax(x.ravel()))
        return x.item(k) * x.item(k - 1)
    check(runtime_index, x)


def test_item_value_is_a_python_number(rng):
    x = rng.normal(size=3)
    value, g = value_and_grad(lambda x: x.item(1) * 2.0)(x)
    assert type(value) is float
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0])


def test_methods_as_functions(rng):
    x = rng.normal(size=(3, 4))
    check(lambda x: np.sum(x.take([0, 2, 2], axis=1) ** 2), x)
    check(lambda x: x[:, :3].trace() * x.diagonal().sum(), x)
    check(lambda x: np.sum(x.repeat(2, axis=0) ** 2), x)
    check(lambda x: np.sum(x.round(3) * x), x)
    check(lambda x: np.sum(x.ravel()[x.ravel().argsort()] * np.arange(12.0)), x)
    check(lambda x: np.sum(x.dot(x.T)), x)


def test_one_sided_clip_is_refused_with_its_line():
    def f(x):
        return np.sum(x.clip(max=0.5))
    with pytest.raises(TranslationError, match="clip"):
        grad(f)(np.ones(3))


@pytest.mark.parametrize("method", [
    lambda x: np.sum(x.take([0, 2, 2], axis=1) ** 2),
    lambda x: x[:, :3].trace() * x.diagonal().sum(),
    lambda x: np.sum(x.repeat(2, axis=0) ** 2),
    lambda x: np.sum(x.astype(np.float64) * x),
    lambda x: x.item(1, 2) * np.sum(x),
    lambda x: np.sum(x.clip(-0.5, 0.5) * x),
], ids=["take", "trace-diagonal", "repeat", "astype", "item", "clip"])
def test_methods_in_forward_mode(rng, method):
    # a method that is a NumPy function of its array takes the function's tangent
    x, v, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 1e-6
    x = np.where(np.abs(np.abs(x) - 0.5) < 1e-3, x + 0.01, x)    # away from clip's kinks
    value, tangent = jvp(method, (x,), (v,))
    assert value == method(x)
    fd = (method(x + h * v) - method(x - h * v)) / (2 * h)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-8)
