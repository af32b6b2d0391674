"""reverse.py's check of discrete arguments: a value that carries a derivative and
reaches an argument the rule never differentiates (an index, a count, an order) is
refused at its line, never given a silent zero; the same call is differentiated when
that argument does not depend on the inputs differentiated."""
import math

import pytest
from scipy import special, stats

from s2s_ad import TranslationError, grad, value_and_grad
from s2s_ad.check import central_difference


def polygamma_of(n, x):
    return special.polygamma(n, x)


def poisson_of(k, mu):
    return stats.poisson.logpmf(k, mu)


def order_from_input(x):
    n = x * 0.0 + 1.0           # a float that carries x's derivative (zero, but active)
    return special.polygamma(n, x)


@pytest.mark.parametrize("f, args, param", [(polygamma_of, (1.0, 2.0), "'n'"),
                                            (poisson_of, (3.0, 2.0), "'k'")])
def test_an_active_discrete_argument_is_refused_at_its_line(f, args, param):
    with pytest.raises(TranslationError) as info:
        grad(f, argnums=(0, 1))(*args)
    message = str(info.value)
    assert param in message and "discrete" in message and "argnums" in message
    assert f"line {f.__code__.co_firstlineno + 1}" in message


def test_an_argument_made_active_inside_the_function_is_refused_too():
    with pytest.raises(TranslationError, match="'n' depends on the differentiated"):
        grad(order_from_input)(2.0)


@pytest.mark.parametrize("f, args", [(polygamma_of, (1.0, 2.0)), (poisson_of, (3.0, 2.0))])
def test_the_same_call_is_differentiated_when_the_argument_is_constant(f, args):
    value, ad = value_and_grad(f, argnums=1)(*args)
    assert value == f(*args)
    fd = central_difference(f, args, 1)
    assert math.isclose(ad, fd, rel_tol=1e-7)
