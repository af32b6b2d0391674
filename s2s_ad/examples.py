"""The lecture's worked examples, as users would write them. The demo and the tests
use these."""
import math

import numpy as np


def lecture_trace(x1, x2):
    """f(x1, x2) = ln(x1) + x1*x2 - sin(x2): the forward/reverse trace table example."""
    return math.log(x1) + x1 * x2 - math.sin(x2)


def lecture_graph(w1, w2):
    """f(w1, w2) = (sin(2*pi*w1/w2) + 3*w1/w2 - exp(2*w2)) * (3*w1/w2 - exp(2*w2))."""
    return (math.sin(2 * math.pi * w1 / w2) + 3 * w1 / w2 - math.exp(2 * w2)) \
        * (3 * w1 / w2 - math.exp(2 * w2))


TWO_PI = 2 * math.pi


def lecture_graph_steps(w1, w2):
    """The computation-graph example as the lecture numbers it, one node per line.
    The slide's last step reads z6 = z5 * z3, but its formula (the sum times
    (3 w1/w2 - exp(2 w2))) is z5 * z4: this follows the formula."""
    z1 = w1 / w2
    z2 = math.sin(TWO_PI * z1)
    z3 = math.exp(2 * w2)
    z4 = 3 * z1 - z3
    z5 = z2 + z4
    z6 = z5 * z4
    return z6


def sigmoid(z):
    """g(z) = 1 / (1 + e^{-z}), the lecture's activation."""
    return 1.0 / (1.0 + np.exp(-z))


def lecture_network(theta1, theta2, theta3, x, y):
    """The lecture's network with L = 3 layers, no biases, and its objective
    L(y, y_hat) = y log(y_hat) + (1 - y) log(1 - y_hat) as the slides write it.
    theta1: m x d, theta2: m x m, theta3: m; x: d; y: 0 or 1. The sigmoid is
    written out (s2s_ad reads helpers from user modules, not from its own package)."""
    a1 = x
    z2 = theta1 @ a1
    a2 = 1.0 / (1.0 + np.exp(-z2))
    z3 = theta2 @ a2
    a3 = 1.0 / (1.0 + np.exp(-z3))
    z4 = theta3 @ a3
    a4 = 1.0 / (1.0 + np.exp(-z4))
    return y * np.log(a4) + (1 - y) * np.log(1 - a4)


def logistic_loss(w, X, y):
    """(1/n) sum_i log(1 + exp(-y_i x_i^T w)), labels y_i in {-1, +1}."""
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def squared_loss(w, X, y):
    """(1/n) sum_i (y_i - x_i^T w)^2."""
    return np.mean((y - X @ w) ** 2)
