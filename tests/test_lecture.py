"""The lecture's worked examples, with their exact numbers."""
import math

import pytest

from s2s_ad import grad, value_and_grad
from s2s_ad.demo.graph import analytic_gradient   # by hand, from the formula f = a * b
from s2s_ad.examples import lecture_graph, lecture_trace


@pytest.mark.parametrize("point", [(2.0, 5.0), (2, 5)])
def test_trace_example_value_and_gradient(point):
    value, (x1_bar, x2_bar) = value_and_grad(lecture_trace, argnums=(0, 1))(*point)
    assert value == pytest.approx(11.652071455223084, abs=1e-12)
    assert x1_bar == pytest.approx(5.5, abs=1e-12)
    assert x2_bar == pytest.approx(1.7163378145367738, abs=1e-12)
    assert type(x1_bar) is float and type(x2_bar) is float
    # the numbers as the lecture's table prints them
    assert round(value, 3) == 11.652 and round(x2_bar, 3) == 1.716


def test_trace_example_gradient_is_the_analytic_one():
    x1, x2 = 2.0, 5.0
    assert grad(lecture_trace, argnums=(0, 1))(x1, x2) == (1 / x1 + x2, x1 - math.cos(x2))


@pytest.mark.parametrize("w", [(1.5, 0.5), (0.3, -1.2), (-2.0, 0.7), (4.0, 2.5)])
def test_graph_example_against_analytic_gradient(w):
    ad = grad(lecture_graph, argnums=(0, 1))(*w)
    expected = analytic_gradient(*w)
    for a, e in zip(ad, expected):
        assert a == pytest.approx(e, rel=1e-12, abs=1e-12)


def test_graph_example_value_is_the_functions_bit_for_bit():
    value, _ = value_and_grad(lecture_graph, argnums=(0, 1))(1.5, 0.5)
    assert value == lecture_graph(1.5, 0.5)


def test_generated_source_reads_like_the_adjoint_trace():
    f = value_and_grad(lecture_trace, argnums=(0, 1))
    f(2.0, 5.0)
    lines = [line.strip() for line in f.source.splitlines()]
    assert "z1 = math.log(x1)" in lines
    assert "z2 = x1 * x2" in lines
    assert "z4 = math.sin(x2)" in lines
    assert "x1_bar = 1.0 / x1 + x2" in lines
    assert "x2_bar = x1 - math.cos(x2)" in lines
    assert lines[-1] == "return z5, (x1_bar, x2_bar)"
