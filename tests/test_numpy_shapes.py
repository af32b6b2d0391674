"""Shapes, indexing reads, np.array of values, constructors."""
import numpy as np
import pytest

from s2s_ad import grad
from .numpy_checks import assert_grad, function_of, random


SHAPE_CASES = [
    "np.reshape(x, (4, 6))", "x.reshape(6, 4)", "x.reshape((3, 8))", "x.reshape(-1)",
    "np.transpose(x)", "np.transpose(x, (1, 2, 0))", "x.transpose(2, 0, 1)",
    "x.transpose((0, 2, 1))", "x.T", "x.transpose()", "np.swapaxes(x, 0, 2)",
    "x.swapaxes(-1, 1)", "np.moveaxis(x, 0, -1)", "np.expand_dims(x, 1)", "np.ravel(x)",
    "x.ravel()", "x.flatten()", "np.flip(x)", "np.flip(x, 1)", "np.flip(x, (0, 2))",
    "np.broadcast_to(x[:, :1, :], (5, 2, 3, 4))", "np.copy(x)", "x.copy()",
    "np.atleast_2d(x[0, 0])", "np.squeeze(x[:, :1])", "x[:, 1:2, :].squeeze(axis=1)",
]


@pytest.mark.parametrize("expr", SHAPE_CASES)
def test_shape_operation(expr):
    f = function_of(f"np.sum(np.sin({expr}))", "x")
    assert_grad(f, random((2, 3, 4)))


@pytest.mark.parametrize("expr, shape", [
    ("np.squeeze(x)", (1, 3, 1, 4)), ("np.squeeze(x, 0)", (1, 3, 4)),
    ("x.squeeze(axis=-2)", (3, 1, 4)), ("x.squeeze((0, 2))", (1, 3, 1, 4))])
def test_squeeze(expr, shape):
    assert_grad(function_of(f"np.sum(np.sin({expr}))", "x"), random(shape))


@pytest.mark.parametrize("axis, shapes", [(0, [(1, 3), (2, 3)]), (1, [(2, 1), (2, 4)]),
                                          (-1, [(2, 2), (2, 3)]), (None, [(2, 3), (4,)])])
def test_concatenate(axis, shapes):
    f = function_of("np.sum(np.sin(np.concatenate([a, b * 2.0, a], axis=axis)))", "a, b",
                    {"axis": axis})
    assert_grad(f, random(shapes[0], seed=1), random(shapes[1], seed=2))


def test_concatenate_tuple_default_axis():
    def f(a, b):
        return np.sum(np.sin(np.concatenate((a, b, a))))
    assert_grad(f, random((2, 3), seed=1), random((1, 3), seed=2))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack(axis):
    def f(a, b):
        return np.sum(np.sin(np.stack([a, b, a * b], axis=axis)))
    assert_grad(f, random((2, 3), seed=1), random((2, 3), seed=2))


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2, 3), (2, 1)], [(), (2,)]])
def test_hstack(shapes):
    def f(a, b):
        return np.sum(np.sin(np.hstack([a, b])))
    assert_grad(f, random(shapes[0], seed=1), random(shapes[1], seed=2))


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (1, 3)], [(3,), (2, 3)]])
def test_vstack(shapes):
    def f(a, b):
        return np.sum(np.sin(np.vstack((a, b))))
    assert_grad(f, random(shapes[0], seed=1), random(shapes[1], seed=2))


def test_array_of_active_scalars_is_a_stack():
    def f(a, b, c):
        v = np.array([a, b * c, c])
        m = np.array([[a, b], [c, 1.0]])
        return np.sum(v ** 2) + np.sum(m @ v[:2])
    grads = assert_grad(f, 1.5, -0.5, 0.75)
    assert all(type(g) is float for g in grads)


def test_array_of_arrays():
    def f(x, y):
        return np.sum(np.sin(np.array([x, y, x])))
    assert_grad(f, random((2, 3), seed=1), random((2, 3), seed=2))


INDEX_CASES = ["x[1]", "x[-1]", "x[1:3]", "x[::2]", "x[::-1]", "x[-3:0:-2]", "x[1, 2]",
               "x[1, -1, :]", "x[:, None, 1]", "x[..., 2]", "x[None]", "x[0][1]",
               "x[[0, 0, 1]]", "x[:, [2, 2, 0, 1]]", "x[idx]", "x[idx, :, idx]",
               "x[mask]", "x[x > 0.2]", "x[:, 1:, np.newaxis]", "x[i]", "x[i + 1, -i]"]


@pytest.mark.parametrize("expr", INDEX_CASES)
def test_indexing(expr):
    scope = {"idx": np.array([1, 0, 1, 1]), "mask": random((3, 4, 5), seed=4) > 0, "i": 1}
    f = function_of(f"np.sum(np.sin({expr}))", "x", scope)
    assert_grad(f, random((3, 4, 5)))


def test_repeated_index_accumulates_exactly():
    def f(x):
        return np.sum(x[[0, 0, 2, 0]] * np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(grad(f)(np.zeros(3)), [7.0, 0.0, 3.0])


def test_shape_reads_and_len_are_not_active():
    def f(X, w):
        n = X.shape[0]
        return np.sum((X @ w) ** 2) / n + w.size * 0.0 + len(w) * 1.0
    assert_grad(f, random((5, 3)), random((3,), seed=1))


def test_constructors_have_no_gradient():
    def f(x):
        z = np.zeros(3) + np.ones((3,)) + np.full(3, 2.0) + np.zeros_like(x) + np.ones_like(x)
        e = np.eye(3) @ x + np.arange(3.0) + np.linspace(0.0, 1.0, 3) + np.full_like(x, 0.5)
        return np.sum(z * x + e * x) + np.sum(np.identity(3)) * 0.0
    x = random((3,))
    np.testing.assert_allclose(grad(f)(x), 4.0 + 2 * x + np.arange(3.0) + np.linspace(0, 1, 3)
                               + 0.5, rtol=1e-14)
