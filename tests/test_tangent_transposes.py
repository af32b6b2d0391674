"""A small transposed right operand of a few products copied first in the running code
(tangent_transposes.py): only in its band of shapes, only where nothing between writes
into an array, and with the values of the products through the view."""
import ast

import numpy as np
import pytest

from s2s_ad import grad, jvp, tangent_transposes, toolkit
from s2s_ad.kinds import Kind
from s2s_ad.tangent_transposes import contiguous_transposes

from .numpy_checks import random


def matrix(*shape):
    return Kind(np.ndarray, shape, np.dtype(np.float64))


KINDS = {"W": matrix(64, 64), "A": matrix(128, 64), "B": matrix(128, 64),
         "Big": matrix(128, 128), "Few": matrix(8, 64), "t": matrix(64, 64),
         "u": matrix(128, 128)}


def rewritten(source):
    statements = ast.parse(source).body
    out = contiguous_transposes(statements, KINDS.get, "np")
    return ast.unparse(ast.Module(out, []))


def test_the_band_is_copied():
    out = rewritten("t = W.T\nC = A @ t\nD = B @ t\ndel t")
    assert out.startswith("t = np.ascontiguousarray(W.T)\n")


@pytest.mark.parametrize("source", [
    "u = Big.T\nC = A @ u",                      # a matrix beyond the band
    "t = W.T\nC = Few @ t",                      # too few rows on the left
    "t = W.T\nC = t @ A.T",                      # t on the left
    "t = W.T\nC = A @ t\nD = t * 2.0",           # t read otherwise
    "t = W.T\nnp.negative(W, out=W)\nC = A @ t",  # W written before t is read
    "t = W.T\nB += A\nC = A @ t",                # an array written in place between
    "t = W.T",                                   # never read
])
def test_anything_else_is_left_alone(source):
    assert rewritten(source) == ast.unparse(ast.parse(source))


X = random((128, 24), seed=1)


def net(W1, W2):
    A = np.tanh(X @ W1)
    return np.sum(np.sin(np.tanh(A @ W2)))


def test_the_hvp_through_a_copied_transpose_keeps_its_values():
    W1, W2 = random((24, 32), seed=2), random((32, 32), seed=3)
    d1, d2 = random((24, 32), seed=4), random((32, 32), seed=5)
    g = grad(net, argnums=(0, 1))
    kept = [a.copy() for a in (W1, W2, d1, d2)]
    out, product = jvp(g, (W1, W2), (d1, d2))
    for a, k in zip((W1, W2, d1, d2), kept):
        np.testing.assert_array_equal(a, k)
    tangent_transposes.ENABLED = False
    try:
        toolkit._JVP_CACHE.clear()
        from s2s_ad.second_order import _forward_over_reverse
        out0, product0 = _forward_over_reverse(net, (0, 1), (W1, W2), (d1, d2))
    finally:
        tangent_transposes.ENABLED = True
        toolkit._JVP_CACHE.clear()
    for a, b in zip(out + product, out0 + product0):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    step = 1e-6
    plus, minus = g(W1 + step * d1, W2 + step * d2), g(W1 - step * d1, W2 - step * d2)
    for p, a, b in zip(product, plus, minus):
        np.testing.assert_allclose(p, (a - b) / (2 * step), rtol=1e-6, atol=1e-7)
