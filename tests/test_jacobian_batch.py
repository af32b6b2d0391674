"""jacfwd, jacrev and hessian from one batched generated call (tangent_batch.py,
jacobian_batch.py): the same Jacobians as one jvp per basis vector and as central
differences; the batch is taken where it should be, and where the generated code
cannot take one the per-vector loop answers instead."""
import math

import numpy as np
import pytest

from s2s_ad import grad, hessian, jacfwd, jacrev, jvp, toolkit
from s2s_ad.jacobian_batch import jacfwd_block
from s2s_ad.tangent_batch import NotBatchable

from .numpy_checks import random
from .test_toolkit import jacobian_fd

A = random((4, 3), seed=7)
STACK = random((2, 4, 3), seed=8)
SQUARE = random((3, 3), seed=9)


def matvec(x):
    return np.tanh(A @ x) * 2.0 + np.sum(x ** 2)


def vecmat(x):
    return np.exp(x @ A) / (1.0 + np.mean(x))


def broadcast_trap(x):
    # x (3,) meets a (3, 3) array: a batch of 3 tangents must not line up with its rows
    return SQUARE * x + np.expand_dims(x, 0) * np.sum(x)


def matrix_in(W):
    return np.sin(W.T @ A) @ np.ones(3) + np.mean(W, axis=0, keepdims=True)


def stacked(x):
    return STACK @ x                # a stack of matrices times a vector: no batch form


def indexed(x):
    return np.sin(x[1:]) * x[0]     # a tangent indexed: `:` in front of the index


def listed(x):
    return np.sin(x[[2, 0]]) * x[0]     # a literal list as an index: the per-vector loop


def per_vector(f, x):
    """The Jacobian from one jvp per basis vector (what jacfwd did before batching)."""
    columns = [jvp(f, (x,), (e.reshape(x.shape),))[1] for e in np.eye(x.size)]
    out_shape = np.shape(f(x))
    return np.stack([np.reshape(c, out_shape) for c in columns], -1).reshape(
        out_shape + x.shape)


BATCHED = [(matvec, (3,)), (vecmat, (4,)), (broadcast_trap, (3,)), (matrix_in, (4, 3)),
           (indexed, (4,))]


@pytest.mark.parametrize("f, shape", BATCHED)
def test_batched_jacobians_equal_per_vector_and_differences(f, shape, monkeypatch):
    x = random(shape, seed=3)
    block = jacfwd_block(f, (x,), 0)
    assert block is not None, "expected one batched call"
    reference = per_vector(f, x)
    np.testing.assert_allclose(block, reference, rtol=1e-13, atol=1e-15)
    taken = []
    original = toolkit._jacrev_batched
    monkeypatch.setattr(toolkit, "_jacrev_batched",
                        lambda *a: taken.append(original(*a)) or taken[-1])
    forward, reverse = jacfwd(f)(x), jacrev(f)(x)
    assert taken and taken[0] is not None, "jacrev took one call per output element"
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward, jacobian_fd(f, (x,), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, shape", [(stacked, (3,)), (listed, (4,))])
def test_what_cannot_take_a_batch_falls_back_to_one_call_per_vector(f, shape):
    x = random(shape, seed=4)
    assert jacfwd_block(f, (x,), 0) is None
    with pytest.raises(NotBatchable):
        toolkit._jvp_of(f, (0,)).compiled((x,), batch=x.size)
    np.testing.assert_allclose(jacfwd(f)(x), per_vector(f, x), rtol=1e-13)
    np.testing.assert_allclose(jacrev(f)(x), jacobian_fd(f, (x,), 0), rtol=1e-6, atol=1e-8)


def logistic(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def network(W1, W2, w3, X, y):
    A2 = 1.0 / (1.0 + np.exp(-(X @ W1)))
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ W2)))
    y_hat = 1.0 / (1.0 + np.exp(-(A3 @ w3)))
    return -np.mean(y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat))


def hessian_cases():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((12, 4)) / 2
    y = np.where(rng.random(12) < 0.5, -1.0, 1.0)
    Xn = rng.standard_normal((6, 3))
    yn = (rng.random(6) < 0.5).astype(float)
    weights = (rng.standard_normal((3, 4)) / math.sqrt(3),
               rng.standard_normal((4, 4)) / 2, rng.standard_normal(4) / 2)
    return [(logistic, (rng.standard_normal(4), X, y), 0),
            (network, (*weights, Xn, yn), 0), (network, (*weights, Xn, yn), 1),
            (network, (*weights, Xn, yn), 2)]


@pytest.mark.parametrize("f, args, n", hessian_cases())
def test_batched_hessians_of_the_logistic_loss_and_the_network(f, args, n):
    gradient = grad(f, argnums=n)
    generated = gradient.compile(*args)
    block = jacfwd_block(getattr(generated, "__wrapped__", generated), args, n)
    assert block is not None, "expected the Hessian from one batched call"
    H = hessian(f, argnums=n)(*args)
    x = args[n]
    np.testing.assert_allclose(H, block, rtol=1e-13, atol=1e-15)
    # against one Hessian-vector product per basis vector, and differences of grad
    rows = []
    for e in np.eye(x.size):
        tangents = [np.zeros(np.shape(a)) for a in args]
        tangents[n] = e.reshape(x.shape)
        rows.append(jvp(gradient, args, tangents)[1])
    np.testing.assert_allclose(H, np.stack(rows).reshape(x.shape * 2), rtol=1e-12,
                               atol=1e-14)
    h = 1e-6
    fd = []
    for e in np.eye(x.size):
        plus, minus = list(args), list(args)
        plus[n], minus[n] = x + h * e.reshape(x.shape), x - h * e.reshape(x.shape)
        fd.append((gradient(*plus) - gradient(*minus)) / (2 * h))
    np.testing.assert_allclose(H, np.stack(fd).reshape(x.shape * 2), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(H.reshape(x.size, x.size), H.reshape(x.size, x.size).T,
                               rtol=1e-10, atol=1e-12)


def two_outputs(x, W):
    return np.tanh(W @ x), np.sum(x * x) * W


def test_tuple_outputs_and_several_arguments_follow_jax_nesting():
    x, W = random((3,), seed=5), random((2, 3), seed=6)
    assert jacfwd_block(two_outputs, (x, W), 0) is not None
    assert jacfwd_block(two_outputs, (x, W), 1) is not None
    forward = jacfwd(two_outputs, (0, 1))(x, W)
    reverse = jacrev(two_outputs, (0, 1))(x, W)
    for k in range(2):
        for n, arg in enumerate((x, W)):
            def part(value, k=k, n=n):
                args = [x, W]
                args[n] = value
                return two_outputs(*args)[k]
            fd = jacobian_fd(part, (arg,), 0)
            assert forward[k][n].shape == reverse[k][n].shape == fd.shape
            np.testing.assert_allclose(forward[k][n], fd, rtol=1e-6, atol=1e-8)
            np.testing.assert_allclose(reverse[k][n], fd, rtol=1e-6, atol=1e-8)
