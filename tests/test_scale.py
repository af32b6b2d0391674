"""Long and deeply nested programs: every pass must handle them without a recursion
limit that grows with the program, and the gradient must stay exact. Timings are in
benchmarks/scale.py, never here."""
import ast
import math

import numpy as np
import pytest

from s2s_ad import grad, value_and_grad
from s2s_ad.check import central_difference

from .case_files import function, load
from s2s_ad.probe import observe

def deepest_expression(source):
    """How deeply the most nested expression of `source` nests."""
    deepest, stack = 0, [(ast.parse(source), 0)]
    while stack:
        node, depth = stack.pop()
        depth += isinstance(node, ast.expr)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def assert_exact_value_and_gradient(f, *args):
    """One compile (these programs are long): the value is f's bit for bit, and the
    gradient with respect to the first argument matches central differences."""
    value, gradient = value_and_grad(f)(*args)
    assert value == f(*args)            # bit for bit: the forward sweep is f's arithmetic
    assert gradient == pytest.approx(central_difference(f, args, 0), rel=1e-6)


def test_two_thousand_statements(tmp_path):
    cycle = ["z = z * 1.0001 + math.sin(z)", "t = z * 0.5",
             "z = z - 0.1 * t + math.cos(t)", "u = t * t * 1e-3", "z = z + u / (1.0 + u)"]
    body = ["z = x"] + [cycle[k % len(cycle)] for k in range(1999)]
    f = load(function(["x"], body, "z"), tmp_path)
    assert_exact_value_and_gradient(f, 0.3)


def test_a_sum_of_ten_thousand_terms_in_the_gradient(tmp_path):
    # y is read 10,000 times, so its adjoint sums 10,000 terms (each x, the adjoint of
    # s, not a literal that would fold away): too deep for compile() as one expression.
    row = " + ".join(["y"] * 100)
    body = ["y = math.sin(x)", "s = 0.0"] + [f"s = s + {row}"] * 100
    f = load(function(["x"], body, "s * x"), tmp_path)
    g = grad(f)
    x = 0.7
    expected = 10_000 * (math.sin(x) + x * math.cos(x))
    assert g(x) == pytest.approx(expected, rel=1e-12)
    assert deepest_expression(g.source) < 100


def test_a_thousand_term_expression(tmp_path):
    terms = " + ".join(f"math.sin(x * {k + 1}.0)" if k % 2 else f"x * {k + 1}.0"
                       for k in range(1000))
    f = load(function(["x"], [f"s = {terms}"], "s"), tmp_path)
    assert_exact_value_and_gradient(f, 0.3)


def test_two_hundred_nested_helper_calls(tmp_path):
    # f calls h1, which calls h2, ... which calls h200.
    helpers = ["def h200(x):\n    return math.sin(x)\n"]
    helpers += [f"def h{k}(x):\n    return h{k + 1}(x) * 1.001 + 0.001\n"
                for k in range(199, 0, -1)]
    f = load("\n".join(helpers) + function(["x"], [], "h1(x)"), tmp_path)
    assert_exact_value_and_gradient(f, 0.4)
    assert grad(f)(0.4) == pytest.approx(1.001 ** 199 * math.cos(0.4), rel=1e-12)


def test_a_hundred_chained_helpers(tmp_path):
    helpers = [f"def h{k}(x):\n    return x * 1.01 + 0.01 * math.sin(x + {k}.0)\n"
               for k in range(100)]
    body = ["z = x"] + [f"z = h{k}(z)" for k in range(100)]
    f = load("\n".join(helpers) + function(["x"], body, "z"), tmp_path)
    assert_exact_value_and_gradient(f, 0.4)
    z, derivative = 0.4, 1.0            # the chain rule, step by step
    for k in range(100):
        derivative *= 1.01 + 0.01 * math.cos(z + k)
        z = z * 1.01 + 0.01 * math.sin(z + k)
    assert grad(f)(0.4) == pytest.approx(derivative, rel=1e-12)


def test_a_name_read_four_hundred_times(tmp_path):
    body = ["y = math.sin(x)", "z = x"] + [f"z = z * 0.999 + y * z * {k}e-4" for k in range(400)]
    f = load(function(["x"], body, "z"), tmp_path)
    assert_exact_value_and_gradient(f, 0.6)


def test_a_loop_body_of_many_statements(tmp_path):
    body = ["z = x", "for i in range(n):"]
    body += [f"    z = z * 0.999 + 0.001 * math.sin(z * {k}.0)" for k in range(300)]
    f = load(function(["x", "n"], body, "z"), tmp_path)
    assert_exact_value_and_gradient(f, 0.3, 3)


def test_the_probe_sees_a_kind_that_changes_in_a_later_iteration(tmp_path):
    # k is an int for five iterations, then a float: its kind must be unknown, not int.
    body = ["s = x", "k = 0", "for i in range(n):",
            "    k = k + 1 if i < 5 else k + 0.5", "    s = s * 1.01 + x * k"]
    f = load(function(["x", "n"], body, "s"), tmp_path)
    compiled = grad(f)._s2s_compiler.compile((0.3, 9))
    changing = [v for v in compiled.kinds if v.startswith("k")]
    assert any(compiled.kinds[v] is None for v in changing), compiled.kinds
    assert_exact_value_and_gradient(f, 0.3, 9)


def test_the_probe_sees_an_array_shape_that_changes_every_iteration(tmp_path):
    body = ["s = x * 0.0", "for i in range(n):",
            "    v = x * np.arange(1.0, i + 2.0)", "    s = s + np.sum(v * v)"]
    f = load(function(["x", "n"], body, "s"), tmp_path)
    compiled = grad(f)._s2s_compiler.compile((0.3, 4))
    assert any(compiled.kinds[v] is None for v in compiled.kinds if v.startswith("v")), \
        compiled.kinds
    assert_exact_value_and_gradient(f, 0.3, 4)
    assert grad(f)(0.3, 4) == pytest.approx(2 * 0.3 * sum(np.sum(np.arange(1.0, i + 2.0) ** 2)
                                                          for i in range(4)), rel=1e-12)


def test_a_value_computed_from_a_changing_kind_is_seen_changing(tmp_path):
    # m = k * 2 is not tested on every iteration by the probe (its kind follows from
    # k's); k turns from int to float mid-loop, so the probe must look again at all.
    body = ["s = x", "k = 0", "for i in range(n):", "    m = k * 2", "    s = s + x * m",
            "    k = k + 0.5 if i >= 3 else k + 1"]
    f = load(function(["x", "n"], body, "s"), tmp_path)
    compiler = grad(f)._s2s_compiler
    observed, _ = observe(compiler.trace, (0.3, 8), dict(compiler.parsed.namespace),
                          compiler.parsed)
    assert observed["m"] is None, observed      # the probe's own finding
    assert_exact_value_and_gradient(f, 0.3, 8)


def test_five_hundred_if_statements_in_a_row(tmp_path):
    # Lowering the code after an `if` recurses once per if (control.py, with the room
    # depth.py gives it); every later pass sees a flat list of 500 branches.
    body = ["z = x"]
    for k in range(500):
        body += [f"if z > {k % 7}.5:", "    z = z * 0.999", "else:", f"    z = z + 0.01 * x * {k}.0"]
    f = load(function(["x"], body, "z"), tmp_path)
    assert_exact_value_and_gradient(f, 0.3)
