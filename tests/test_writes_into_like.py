"""Element and slice writes into `np.zeros_like(arg)` / `np.ones_like(arg)`, and shapes
the signature fixes kept through loops that fill a vector by slices (issue 9). The
reference is the scalar tape (tests/scalar_tape.py), which runs the same function on
object arrays of Vars: an exact gradient that autograd, without element writes,
cannot give."""
import types

import numpy as np
import pytest

from s2s_ad import value_and_grad

from tests import scalar_tape


def tape_gradient(f, *args):
    """d f / d args[0] by the scalar tape: f's globals' `np` swapped for Vars' numpy."""
    g = types.FunctionType(f.__code__, {**f.__globals__, "np": scalar_tape.numpy_for_vars},
                           f.__name__, f.__defaults__, f.__closure__)
    first = scalar_tape.to_vars(args[0])
    out = g(first, *args[1:])
    grads = scalar_tape.gradients(out, scalar_tape.leaves(first))
    return np.reshape(np.array(grads, dtype=float), np.shape(args[0]))


def check(f, *args):
    value, g = value_and_grad(f)(*args)
    assert value == f(*args)
    np.testing.assert_allclose(g, tape_gradient(f, *args), rtol=1e-12, atol=1e-14)
    return g


def running(x):
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        y[i] = x[i] * x[i] + (y[i - 1] * 0.5 if i > 0 else 0.0)
    return np.sum(y * x)


def shifted(x):
    y = np.ones_like(x)
    y[1:] = x[:-1] * 3.0
    y[0] = np.sin(x[0])
    return np.sum(y * y)


def rows_and_columns(x):
    out = np.zeros_like(x)
    out[:, 0] = x[:, 1]
    out[1, :] += x[0, :] * 2.0
    out[0, 1:] = np.tanh(out[1, 1:])
    return np.sum(out * x)


@pytest.mark.parametrize("f, shape", [(running, (5,)), (shifted, (4,)),
                                      (rows_and_columns, (2, 3)),
                                      (rows_and_columns, (3, 4))])
def test_writes_into_zeros_like_and_ones_like_of_an_argument(rng, f, shape):
    x = rng.normal(size=shape)
    before = x.copy()
    check(f, x)
    np.testing.assert_array_equal(x, before)       # the argument itself is not written


def solve_by_slices(y):
    n = y.shape[0]
    x = np.zeros(n)
    for i in range(n):
        x[i] = y[i] - np.sum(x[:i])
    return x @ x


def solve_by_slices_n(y, n):
    x = np.zeros(n)
    for i in range(n):
        x[i] = y[i] - np.sum(x[:i])
    return x @ x


def weighted_by_slices(y):
    x = np.zeros_like(y)
    for i in range(len(y)):
        x[i] = y[i] - np.sum(x[:i] * y[:i])
    return x @ x + x[:2] @ y[:2] + np.sum(np.outer(x, x))


def fills_a_matrix_by_rows(y):
    n = y.shape[0]
    m = np.zeros((n, n))
    for i in range(n):
        m[i, :i + 1] = y[:i + 1] * (i + 1.0)
        m[i, i] = m[i, i] - np.sum(m[:i, i])
    return np.sum(m @ y) + np.trace(m @ m)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_shapes_stay_known_through_loops_filling_by_slices(rng, n):
    y = rng.normal(size=n)
    check(solve_by_slices, y)
    check(solve_by_slices_n, y, n)
    check(weighted_by_slices, y)
    check(fills_a_matrix_by_rows, y)
