"""What gradients are: fresh writable arrays of the input's shape and dtype, float32
kept, integer and boolean arrays never active, one compiled variant per signature."""
import numpy as np
import pytest

from s2s_ad import grad
from .numpy_checks import assert_fresh, random


def test_float32_gradient_keeps_float32():
    def f(w, X):
        return np.mean(np.log(1.0 + np.exp(-(X @ w)))) + np.sum(w[1:] * 2.0)
    w, X = random((3,), dtype=np.float32), random((5, 3), seed=1, dtype=np.float32)
    g32 = grad(f)(w, X)
    g64 = grad(f)(w.astype(np.float64), X.astype(np.float64))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-5)


def test_float32_mixed_with_float64_data_is_cast_back():
    data = random((3,), seed=2)                        # float64

    def f(w):
        return np.sum(w * data)
    g = grad(f)(np.ones(3, dtype=np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, data.astype(np.float32))


def test_integer_and_boolean_arrays_are_never_active():
    def f(w, idx, mask):
        return np.sum(w[idx] * mask[idx]) + np.sum(idx * 1.0) + np.sum(mask * w)
    w, idx, mask = random((4,)), np.array([0, 2, 2]), np.array([True, False, True, True])
    g = grad(f)(w, idx, mask)
    np.testing.assert_array_equal(g, [2.0, 0.0, 3.0, 1.0])
    with pytest.raises(TypeError, match="float arrays only"):
        grad(f, argnums=1)(w, idx, mask)


@pytest.mark.parametrize("body", ["identity", "dot", "sum", "reshape", "slice", "two"])
def test_gradients_are_fresh_and_never_alias(body):
    y = random((3,), seed=3)

    def identity(x):
        return np.sum(x)

    def dot(x):
        return np.dot(x, y)          # the adjoint is y itself

    def total(x):
        return x.sum()               # the adjoint is a read-only broadcast view

    def reshape(x):
        return np.sum(x.reshape(3, 1) * y.reshape(3, 1))

    def slice_(x):
        return np.sum(np.concatenate([x, x])[:3] * y)

    def two(x, z):
        return np.sum(x + z)         # both adjoints are the same array
    f = {"identity": identity, "dot": dot, "sum": total, "reshape": reshape,
         "slice": slice_, "two": two}[body]
    x = random((3,), seed=4)
    if body == "two":
        gx, gz = grad(f, argnums=(0, 1))(x, x.copy())
        assert_fresh(gx, x, [gz, x])
        assert_fresh(gz, x, [gx, x])
    else:
        g = grad(f)(x)
        assert_fresh(g, x, [x, y])
        g[0] = 123.0                 # writable, and changing it changes nothing else
        assert grad(f)(x)[0] != 123.0


def test_zero_dimensional_arrays():
    def f(x, s):
        return np.sin(x) * s + x ** 2

    x = np.array(0.7)
    gx, gs = grad(f, argnums=(0, 1))(x, 2.0)
    assert type(gx) is np.ndarray and gx.shape == () and type(gs) is float
    np.testing.assert_allclose(gx, np.cos(0.7) * 2.0 + 1.4)


def test_inactive_array_argument_gets_zeros():
    def f(x, y):
        return np.sum(x * 2.0)
    gx, gy = grad(f, argnums=(0, 1))(random((2, 2)), random((3,), dtype=np.float32))
    assert gy.dtype == np.float32 and gy.shape == (3,) and not gy.any()


def test_one_compiled_variant_per_shape_and_dtype():
    def f(x):
        return np.sum(x * x)
    g = grad(f)
    for shape in [(2,), (3,), (2,), (2, 2)]:
        for dtype in (np.float64, np.float32):
            x = np.ones(shape, dtype)
            np.testing.assert_array_equal(g(x), 2.0 * x)
    assert len(g.sources) == 6
    assert "(3,)" not in g.sources[((2,), np.dtype(np.float64)),]
