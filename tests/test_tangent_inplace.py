"""Arithmetic in place in the generated jvp that runs (tangent_inplace.py): the same
values as the code without it, the caller's arrays untouched, and no temporary written
into while anything else can see it (a view, a copy, a second read in the statement, a
broadcast, another dtype)."""
import ast
import inspect

import numpy as np
import pytest

from s2s_ad import grad, jvp, tangent_inplace, toolkit
from s2s_ad.kinds import Kind
from s2s_ad.tangent_inplace import in_place

from .numpy_checks import random

X = random((6, 4), seed=1)
ROW = random((1, 3), seed=8)


def sigmoid_layers(W1, W2):
    A = 1.0 / (1.0 + np.exp(-(X @ W1)))
    B = 1.0 / (1.0 + np.exp(-(A @ W2)))
    return np.mean(np.log(1.0 - B) - B)


def viewed(x):
    a = x * x + 1.0             # a temporary later read through a view
    b = a.T * 2.0 + a[::-1].T
    c = (a + x) * (a - x)       # read twice in one statement
    return np.sum(b * c) + np.sum(a * x)


def broadcast(x):
    r = np.sum(x, axis=0, keepdims=True) * x[:1]    # (1, 3), added into (3, 3)
    return np.sum(r + x * x - r / (x + 2.0))


def loss_of_two(W1, W2):
    return sigmoid_layers(W1, W2)


CASES = [(sigmoid_layers, (random((4, 3), seed=2), random((3, 2), seed=3))),
         (viewed, (random((3, 3), seed=4),)), (broadcast, (random((3, 3), seed=5),))]


def without(fun, args):
    tangent_inplace.ENABLED = False
    try:
        return toolkit._Jvp(fun).compiled(args)[0]
    finally:
        tangent_inplace.ENABLED = True


@pytest.mark.parametrize("fun, args", CASES)
def test_in_place_code_gives_the_same_values_and_leaves_the_arguments(fun, args):
    tangents = tuple(random(np.shape(a), seed=9) for a in args)
    kept = [a.copy() for a in args + tangents]
    before = without(fun, args)
    out, dot = jvp(fun, args, tangents)
    out0, dot0 = before(*args, *tangents)
    # (the same operations on the same numbers; a sum over an array written in place
    # may add in another order when its layout differs: a transposed operand's)
    np.testing.assert_allclose(dot, dot0, rtol=1e-13, atol=0)
    np.testing.assert_allclose(out, out0, rtol=1e-13, atol=0)
    for a, k in zip(args + tangents, kept):
        np.testing.assert_array_equal(a, k)


def test_hessian_vector_product_is_the_same_with_and_without():
    args = (random((4, 3), seed=2), random((3, 2), seed=3))
    tangents = (random((4, 3), seed=6), random((3, 2), seed=7))
    gradient = grad(loss_of_two, argnums=(0, 1))
    _, hv = jvp(gradient, args, tangents)
    generated = gradient.compile(*args)
    generated = getattr(generated, "__wrapped__", generated)
    _, hv0 = without(generated, args)(*args, *tangents)
    for a, b in zip(hv, hv0):
        np.testing.assert_array_equal(a, b)


def test_a_float32_tangent_is_taken_as_float64():
    args = (random((4, 3), seed=2), random((3, 2), seed=3))
    tangents = tuple(random(np.shape(a), seed=9).astype(np.float32) for a in args)
    _, dot = jvp(sigmoid_layers, args, tangents)
    _, dot0 = without(sigmoid_layers, args)(*args, *(t.astype(float) for t in tangents))
    assert np.asarray(dot).dtype == np.float64
    np.testing.assert_allclose(dot, dot0, rtol=1e-12)


def test_the_code_shown_is_not_written_in_place():
    args = (random((4, 3), seed=2), random((3, 2), seed=3))
    source = toolkit.jvp_source(sigmoid_layers, *args)
    assert "+=" not in source and "*=" not in source and "out=" not in source
    function = toolkit._Jvp(sigmoid_layers).compiled(args)[0]
    running = inspect.getsource(getattr(function, "__wrapped__", function))
    assert "*=" in running


# -- the rewrite on its own, with kinds given -----------------------------------------

