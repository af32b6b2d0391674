"""Reductions (functions and methods) over every axis form: int, negative int,
tuple, None, with and without keepdims."""
import numpy as np
import pytest

from s2s_ad import grad
from .numpy_checks import SHAPES, assert_grad, random


def axis_cases(ndim):
    cases = [None]
    if ndim >= 1:
        cases += [0, -1]
    if ndim >= 2:
        cases += [(0, 1), (-1, 0)]
    if ndim >= 3:
        cases += [1, (0, 2)]
    return cases


REDUCTIONS = [np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std]
CASES = [(shape, axis, keepdims) for shape in SHAPES for axis in axis_cases(len(shape))
         for keepdims in (False, True)]


@pytest.mark.parametrize("shape, axis, keepdims", CASES)
@pytest.mark.parametrize("fn", REDUCTIONS, ids=lambda f: f.__name__)
def test_reduction(fn, shape, axis, keepdims):
    x = random(shape, 0.5, 2.0)                 # distinct values: no ties, no zeros
    weights = random(np.shape(fn(x, axis=axis, keepdims=keepdims)), seed=7)

    def f(x):
        return np.sum(fn(x, axis=axis, keepdims=keepdims) * weights)
    assert_grad(f, x)


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("fn", [np.var, np.std], ids=lambda f: f.__name__)
def test_ddof(fn, ddof):
    def f(x):
        return np.sum(fn(x, axis=1, ddof=ddof) ** 2)
    assert_grad(f, random((3, 5)))


@pytest.mark.parametrize("shape", SHAPES[1:])
def test_methods(shape):
    def f(x):
        return (x.sum() + x.mean() * 2.0 + x.max() - x.min() + x.prod() + x.var() + x.std()
                + np.sum(x.sum(axis=0) ** 2) + np.sum(x.max(axis=-1, keepdims=True) * x))
    assert_grad(f, random(shape, 0.5, 1.5))


def test_max_ties_split_evenly():
    def f(x):
        return np.max(x)

    def g(x):
        return np.sum(np.min(x, axis=1))
    np.testing.assert_array_equal(grad(f)(np.array([1.0, 3.0, 3.0, 2.0])), [0, 0.5, 0.5, 0])
    x = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]])
    np.testing.assert_allclose(grad(g)(x), [[1 / 3, 1 / 3, 1 / 3], [0.5, 0.0, 0.5]])


@pytest.mark.parametrize("shape, order, axis, keepdims", [
    ((5,), None, None, False), ((5,), 2, None, False), ((3, 4), None, None, False),
    ((3, 4), "fro", None, False), ((3, 4), None, 1, False), ((3, 4), 2, 0, True),
    ((2, 3, 4), None, (1, 2), False), ((2, 3, 4), "fro", (0, 2), True),
    ((2, 3, 4), None, -1, False)])
def test_norm(shape, order, axis, keepdims):
    weights = random(np.shape(np.linalg.norm(np.ones(shape), order, axis, keepdims)), seed=8)

    def f(x):
        return np.sum(np.linalg.norm(x, ord=order, axis=axis, keepdims=keepdims) * weights)
    assert_grad(f, random(shape))
