"""Linear algebra: @ and np.matmul in every dimension combination (batched and
broadcast batches), dot, outer, inner, trace, einsum."""
import numpy as np
import pytest

from s2s_ad import grad
from .numpy_checks import assert_grad, random

MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
                 ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)),
                 ((2, 1, 3, 4), (5, 4, 2)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5))]


@pytest.mark.parametrize("xs, ys", MATMUL_SHAPES)
def test_matmul_operator(xs, ys):
    weights = random(np.shape(np.ones(xs) @ np.ones(ys)), seed=9)

    def f(x, y):
        return np.sum((x @ y) * weights)
    assert_grad(f, random(xs, seed=1), random(ys, seed=2))


@pytest.mark.parametrize("xs, ys", MATMUL_SHAPES[:5])
def test_matmul_function(xs, ys):
    def f(x, y):
        return np.sum(np.sin(np.matmul(x, y)))
    assert_grad(f, random(xs, seed=1), random(ys, seed=2))


@pytest.mark.parametrize("xs, ys", [((), ()), ((), (3, 4)), ((3,), ()), ((4,), (4,)),
                                    ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5))])
def test_dot_and_method(xs, ys):
    def f(x, y):
        return np.sum(np.cos(np.dot(x, y))) + np.sum(np.cos(x.dot(y)))
    assert_grad(f, random(xs, seed=1), random(ys, seed=2))


@pytest.mark.parametrize("xs, ys", [((3,), (4,)), ((2, 3), (4,)), ((), (2, 2))])
def test_outer(xs, ys):
    def f(x, y):
        return np.sum(np.outer(x, y) ** 2)
    assert_grad(f, random(xs, seed=1), random(ys, seed=2))


@pytest.mark.parametrize("xs, ys", [((4,), (4,)), ((3, 4), (4,)), ((3, 4), (2, 4)),
                                    ((2, 3, 4), (5, 4)), ((), (3,))])
def test_inner(xs, ys):
    weights = random(np.shape(np.inner(np.ones(xs), np.ones(ys))), seed=3)

    def f(x, y):
        return np.sum(np.inner(x, y) * weights)
    assert_grad(f, random(xs, seed=1), random(ys, seed=2))


@pytest.mark.parametrize("shape", [(3, 3), (3, 5)])
def test_trace(shape):
    def f(x):
        return np.trace(x) * np.trace(x * x)
    assert_grad(f, random(shape))


@pytest.mark.parametrize("spec, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ijk->", [(2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,k->ik", [(2, 3), (4,)]),
])
def test_einsum(spec, shapes):
    if len(shapes) == 1:
        def f(a):
            return np.sum(np.sin(np.einsum(spec, a)))
    elif len(shapes) == 2:
        def f(a, b):
            return np.sum(np.sin(np.einsum(spec, a, b)))
    else:
        def f(a, b, c):
            return np.sum(np.sin(np.einsum(spec, a, b, c)))
    assert_grad(f, *[random(s, seed=i) for i, s in enumerate(shapes)])


def test_quadratic_form_against_formula():
    def f(x, A):
        return x @ A @ x
    x, A = random((4,)), random((4, 4), seed=5)
    gx, gA = grad(f, argnums=(0, 1))(x, A)
    np.testing.assert_allclose(gx, (A + A.T) @ x, rtol=1e-13)
    np.testing.assert_allclose(gA, np.outer(x, x), rtol=1e-13)
