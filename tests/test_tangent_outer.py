"""The tangent of an outer product as one (n, 2) @ (2, m) product in the jvp code that
runs (tangent_outer.py): the values of the two broadcast products and their sum."""
import inspect

import numpy as np
import pytest

from s2s_ad import grad, jvp, tangent_outer, toolkit
from s2s_ad.tangent_inplace import running_code  # noqa: F401 (where it is applied)

from .numpy_checks import random

X = random((96, 8), seed=1)


def outer_sum(u, v):
    return np.sum(np.tanh(np.expand_dims(u, -1) * v))


def outer_difference(u, v):
    P = np.expand_dims(u, -1) * v
    return np.sum(np.sin(P) - np.expand_dims(u * u, -1) * v)


def row_form(u, v):
    return np.sum(np.cos(np.expand_dims(u, -1) * np.expand_dims(v, 0)))


def net(W, w):
    A = np.tanh(X @ W)
    return np.sum(np.sin(A @ w))


def running(fun, args):
    function = toolkit._Jvp(fun).compiled(args)[0]
    return inspect.getsource(getattr(function, "__wrapped__", function))


def _check(fun, args, tangents):
    out, dot = jvp(fun, args, tangents)
    tangent_outer.ENABLED = False
    try:
        plain = toolkit._Jvp(fun).compiled(args)[0]
    finally:
        tangent_outer.ENABLED = True
    out0, dot0 = plain(*args, *tangents)
    np.testing.assert_array_equal(out, out0)
    np.testing.assert_allclose(dot, dot0, rtol=1e-12, atol=1e-12)
    step = 1e-6
    plus = fun(*[a + step * t for a, t in zip(args, tangents)])
    minus = fun(*[a - step * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(dot, (plus - minus) / (2 * step), rtol=1e-6)


@pytest.mark.parametrize("fun", [outer_sum, outer_difference, row_form])
def test_outer_product_tangents_keep_their_values(fun):
    u, v = random((128,), seed=2), random((64,), seed=3)
    du, dv = random((128,), seed=4), random((64,), seed=5)
    source = running(fun, (u, v))
    assert "np.concatenate(" in source
    # the primal product as einsum where its row operand is 1-d
    assert ("np.einsum('ij,j->ij'" in source) == (fun is not row_form)
    kept = [a.copy() for a in (u, v, du, dv)]
    _check(fun, (u, v), (du, dv))
    for a, k in zip((u, v, du, dv), kept):
        np.testing.assert_array_equal(a, k)


def test_small_outer_products_are_left_as_they_are():
    u, v = random((8,), seed=2), random((4,), seed=3)
    assert "np.concatenate(" not in running(outer_sum, (u, v))
    assert "einsum" not in running(outer_sum, (u, v))
    _check(outer_sum, (u, v), (random((8,), seed=4), random((4,), seed=5)))


def test_the_hessian_vector_product_of_a_matrix_vector_layer():
    """The reverse rule of A @ w writes A's adjoint as an outer product: its tangent in
    the HVP is where the rewrite matters."""
    W, w = random((8, 32), seed=6), random((32,), seed=7)
    dW, dw = random((8, 32), seed=8), random((32,), seed=9)
    g = grad(net, argnums=(0, 1))
    _, product = jvp(g, (W, w), (dW, dw))
    step = 1e-6
    plus, minus = g(W + step * dW, w + step * dw), g(W - step * dW, w - step * dw)
    for p, a, b in zip(product, plus, minus):
        np.testing.assert_allclose(p, (a - b) / (2 * step), rtol=1e-6, atol=1e-8)
