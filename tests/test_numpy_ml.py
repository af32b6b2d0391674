"""The lecture's machine-learning problems: logistic and squared-error losses over a
data set, the L-layer sigmoid network against the lecture's delta recursion, and a
ReLU network with biases."""
import numpy as np
import pytest

from s2s_ad import grad, value_and_grad
from .numpy_checks import assert_grad

rng = np.random.default_rng(7)
n, d = 50, 6
X = rng.standard_normal((n, d))
y_sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
y_real = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
w0 = rng.standard_normal(d)


def logistic_loss(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def squared_error(w, X, y):
    return np.mean((y - X @ w) ** 2)


def test_logistic_loss():
    expected = X.T @ (-y_sign / (1.0 + np.exp(y_sign * (X @ w0)))) / n
    np.testing.assert_allclose(grad(logistic_loss)(w0, X, y_sign), expected, rtol=1e-12)
    assert_grad(logistic_loss, w0, X, y_sign, argnums=(0,))


def test_squared_error():
    expected = -2.0 * X.T @ (y_real - X @ w0) / n
    value, g = value_and_grad(squared_error)(w0, X, y_real)
    assert value == squared_error(w0, X, y_real)
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    assert_grad(squared_error, w0, X, y_real, argnums=(0, 1))


# --- The sigmoid network of the lecture, L = 3 weight layers, no biases -------------
# a1 = x, z(l+1) = Theta(l) a(l), a(l+1) = g(z(l+1)), y_hat = a(L+1),
# L(y, y_hat) = y log y_hat + (1 - y) log(1 - y_hat)  (a log-likelihood, to maximise).

def net_one_example(T1, T2, T3, x, y):
    a2 = 1.0 / (1.0 + np.exp(-(T1 @ x)))
    a3 = 1.0 / (1.0 + np.exp(-(T2 @ a2)))
    y_hat = 1.0 / (1.0 + np.exp(-(T3 @ a3)))
    return y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat)


def backprop_one_example(T1, T2, T3, x, y):
    """The lecture's delta recursion: delta(L+1) = y - a(L+1),
    delta(l)_i = a(l)_i (1 - a(l)_i) sum_k delta(l+1)_k Theta(l)_{k,i},
    dL/dTheta(l)_{ij} = delta(l+1)_i a(l)_j."""
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))    # noqa: E731
    a1 = x
    a2 = sigmoid(T1 @ a1)
    a3 = sigmoid(T2 @ a2)
    a4 = sigmoid(T3 @ a3)
    delta4 = y - a4
    delta3 = a3 * (1.0 - a3) * (T3 * delta4)        # Theta(3) is a single row
    delta2 = a2 * (1.0 - a2) * (T2.T @ delta3)
    return np.outer(delta2, a1), np.outer(delta3, a2), delta4 * a3


def net_batch(T1, T2, T3, X, y):
    """The same network on a mini-batch (rows of X), the loss averaged."""
    A2 = 1.0 / (1.0 + np.exp(-(X @ T1.T)))
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ T2.T)))
    y_hat = 1.0 / (1.0 + np.exp(-(A3 @ T3)))
    return np.mean(y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat))


def backprop_batch(T1, T2, T3, X, y):
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))    # noqa: E731
    A2 = sigmoid(X @ T1.T)
    A3 = sigmoid(A2 @ T2.T)
    A4 = sigmoid(A3 @ T3)
    delta4 = (y - A4) / len(y)
    delta3 = A3 * (1.0 - A3) * np.outer(delta4, T3)
    delta2 = A2 * (1.0 - A2) * (delta3 @ T2)
    return delta2.T @ X, delta3.T @ A2, delta4 @ A3


def _weights(m, d, seed):
    r = np.random.default_rng(seed)
    return (r.standard_normal((m, d)) / np.sqrt(d), r.standard_normal((m, m)) / np.sqrt(m),
            r.standard_normal(m) / np.sqrt(m))


@pytest.mark.parametrize("m, d", [(4, 3), (16, 8)])
def test_sigmoid_network_one_example_equals_delta_recursion(m, d):
    T1, T2, T3 = _weights(m, d, seed=m)
    x, y = rng.standard_normal(d), 1.0
    ours = grad(net_one_example, argnums=(0, 1, 2))(T1, T2, T3, x, y)
    for a, b in zip(ours, backprop_one_example(T1, T2, T3, x, y)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("m, d, batch", [(4, 3, 5), (16, 8, 32)])
def test_sigmoid_network_minibatch_equals_delta_recursion(m, d, batch):
    T1, T2, T3 = _weights(m, d, seed=batch)
    Xb = rng.standard_normal((batch, d))
    yb = (rng.random(batch) < 0.5).astype(float)
    ours = grad(net_batch, argnums=(0, 1, 2))(T1, T2, T3, Xb, yb)
    for a, b in zip(ours, backprop_batch(T1, T2, T3, Xb, yb)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert_grad(net_batch, T1, T2, T3, Xb, yb, argnums=(0, 1, 2))


def test_four_layer_network_unrolled():
    def net4(T1, T2, T3, T4, X, y):
        A2 = 1.0 / (1.0 + np.exp(-(X @ T1.T)))
        A3 = 1.0 / (1.0 + np.exp(-(A2 @ T2.T)))
        A4 = 1.0 / (1.0 + np.exp(-(A3 @ T3.T)))
        y_hat = 1.0 / (1.0 + np.exp(-(A4 @ T4)))
        return -np.mean(y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat))
    r = np.random.default_rng(3)
    args = (r.standard_normal((5, 3)), r.standard_normal((5, 5)), r.standard_normal((5, 5)),
            r.standard_normal(5), r.standard_normal((7, 3)), (r.random(7) < 0.5) * 1.0)
    assert_grad(net4, *args, argnums=(0, 1, 2, 3))


def relu_net(W1, b1, W2, b2, w3, X, y):
    H1 = np.maximum(X @ W1 + b1, 0.0)
    H2 = np.maximum(H1 @ W2 + b2, 0.0)
    return np.mean((H2 @ w3 - y) ** 2)


def relu_net_by_hand(W1, b1, W2, b2, w3, X, y):
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0.0)
    Z2 = H1 @ W2 + b2
    H2 = np.maximum(Z2, 0.0)
    r = (H2 @ w3 - y) * (2.0 / len(y))
    D2 = np.outer(r, w3) * (Z2 > 0)
    D1 = (D2 @ W2.T) * (Z1 > 0)
    return X.T @ D1, D1.sum(axis=0), H1.T @ D2, D2.sum(axis=0), H2.T @ r


def test_relu_network_with_biases():
    r = np.random.default_rng(11)
    params = (r.standard_normal((4, 6)), 0.1 * r.standard_normal(6),
              r.standard_normal((6, 6)), 0.1 * r.standard_normal(6), r.standard_normal(6))
    Xb, yb = r.standard_normal((9, 4)), r.standard_normal(9)
    ours = grad(relu_net, argnums=(0, 1, 2, 3, 4))(*params, Xb, yb)
    for a, b in zip(ours, relu_net_by_hand(*params, Xb, yb)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert_grad(relu_net, *params, Xb, yb, argnums=(0, 1, 2, 3, 4))