M = Kind(np.ndarray, (4, 3), np.dtype(np.float64))
R = Kind(np.ndarray, (1, 3), np.dtype(np.float64))
F32 = Kind(np.ndarray, (4, 3), np.dtype(np.float32))


def rewrite(source, kinds):
    body = ast.parse(source).body
    return [ast.unparse(s) for s in in_place(body, kinds.get, "np")]


def test_a_sum_of_products_adds_into_the_first():
    kinds = dict.fromkeys("abcdx", M)
    assert rewrite("x = a * b + c * d", kinds) == ["x = a * b", "x += c * d"]
    assert rewrite("x = a - c * d", kinds) == ["x = c * d", "np.subtract(a, x, out=x)"]


def test_a_dying_temporary_lends_its_array_only_when_nothing_else_sees_it():
    kinds = dict.fromkeys("abctvx", M)
    assert rewrite("t = a * b\nx = t * c\ndel t", kinds)[1:3] == ["x = t", "x *= c"]
    # still alive after the statement (no del): not written into
    assert rewrite("t = a * b\nx = t * c", kinds)[1] == "x = t * c"
    # a view of it exists
    assert rewrite("t = a * b\nv = t.T\nx = t * c\ndel t", kinds)[2] == "x = t * c"
    # a copy of it exists
    assert rewrite("t = a * b\nv = t\nx = t * c\ndel t", kinds)[2] == "x = t * c"
    # read twice in the statement: (t + a) must not see t changed by (t - a)'s step
    assert "x = t" not in rewrite("t = a * b\nx = (t + a) * (t - a)\ndel t", kinds)
    # a parameter (never bound here) is never written into
    assert rewrite("x = a * c\ndel a", kinds) == ["x = a * c", "del a"]


def test_no_broadcast_or_other_dtype_is_written_into():
    kinds = {"r": R, "t": R, "a": M, "x": M, "f": F32, "g": F32}
    assert rewrite("x = r * r + a", kinds) == ["x = r * r + a"]
    assert rewrite("t = r * r\nx = t + a\ndel t", kinds)[1] == "x = t + a"
    assert rewrite("x = f * g + a", dict(kinds, x=M)) == ["x = f * g + a"]
    # unknown kinds: left alone
    assert rewrite("x = u * v + w", {"x": M}) == ["x = u * v + w"]


def test_sums_and_means_call_the_reduction_with_the_same_result():
    from s2s_ad.running_calls import direct_calls
    kinds = {"a": M, "i": Kind(np.ndarray, (4, 3), np.dtype(np.int64)),
             "e": Kind(np.ndarray, (0,), np.dtype(np.float64))}
    body = ast.parse("m = np.mean(a)\ns = np.sum(a)\nn = np.mean(i)\nk = np.sum(a, axis=0)"
                     "\nz = np.mean(e)").body
    out = [ast.unparse(s) for s in direct_calls(body, kinds.get, "np")]
    assert out == ["m = np.add.reduce(a, axis=None) / 12", "s = np.add.reduce(a, axis=None)",
                   "n = np.mean(i)", "k = np.sum(a, axis=0)", "z = np.mean(e)"]
    for seed in range(5):
        a = random((4, 3), seed=seed) * 10.0 ** seed
        assert np.add.reduce(a, axis=None) / 12 == np.mean(a)
        assert np.add.reduce(a.T, axis=None) == np.sum(a.T)


def test_expand_dims_is_the_same_view():
    from s2s_ad.running_calls import direct_calls
    kinds = {"a": M, "v": Kind(np.ndarray, (3,), np.dtype(np.float64))}
    body = ast.parse("b = np.expand_dims(a, -1)\nc = np.expand_dims(v, 0)\n"
                     "d = np.expand_dims(a, 1)\ne = np.expand_dims(v, 1)").body
    out = [ast.unparse(s) for s in direct_calls(body, kinds.get, "np")]
    assert out == ["b = a[..., None]", "c = v[None]", "d = np.expand_dims(a, 1)",
                   "e = v[..., None]"]
    a = random((4, 3), seed=1)
    for axis, view in [(-1, a[..., None]), (0, a[None]), (2, a[..., None])]:
        np.testing.assert_array_equal(np.expand_dims(a, axis), view)
        assert np.shares_memory(view, a)
