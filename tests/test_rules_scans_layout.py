"""Scans, sorting, gathers and layout rules (rules/numpy_scans.py, numpy_layout.py,
numpy_elementwise_more.py) against central finite differences, over the shapes each
supports; the points where a naive adjoint would divide by zero (cumprod with zero
factors) or where the function has a kink (sort and max at ties, remainder's jumps)."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad
from .numpy_checks import assert_grad, function_of, random

# (expression of x, shape of x). Each is weighted by random weights of the result's
# shape, so that every element of the result's adjoint differs.
CASES = [
    ("np.cumsum(x)", (5,)), ("np.cumsum(x)", (3, 4)), ("np.cumsum(x, axis=1)", (3, 4)),
    ("np.cumsum(x, axis=-3)", (2, 3, 4)), ("x.cumsum(axis=0)", (3, 4)), ("x.cumsum()", (3, 4)),
    ("np.cumprod(x)", (5,)), ("np.cumprod(x)", (2, 3)), ("np.cumprod(x, axis=1)", (3, 4)),
    ("np.cumprod(x, axis=0)", (2, 3, 4)), ("x.cumprod(axis=-1)", (3, 4)),
    ("np.diff(x)", (5,)), ("np.diff(x, axis=0)", (3, 4)), ("np.diff(x, n=2)", (3, 5)),
    ("np.diff(x, 3, axis=1)", (2, 5, 3)),
    ("np.sort(x)", (5,)), ("np.sort(x, axis=0)", (3, 4)), ("np.sort(x, axis=None)", (3, 4)),
    ("np.sort(x, axis=1)", (2, 3, 4)),
    ("np.take(x, [0, 2, 2])", (4,)), ("np.take(x, [0, 2, 2], axis=1)", (3, 4)),
    ("np.take(x, [[0, 5], [5, 7]])", (3, 4)), ("np.take(x, 1, axis=0)", (3, 4)),
    ("np.take_along_axis(x, np.argsort(x, axis=1)[:, :2], axis=1)", (3, 4)),
    ("np.take_along_axis(x, np.array([[0, 0, 1]]), axis=0)", (2, 3)),
    ("np.tile(x, 3)", (4,)), ("np.tile(x, (2, 1, 3))", (3, 4)), ("np.tile(x, 2)", (2, 3)),
    ("np.tile(x, (2, 2))", ()),
    ("np.repeat(x, 2, axis=1)", (3, 4)), ("np.repeat(x, [1, 0, 2])", (3,)),
    ("np.repeat(x, 3)", (2, 2)), ("np.repeat(x, [2, 1], axis=0)", (2, 3)),
    ("np.pad(x, 2)", (3,)), ("np.pad(x, ((1, 0), (2, 1)))", (3, 4)),
    ("np.pad(x, (1, 2), mode='constant')", (2, 3, 2)),
    ("np.diag(x)", (4,)), ("np.diag(x, 1)", (3,)), ("np.diag(x, 1)", (3, 4)),
    ("np.diag(x, -1)", (3, 4)), ("np.diag(x)", (4, 3)),
    ("np.diagonal(x)", (3, 4)), ("np.diagonal(x, 1, 0, 2)", (3, 4, 5)),
    ("np.diagonal(x, 0, 1, 2)", (3, 4, 5)), ("np.diagonal(x, 1, 2, 1)", (3, 4, 5)),
    ("np.diagonal(x, -1, 2, 0)", (3, 4, 5)),
    ("np.diagflat(x)", (3,)), ("np.diagflat(x, 1)", (2, 2)),
    ("np.triu(x)", (3, 4)), ("np.triu(x, 1)", (3, 4)), ("np.tril(x, -1)", (2, 3, 4)),
    ("np.kron(x, np.arange(1.0, 4.0))", (2,)), ("np.kron(x, x * 2.0)", (2, 3)),
    ("np.kron(x, np.ones((2, 1, 2)) * x[0, 0])", (2, 3)),
    ("np.roll(x, 1)", (5,)), ("np.roll(x, (1, -2), (0, 1))", (3, 4)), ("np.roll(x, 5)", (3, 4)),
    ("np.roll(x, -1, axis=2)", (2, 3, 4)),
    ("np.rot90(x)", (3, 4)), ("np.rot90(x, 3)", (3, 4)), ("np.rot90(x, 2, (1, 2))", (2, 3, 4)),
    ("np.flip(x)", (2, 3, 4)), ("np.flip(x, 0)", (2, 3, 4)), ("np.flip(x, 1)", (2, 3, 4)),
    ("np.flip(x, -1)", (2, 3, 4)), ("np.flip(x, (0, 2))", (2, 3, 4)),
    ("np.atleast_3d(x)", ()), ("np.atleast_3d(x)", (3,)), ("np.atleast_3d(x)", (3, 4)),
    ("np.append(x, x[0] * 2.0)", (3, 4)), ("np.append(x, x[:1] * 2.0, axis=0)", (3, 4)),
    ("np.append(x, x * 3.0, axis=-1)", (2, 3)),
    ("np.column_stack([x[:, 0], x])", (3, 4)), ("np.column_stack([x, x ** 2])", (3,)),
    ("np.tensordot(x, np.sin(x), axes=([0, 1], [1, 0]))", (3, 3)),
    ("np.tensordot(x, np.ones((4, 5)) * x[0, 0], 1)", (3, 4)),
    ("np.tensordot(x, np.cos(x), 2)", (2, 3)),
    ("np.tensordot(x, np.cos(x), axes=([2, 0], [0, 2]))", (2, 3, 2)),
    ("np.tensordot(x, np.cos(x), 0)", (2,)),
    ("np.remainder(x, 0.7)", (3, 4)), ("np.mod(1.3, x + 2.0)", (3,)), ("np.fmod(x, 0.6)", (4,)),
    ("x % 0.4", (3,)),
    ("np.deg2rad(x)", (3,)), ("np.rad2deg(x)", (2, 2)), ("np.radians(x)", ()),
    ("np.degrees(x)", (3,)),
    ("np.sinc(x)", (3, 4)), ("np.sinc(x * 1e-5)", (3,)), ("np.sinc(x)", ()),
    ("np.nan_to_num(x)", (3, 4)),
    ("np.cross(x, x ** 2)", (4, 3)), ("np.cross(x, np.array([1.0, 2.0, 0.5]))", (3,)),
    ("np.cross(x[0], x)", (2, 3)),
]


def weighted(expr, shape):
    x = random(shape, seed=len(expr))
    weights = random(np.shape(function_of(expr, "x")(x)), seed=7)
    return function_of(f"np.sum(({expr}) * w)", "x, w"), x, weights


@pytest.mark.parametrize("expr, shape", CASES)
def test_against_finite_differences(expr, shape):
    f, x, weights = weighted(expr, shape)
    assert_grad(f, x, weights, argnums=(0,))


@pytest.mark.parametrize("expr", ["np.split(x, 2, axis=1)[1]", "np.split(x, [1, 3])[0]",
                                  "np.array_split(x, 3, axis=1)[2]",
                                  "np.hsplit(x, 2)[0] * np.vsplit(x, 3)[2][:, :2]",
                                  "np.dsplit(x.reshape(3, 2, 2), 2)[1]"])
def test_splits_read_by_index(expr):
    f, x, weights = weighted(expr, (3, 4))
    assert_grad(f, x, weights, argnums=(0,))


def test_split_pieces_in_a_loop_and_in_float32():
    def f(x):
        total = 0.0
        pieces = np.split(x, 3)
        for piece in pieces:
            total = total + np.sum(piece ** 2)
        return total
    x = random((6,), seed=3)
    assert_grad(f, x)

    def h(x):
        return np.sum(np.split(x, 2)[1] ** 2)
    g = grad(h)(x.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.r_[np.zeros(3), 2.0 * x[3:]], rtol=1e-6)


def test_unpacking_a_split():
    def f(x):
        a, b = np.split(x, 2)
        return np.sum(a * b)
    x = np.array([0.5, -1.0, 2.0, 3.0])
    np.testing.assert_allclose(grad(f)(x), np.r_[x[2:], x[:2]], rtol=1e-12)


# -- special points ----------------------------------------------------------------------

@pytest.mark.parametrize("zeros", [[1], [0, 3], [2, 2]])
def test_cumprod_with_zero_factors_is_exact(zeros):
    x = random((5,), 0.5, 2.0, seed=4)
    x[zeros] = 0.0
    w = random((5,), seed=5)

    def f(x):
        return np.sum(np.cumprod(x) * w)
    (ad,) = assert_grad(f, x, argnums=(0,))     # multilinear: FD exact
    expected = [sum(w[i] * np.prod(np.delete(x[:i + 1], k)) for i in range(k, 5))
                for k in range(5)]
    np.testing.assert_allclose(ad, expected, rtol=1e-12, atol=1e-15)


def test_sort_ties_give_each_position_one_adjoint():
    # At a tie sort is not differentiable; the adjoint of each sorted position goes to
    # one of the equal elements (stable order), an element of the Clarke gradient.
    def f(x):
        return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0, 4.0]))
    g = grad(f)(np.array([2.0, 1.0, 2.0, 0.5]))
    np.testing.assert_array_equal(g, [3.0, 2.0, 4.0, 1.0])


def test_max_ties_split_the_adjoint():
    def f(x):
        return np.max(x) + np.sum(np.min(x, axis=0))
    g = grad(f)(np.array([[3.0, 1.0], [3.0, 1.0]]))
    np.testing.assert_array_equal(g, [[1.0, 0.5], [1.0, 0.5]])   # max and min share


def test_sinc_at_zero_and_remainder_between_jumps():
    def f(x):
        return np.sum(np.sinc(x))
    np.testing.assert_array_equal(grad(f)(np.zeros(3)), np.zeros(3))

    def r(x, y):
        return np.sum(np.remainder(x, y))
    gx, gy = grad(r, argnums=(0, 1))(np.array([2.5, -2.5]), np.array([2.0, 2.0]))
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    np.testing.assert_array_equal(gy, [-1.0, 2.0])      # -floor(x / y)


def test_nan_to_num_passes_nothing_through_replaced_values():
    def f(x, v):
        return np.sum(np.nan_to_num(x, nan=v, posinf=2.0 * v) * np.arange(1.0, 5.0))
    x = np.array([1.0, np.nan, np.inf, -2.0])
    gx, gv = grad(f, argnums=(0, 1))(x, 0.5)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 0.0, 4.0])
    assert gv == 2.0 + 2.0 * 3.0


def test_pad_constant_value_and_refused_modes():
    def f(x, c):
        return np.sum(np.pad(x, 1, constant_values=c) ** 2)
    assert_grad(f, random((2, 3)), 0.7)

    def edge(x):
        return np.sum(np.pad(x, 1, mode="edge"))
    with pytest.raises(TranslationError, match="mode='constant'"):
        grad(edge)(np.ones(3))


def test_searchsorted_has_zero_gradient():
    def f(x):
        return np.sum(x[np.searchsorted(x, 0.0):] ** 2)
    x = np.sort(random((6,), seed=9))
    g = grad(f)(x)
    np.testing.assert_allclose(g, np.where(x >= 0.0, 2.0 * x, 0.0))


# -- np.fft ------------------------------------------------------------------------------

def test_fft_shifts_and_refused_transforms():
    f, x, weights = weighted("np.fft.fftshift(x) + np.fft.ifftshift(x, axes=1)", (3, 4))
    assert_grad(f, x, weights, argnums=(0,))

    def spectrum(x):
        return np.sum(np.abs(np.fft.rfft(x)))

    def unused(x):          # refused even where no gradient flows through it
        c = np.fft.fft(np.ones(4))
        return np.sum(x) + np.sum(np.abs(c))
    for fn in (spectrum, unused):
        with pytest.raises(TranslationError, match="complex values") as info:
            grad(fn)(np.ones(4))
        assert "np.fft." in info.value.text


# -- views and in-place results ---------------------------------------------------------

def rot90_view(x):
    out = np.zeros((2, 3))
    r = np.rot90(out)
    out[0, 0] = x[0] * 3.0
    return np.sum(r * r)


def diag_view(x):
    out = np.zeros((3, 3))
    d = np.diag(out)
    out[1, 1] = x[0] * 3.0
    return np.sum(d * d)


def split_views(x):
    out = np.zeros(4)
    parts = np.split(out, 2)
    out[0] = x[0] * 3.0
    return np.sum(parts[0] ** 2)


def nan_to_num_in_place(x):
    y = x * 1.0
    return np.sum(np.nan_to_num(y, copy=False) * y)


def diff_of_order_zero(x):
    return np.sum(np.diff(x, n=0) ** 2)


@pytest.mark.parametrize("f, message", [
    (rot90_view, "shares memory"), (diag_view, "shares memory"), (split_views, "shares memory"),
    (nan_to_num_in_place, "copy=False"), (diff_of_order_zero, "n=0"),
])
def test_views_written_after_and_in_place_results_are_refused(f, message):
    with pytest.raises(TranslationError, match=message):
        grad(f)(np.array([0.7, 0.2]))


def test_views_taken_after_the_writes_are_differentiated():
    def f(x):
        out = np.zeros((2, 3))
        out[0, 0] = x[0] * 3.0
        out[1, 1] = x[1]
        parts = np.split(out, 3, axis=1)
        return (np.sum(np.rot90(out) ** 2) + np.sum(np.diag(out) ** 3)
                + np.sum(parts[1] * parts[0]) + np.sum(parts[1] ** 2))
    assert_grad(f, np.array([0.7, 0.2]))
