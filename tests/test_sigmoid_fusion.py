"""`1.0 / (1.0 + np.exp(-u))` as one sigmoid statement (sigmoid_fusion.py,
rules/sigmoid.py): its derivative A * (1 - A) agrees with finite differences and with
the rule-by-rule derivative, in reverse mode, forward mode and forward over reverse;
chains whose pieces are read elsewhere are left as they were."""
import inspect

import numpy as np
import pytest

from s2s_ad import grad, jvp, sigmoid_fusion, toolkit

from .numpy_checks import random

X = random((5, 3), seed=1)


def spelled_with_floats(w):
    return np.sum(1.0 / (1.0 + np.exp(-(X @ w))) ** 2)


def spelled_with_ints(w):
    a = 1 / (1 + np.exp(-w))
    return np.sum(a * w)


def one_added_on_the_right(w):
    return np.sum(np.log(1.0 / (np.exp(-(X @ w)) + 1.0)))


def exp_read_again(w):
    e = np.exp(-w)
    a = 1.0 / (1.0 + e)
    return np.sum(a * e)


def two_layers(w):
    a = 1.0 / (1.0 + np.exp(-(X @ w)))
    b = 1.0 / (1.0 + np.exp(-(a * a - 0.5)))
    return np.sum(b * a)


def scalar(x):
    return 1.0 / (1.0 + np.exp(-x)) * x


FUNCTIONS = [spelled_with_floats, spelled_with_ints, one_added_on_the_right,
             exp_read_again, two_layers]


def rule_by_rule(make):
    sigmoid_fusion.ENABLED = False
    try:
        return make()
    finally:
        sigmoid_fusion.ENABLED = True


def central(f, x, t, step=1e-6):
    return (f(x + step * t) - f(x - step * t)) / (2 * step)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_gradient_and_tangent_agree_with_differences_and_the_rules(f):
    w, t = random((3,), seed=2), random((3,), seed=3)
    g = grad(f)(w)
    np.testing.assert_allclose(g @ t, central(f, w, t), rtol=1e-6)
    np.testing.assert_allclose(g, rule_by_rule(lambda: grad(f).compile(w)(w)), rtol=1e-13)
    _, dot = jvp(f, (w,), (t,))
    np.testing.assert_allclose(dot, g @ t, rtol=1e-12)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_hessian_vector_product_agrees_with_differences_of_the_gradient(f):
    w, t = random((3,), seed=4), random((3,), seed=5)
    gradient = grad(f)
    _, hv = jvp(gradient, (w,), (t,))
    np.testing.assert_allclose(hv, central(gradient, w, t), rtol=1e-5, atol=1e-9)


def test_a_scalar_argument_and_the_tail():
    for x in (0.3, -2.0, 12.0, 30.0):
        d = grad(scalar)(x)
        s = 1.0 / (1.0 + np.exp(-x))
        np.testing.assert_allclose(d, s + x * s * s * np.exp(-x), rtol=1e-12)


def test_the_derivative_reads_the_result_and_a_shared_exp_is_not_fused():
    w = random((3,), seed=2)
    source = source_of(grad(two_layers), w)
    assert source.count("* (1.0 - ") == 2 and "np.exp(-" in source
    assert "(1.0 - " not in source_of(grad(exp_read_again), w)


def source_of(gradient, w):
    compiled = gradient.compile(w)
    return inspect.getsource(getattr(compiled, "__wrapped__", compiled))


def test_forward_mode_source_spells_the_users_expression():
    w = random((3,), seed=2)
    source = toolkit.jvp_source(two_layers, w)
    assert "1.0 / (1.0 + np.exp(-" in source


def written_between(w):
    u = w * 2.0
    e = np.exp(-u)
    u[0] = 5.0                  # changes u after exp(-u) read it
    a = 1.0 / (1.0 + e)
    return np.sum(a * u)


def test_a_write_between_leaves_the_chain_rule_by_rule():
    w, t = random((3,), seed=2), random((3,), seed=3)
    g = grad(written_between)(w)
    np.testing.assert_allclose(g @ t, central(written_between, w, t), rtol=1e-6)
    assert "(1.0 - " not in source_of(grad(written_between), w)
