"""Programs as people write them (issue 9's "done when"), run as written: an MLP whose
parameters are a list of (W, b) tuples, trained for a few steps; a model whose
parameters are a dict; an RK4 integrator with a nested `deriv` closure and state
unpacking; `grad(lambda ...)`. Gradients are checked against autograd running the same
code (globals' `np` swapped for autograd.numpy)."""
import types
from collections import namedtuple

import autograd
import autograd.numpy as anp
import numpy as np

from s2s_ad import grad, value_and_grad


def autograd_version(f, **more):
    return types.FunctionType(f.__code__, {**f.__globals__, "np": anp, **more},
                              f.__name__, f.__defaults__, f.__closure__)


def assert_tree_close(got, want, rtol=1e-11):
    if isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want)
        for k in want:
            assert_tree_close(got[k], want[k], rtol)
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_tree_close(a, b, rtol)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-13)


# -- an MLP with its parameters in a list, trained with its gradient -------------------

def relu(x):
    return np.maximum(x, 0.0)


def predict(params, x):
    h = x
    for W, b in params[:-1]:
        h = relu(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def mse(params, x, y):
    err = predict(params, x)[:, 0] - y
    return np.mean(err ** 2) + 1e-3 * sum(np.sum(W ** 2) for W, _ in params)


def init(rng, sizes):
    return [(rng.normal(size=(m, n)) * np.sqrt(2.0 / m), np.zeros(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def test_mlp_with_list_parameters_trains(rng):
    x = rng.normal(size=(64, 3))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2]
    params = init(rng, (3, 16, 16, 1))
    step = value_and_grad(mse)
    losses = []
    for it in range(30):
        loss, g = step(params, x, y)
        if it == 0:
            assert_tree_close(g, autograd.grad(autograd_version(mse, relu=autograd_version(
                relu), predict=autograd_version(predict, relu=autograd_version(relu))))(
                    params, x, y))
        params = [(W - 0.05 * gW, b - 0.05 * gb) for (W, b), (gW, gb) in zip(params, g)]
        losses.append(loss)
    assert losses[-1] < 0.7 * losses[0]
    assert len(step.sources) == 1           # one structure, one signature: one compile


# -- parameters in a dict ------------------------------------------------------------------

def logistic(p, X, y):
    logits = X @ p["w"] + p["bias"]
    nll = np.mean(np.logaddexp(0.0, -y * logits))
    return nll + p["l2"] * np.sum(p["w"] ** 2), {"accuracy": np.mean(y * logits > 0)}


def test_dict_parameters_with_aux_train(rng):
    X = rng.normal(size=(100, 4))
    y = np.where(X @ np.array([1.0, -2.0, 0.5, 0.0]) > 0, 1.0, -1.0)
    p = {"w": np.zeros(4), "bias": 0.0, "l2": 0.01}
    gf = grad(logistic, has_aux=True)
    g, aux = gf(p, X, y)
    want = autograd.grad(lambda p: autograd_version(logistic)(p, X, y)[0])(p)
    assert_tree_close(g, want)
    for _ in range(40):
        g, aux = gf(p, X, y)
        p = {k: p[k] - 0.5 * g[k] if k != "l2" else p[k] for k in p}
    assert aux["accuracy"] > 0.9 and type(g["bias"]) is float


# -- RK4 with a nested deriv closure and state unpacking --------------------------------

Pendulum = namedtuple("Pendulum", "gravity length damping")


def rk4_final_energy(params, theta0, steps=20, h=0.05):
    g, length, damping = params

    def deriv(state):
        theta, omega = state
        return (omega, -g / length * np.sin(theta) - damping * omega)

    state = (theta0, 0.0)
    for _ in range(steps):
        k1 = deriv(state)
        k2 = deriv((state[0] + 0.5 * h * k1[0], state[1] + 0.5 * h * k1[1]))
        k3 = deriv((state[0] + 0.5 * h * k2[0], state[1] + 0.5 * h * k2[1]))
        k4 = deriv((state[0] + h * k3[0], state[1] + h * k3[1]))
        theta, omega = state
        state = (theta + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
                 omega + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))
    theta, omega = state
    return 0.5 * length ** 2 * omega ** 2 + g * length * (1 - np.cos(theta))


def test_rk4_with_a_nested_closure_and_a_namedtuple_of_parameters():
    params = Pendulum(9.81, 1.3, 0.2)
    (value, g) = value_and_grad(rk4_final_energy, argnums=(0, 1))(params, 0.8)
    assert value == rk4_final_energy(params, 0.8)
    gp, gtheta = g
    assert type(gp) is Pendulum
    reference = autograd_version(rk4_final_energy)
    for i, field in enumerate(Pendulum._fields):
        want = autograd.grad(lambda *v: reference(tuple(v), 0.8), argnum=i)(*params)
        np.testing.assert_allclose(getattr(gp, field), want, rtol=1e-11)
    np.testing.assert_allclose(gtheta, autograd.grad(reference, 1)(tuple(params), 0.8),
                               rtol=1e-11)


# -- grad of lambdas ---------------------------------------------------------------------

def test_grad_of_lambdas_on_trees_and_arrays(rng):
    w = rng.normal(size=3)
    g = grad(lambda p: np.sum(np.tanh(p["w"]) * p["s"]))({"w": w, "s": 2.0})
    np.testing.assert_allclose(g["w"], 2.0 * (1 - np.tanh(w) ** 2), rtol=1e-14)
    assert g["s"] == np.sum(np.tanh(w))
    square = grad(lambda x: x ** 2)
    assert square(3.0) == 6.0
