"""A matrix times a vector and times its tangent as one product in the jvp code that
runs (tangent_pairs.py): the same values as two products, both halves their own."""
import ast
import inspect

import numpy as np
import pytest

from s2s_ad import jvp, tangent_pairs, toolkit
from s2s_ad.kinds import Kind
from s2s_ad.tangent_pairs import paired

from .numpy_checks import random

X = random((7, 4), seed=1)
Y = random((4, 7), seed=2)


def logistic(w):
    return np.mean(np.log(1.0 + np.exp(-(X @ w))))


def both_sides(w):
    r = np.tanh(X @ w)
    s = X.T @ r                 # a transposed matrix: [r; r_dot] @ X
    s[0] = 2.0 * s[1]           # written into: the other half must not change
    return np.sum(s * s) + np.sum(Y @ r)


def running(fun, args):
    function = toolkit._Jvp(fun).compiled(args)[0]
    return inspect.getsource(getattr(function, "__wrapped__", function))


@pytest.mark.parametrize("fun", [logistic, both_sides])
def test_paired_products_give_the_values_of_two_products(fun):
    w, t = random((4,), seed=3), random((4,), seed=4)
    out, dot = jvp(fun, (w,), (t,))
    tangent_pairs.ENABLED = False
    try:
        plain = toolkit._Jvp(fun).compiled((w,))[0]
    finally:
        tangent_pairs.ENABLED = True
    out0, dot0 = plain(w, t)
    np.testing.assert_allclose(out, out0, rtol=1e-13)
    np.testing.assert_allclose(dot, dot0, rtol=1e-12)
    step = 1e-6
    central = (fun(w + step * t) - fun(w - step * t)) / (2 * step)
    np.testing.assert_allclose(dot, central, rtol=1e-6)


def test_the_running_code_takes_one_product():
    w = random((4,), seed=3)
    assert "np.column_stack((w, w_dot))" in running(logistic, (w,))
    assert "@ X\n" in running(both_sides, (w,))


V = Kind(np.ndarray, (4,), np.dtype(np.float64))
R = Kind(np.ndarray, (7,), np.dtype(np.float64))
M = Kind(np.ndarray, (7, 4), np.dtype(np.float64))
F32 = Kind(np.ndarray, (4,), np.dtype(np.float32))


def rewrite(source, kinds):
    return [ast.unparse(s) for s in paired(ast.parse(source).body, kinds.get, "np")]


def test_only_two_products_of_one_matrix_with_float64_vectors_are_paired():
    kinds = {"X": M, "u": V, "v": V, "a": R, "b": R, "f": F32, "c": R}
    assert rewrite("a = X @ u\ndel u\nb = X @ v", kinds) == \
        ["a, b = (X @ np.column_stack((u, v))).T", "del u"]
    assert rewrite("a = X @ u\nc = a * 2.0\nb = X @ v", kinds)[0] == "a = X @ u"
    assert rewrite("a = X @ u\nb = X @ f", kinds)[0] == "a = X @ u"
    assert rewrite("a = X @ u\nb = X @ a", kinds)[0] == "a = X @ u"
    assert rewrite("a = X @ u\nb = Z @ v", dict(kinds, Z=M))[0] == "a = X @ u"
