"""custom_vjp, custom_jvp and defvjp: the rule given is the derivative used (checked with
rules that visibly differ from the true derivative), errors in a rule are reported where
it is registered, and the generated code names each user rule it calls."""
import numpy as np
import pytest

from s2s_ad import (custom_jvp, custom_vjp, defvjp, grad, hessian, jvp, show,
                    stop_gradient)
from s2s_ad.errors import UsageError

from . import rule_author
from .numpy_checks import random

SCALE = -100.0          # what the differentiated function's module means by SCALE

H = 1e-6


# -- custom_vjp: gradient clipping -------------------------------------------------------------

@custom_vjp
def clip_gradient(x):
    return x


def _clip_fwd(x):
    return x, None


def _clip_bwd(residuals, g):
    return (np.clip(g, -1.0, 1.0),)


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def clipped_loss(w):
    return np.sum(clip_gradient(w) * np.array([5.0, 0.5, -3.0]))


@custom_vjp
def scaled_by(x, k):
    return x * k


scaled_by.defvjp(lambda x, k: (x * k, k), lambda k, g: (g * k, None))   # k: no cotangent


def test_a_none_cotangent_is_zero():
    x = random((3,))
    gx, gk = grad(lambda x, k: np.sum(scaled_by(x, k)), argnums=(0, 1))(x, 2.0)
    np.testing.assert_array_equal(gx, np.full(3, 2.0))
    assert gk == 0.0


def test_custom_vjp_with_gradient_clipping_changes_the_gradient_as_defined(capsys):
    w = random((3,))
    assert clipped_loss(w) == np.sum(w * np.array([5.0, 0.5, -3.0]))
    np.testing.assert_array_equal(grad(clipped_loss)(w), [1.0, 0.5, -1.0])
    show(clipped_loss, w)
    assert "# custom_vjp clip_gradient: _clip_bwd" in capsys.readouterr().out


# -- custom_jvp -----------------------------------------------------------------------------

@custom_jvp
def softplus(x):
    return np.log1p(np.exp(x))


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return softplus(x), 2.0 * x_dot / (1.0 + np.exp(-x))    # twice the true derivative


def uses_softplus(x, w):
    return np.sum(softplus(x * w) * x)


def test_custom_jvp_is_the_derivative_in_both_modes(capsys):
    x, w = random((3,)), 0.7
    sig = 1.0 / (1.0 + np.exp(-x * w))
    true_x = softplus(x * w) + w * x * sig
    ruled_x = softplus(x * w) + 2.0 * w * x * sig          # what the rule says
    gx, gw = grad(uses_softplus, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx, ruled_x, rtol=1e-13)
    assert not np.allclose(gx, true_x)
    assert gw == pytest.approx(np.sum(2.0 * x * x * sig), rel=1e-13)
    t = random((3,), seed=1)
    _, tangent = jvp(uses_softplus, (x, w), (t, 0.5))
    assert tangent == pytest.approx(np.dot(gx, t) + 0.5 * gw, rel=1e-12)
    show(uses_softplus, x, w, mode="jvp")
    assert "# custom_jvp softplus: _softplus_jvp" in capsys.readouterr().out


@custom_jvp
def opaque(x):
    return x * x


@opaque.defjvp
def _opaque_jvp(primals, tangents):
    x, = primals
    out = np.empty_like(np.asarray(tangents[0], dtype=float))
    out[...] = 2.0 * x * tangents[0]        # np.empty_like: s2s_ad cannot read this rule
    return x * x, out


def test_a_custom_jvp_rule_s2s_ad_cannot_read_is_transposed_column_by_column():
    x = random((3,))
    np.testing.assert_allclose(grad(lambda x: np.sum(opaque(x) * x))(x), 3 * x * x,
                               rtol=1e-13)


# -- defvjp: a rule for another library's function ----------------------------------------------

def uses_tripled(x):
    return np.sum(rule_author.tripled(x))


def test_defvjp_names_resolve_in_the_rule_authors_module(capsys):
    x = random((3,))
    np.testing.assert_allclose(grad(uses_tripled)(x), 3.0 * np.cos(x), rtol=1e-14)
    show(uses_tripled, x)
    assert "# defvjp tests.rule_author.tripled: g * SCALE * np.cos(x)" in capsys.readouterr().out


def test_defvjp_of_a_scipy_function_without_a_rule():
    special = pytest.importorskip("scipy.special")
    from s2s_ad import rules
    if rules.rule_for_call(special.erfcx) is not None:
        pytest.skip("scipy.special.erfcx has a built-in rule now")
    defvjp(special.erfcx, "x", x=lambda g, ans, x: g * (2 * x * ans - 2 / np.sqrt(np.pi)))
    x = random((3,), low=0.1)
    f = grad(lambda x: np.sum(special.erfcx(x) * x))
    fd = [(np.sum(special.erfcx(x + H * e) * (x + H * e)) -
           np.sum(special.erfcx(x - H * e) * (x - H * e))) / (2 * H) for e in np.eye(3)]
    np.testing.assert_allclose(f(x), fd, rtol=1e-6)


def library_function(x, y):
    return x * y


@pytest.mark.parametrize("register, message", [
    (lambda: defvjp(library_function, "x, y", x="g * yy"), "'yy', which is not defined"),
    (lambda: defvjp(library_function, "x, y", z="g"), "not one of the parameters"),
    (lambda: defvjp(library_function, "x, y", x="g *"), "does not parse"),
    (lambda: defvjp(library_function, "x, y", x=lambda g, x: g), "cannot take 4"),
    (lambda: defvjp(library_function, "x, y", x=3.0), "template string or a function"),
    (lambda: defvjp(2.0, "x", x="g"), "gives a rule to a function"),
    (lambda: custom_vjp(library_function).defvjp(lambda x: x, lambda r, g: g),
     "cannot take 2 argument"),
    (lambda: custom_vjp(library_function).defvjp(lambda x, y: x, "bwd"),
     "must be a function"),
    (lambda: custom_jvp(library_function).defjvp(lambda primals: primals),
     "jvp\\(primals, tangents\\)"),
    (lambda: custom_jvp(lambda x, g: x), "rename the parameter 'g'"),
])
def test_rules_are_checked_when_they_are_registered(register, message):
    with pytest.raises(UsageError, match=message):
        register()


# -- stop_gradient --------------------------------------------------------------------------------

def half_stopped(x):
    return np.sum(stop_gradient(x) * x ** 2)


def test_stop_gradient_blocks_what_it_should_at_first_and_second_order():
    x = random((3,))
    np.testing.assert_allclose(grad(half_stopped)(x), 2.0 * x * x, rtol=1e-14)
    np.testing.assert_allclose(hessian(half_stopped)(x), np.diag(2.0 * x), rtol=1e-14)
    _, tangent = jvp(half_stopped, (x,), (np.ones(3),))
    assert tangent == pytest.approx(np.sum(2.0 * x * x), rel=1e-14)
