"""jacfwd of functions that index: one batched jvp for every column
(tangent_batch_index.py; lists of tangents, tangent_batch_containers.py), checked
against jacrev and central differences; indexing whose axes NumPy may move is not
batched, and still exact by one jvp per column."""
import numpy as np
import pytest

import s2s_ad
from s2s_ad.tangent_batch import NotBatchable
from s2s_ad.toolkit import _jvp_of

IDX = np.array([2, 0, 1])


def rows(X):
    return np.sum(X[1] * X[2]) + X[0, 1] ** 2


def elements(x):
    t = 0.0
    for i in range(x.shape[0] - 1):
        t = t + np.sin(x[i]) * x[i + 1]
    return t


def slices(x):
    return np.sum(x[1:] * x[:-1]) + np.sum(x[::2] ** 3) + x[-1]


def columns(X):
    return X[:, 0] * X[:, 1] + np.tanh(X[:, 2])


def gathered(X):
    return np.sin(X[IDX]) * X[:, IDX][0][:, None]


def element_writes(x):
    y = np.zeros((x.shape[0], 2))
    for i in range(x.shape[0]):
        y[i, 0] = x[i] * x[i]
        y[i, 1:] = np.sin(x[0:1]) * x[i]
    return y


def read_then_written(x):
    y = x * 1.0
    for i in range(3):
        a = y[i]            # a number: the write below must not change it
        y[i] = 0.0
        y[i + 1] = y[i + 1] + a * a
    return y


def listed_arrays(x):
    # arrays read out of a list of tangents: batched ones as they are, a zero padded
    parts = []
    parts.append(np.sin(x))
    parts.append(x * 2.0)
    parts.append(np.zeros(x.shape[0]))
    a = parts[0]
    b = parts[1]
    c = parts[2]
    return a * b + c


def moved_axes(X):
    return X[IDX, 1] * X[0, IDX]        # an integer beside an index array


M = np.random.default_rng(5).normal(size=(3, 4))
V = M[0].copy()
CASES = [(rows, M), (elements, V), (slices, V), (columns, M), (gathered, M),
         (element_writes, V), (read_then_written, V), (listed_arrays, V)]


def _differences(f, x, h=1e-6):
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape)
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    out = np.asarray(f(x))
    return np.stack(columns, axis=-1).reshape(out.shape + x.shape)


@pytest.mark.parametrize("f, x", CASES, ids=[f.__name__ for f, _ in CASES])
def test_jacfwd_of_indexing_is_batched_and_exact(f, x):
    _jvp_of(f).compiled((x,), batch=x.size)         # raises NotBatchable if not batched
    J = s2s_ad.jacfwd(f)(x)
    np.testing.assert_allclose(J, s2s_ad.jacrev(f)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J, _differences(f, x), rtol=1e-6, atol=1e-8)


def test_indexing_that_moves_axes_is_not_batched_and_still_exact():
    with pytest.raises(NotBatchable):
        _jvp_of(moved_axes).compiled((M,), batch=M.size)
    J = s2s_ad.jacfwd(moved_axes)(M)
    np.testing.assert_allclose(J, s2s_ad.jacrev(moved_axes)(M), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J, _differences(moved_axes, M), rtol=1e-6, atol=1e-8)


def test_hessian_of_an_indexing_function():
    def f(x):
        return x[0] * x[1] ** 2 + np.sin(x[2]) * x[0] + np.sum(x[1:] ** 3)
    H = s2s_ad.hessian(f)(V)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    grad = s2s_ad.grad(f)
    np.testing.assert_allclose(H, _differences(grad, V), rtol=1e-6, atol=1e-7)
