"""An array the running tangent code would compute twice is computed once
(tangent_reuse.py), and only where nothing between could change what it reads."""
import ast

import numpy as np
import pytest

from s2s_ad import grad, jvp, tangent_reuse, toolkit
from s2s_ad.kinds import Kind
from s2s_ad.tangent_reuse import reuse

from .numpy_checks import random

ARRAY = Kind(np.ndarray, (3, 4), np.dtype(np.float64))


def kind_of(name):
    return ARRAY


def rewritten(source):
    statements = ast.parse(source).body
    return ast.unparse(ast.Module(reuse(statements, kind_of, "np"), []))


def test_a_later_value_is_computed_where_it_is_first_needed():
    out = rewritten("d = u * a * (1.0 - a)\nb = np.exp(d)\nt = 1.0 - a\nr = t * b")
    assert out == "t = 1.0 - a\nd = u * a * t\nb = np.exp(d)\nr = t * b"


@pytest.mark.parametrize("between", [
    "a = np.exp(u)",                    # a rebound
    "np.negative(u, out=a)",            # written into
    "np.copyto(a, u)",                  # written into without out=
    "a.fill(0.0)",                      # a method call
    "a[0] = 1.0",                       # an element stored
    "b = helper(a)",                    # an unknown call
    "del a",
])
def test_nothing_that_could_change_the_value_lies_between(between):
    source = f"d = u * (1.0 - a)\n{between}\nt = 1.0 - a\nr = t * d"
    assert rewritten(source) == ast.unparse(ast.parse(source))


def test_a_name_read_before_its_statement_is_left_alone():
    source = "t = u * 2.0\nd = u * (1.0 - a)\nt = 1.0 - a\nr = t * d"
    assert rewritten(source) == ast.unparse(ast.parse(source))


X = random((40, 6), seed=1)


def net(W, w):
    A = 1.0 / (1.0 + np.exp(-(X @ W)))
    return np.sum(np.log(1.0 + A @ w))


def _running_source(g, args):
    import inspect
    from s2s_ad.scalar_loops import plain_code
    from s2s_ad.tape_reading import forward_readable
    with plain_code():
        generated = grad(net, argnums=(0, 1)).compile(*args)
    function = toolkit._jvp_of(forward_readable(generated)).compiled(args)[0]
    return inspect.getsource(function)


def test_the_network_hvp_shares_the_sigmoids_complement_and_keeps_its_values():
    W, w = random((6, 5), seed=2), random((5,), seed=3) ** 2
    dW, dw = random((6, 5), seed=4), random((5,), seed=5)
    g = grad(net, argnums=(0, 1))
    out, product = jvp(g, (W, w), (dW, dw))
    once = _running_source(g, (W, w)).count("1.0 - ")
    tangent_reuse.ENABLED = False
    try:
        toolkit._JVP_CACHE.clear()
        from s2s_ad.second_order import _forward_over_reverse
        out0, product0 = _forward_over_reverse(net, (0, 1), (W, w), (dW, dw))
        assert _running_source(g, (W, w)).count("1.0 - ") == once + 1
    finally:
        tangent_reuse.ENABLED = True
        toolkit._JVP_CACHE.clear()
    for a, b in zip(out + product, out0 + product0):
        np.testing.assert_array_equal(a, b)
    step = 1e-6
    plus, minus = g(W + step * dW, w + step * dw), g(W - step * dW, w - step * dw)
    for p, a, b in zip(product, plus, minus):
        np.testing.assert_allclose(p, (a - b) / (2 * step), rtol=1e-6, atol=1e-8)



def test_a_value_far_later_is_found_past_thousands_of_statements():
    lines = ["d0 = u * (1.0 - a)"]
    lines += [f"d{k} = d{k - 1} * u" for k in range(1, 4000)]
    lines += ["t = 1.0 - a", "r = t * d3999"]
    out = reuse(ast.parse("\n".join(lines)).body, kind_of, "np")
    assert [ast.unparse(s) for s in out[:2]] == ["t = 1.0 - a", "d0 = u * t"]
    assert len(out) == len(lines) and ast.unparse(out[-1]) == "r = t * d3999"
