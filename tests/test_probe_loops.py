"""The probe's settled loops (s2s_ad/probe_loops.py): a loop of kind-following
statements is checked only until its kinds repeat, and at the top of the function may
stop there. Each test compares the kinds with those of the probe that checks every
iteration (`settle_loops=False`): they must be equal, kinds that change late included."""
import random
import warnings

import numpy as np
import pytest

from s2s_ad import grad, probe_loops, value_and_grad
from s2s_ad.check import central_difference
from s2s_ad.errors import TranslationError
from s2s_ad.probe import observe

from .case_files import function, load

def both_ways(f, args):
    """(kinds with settled loops, kinds checked every iteration, did a loop stop?)."""
    compiler = grad(f)._s2s_compiler
    stops = []
    original = probe_loops.Stopper.__call__

    def counting(self):
        stops.append(1)
        return original(self)
    probe_loops.Stopper.__call__ = counting
    try:
        settled = observe(compiler.trace, args, dict(compiler.parsed.namespace),
                          compiler.parsed)
    finally:
        probe_loops.Stopper.__call__ = original
    every = observe(compiler.trace, args, dict(compiler.parsed.namespace), compiler.parsed,
                    settle_loops=False)
    return settled, every, bool(stops)


def kinds_of(f, args, prefix):
    settled, every, _ = both_ways(f, args)
    assert settled == every
    return {name: kind for name, kind in settled[0].items() if name.startswith(prefix)}


def test_a_kind_that_reaches_a_value_three_iterations_late(tmp_path):
    # c turns float in the first iteration, b in the second, a in the third: the probe
    # must keep checking until an iteration changes nothing.
    body = ["a = 1", "b = 1", "c = 1", "s = x", "for i in range(n):",
            "    a = b", "    b = c", "    c = c / 2", "    s = s + x * a"]
    f = load(function(["x", "n"], body, "s"), tmp_path)
    for n in (2, 3, 4, 9):
        settled, every, stopped = both_ways(f, (0.3, n))
        assert settled == every
    assert stopped                      # n = 9: the loop left early
    assert any(kind is None or kind.pytype is float
               for name, kind in settled[0].items() if name.startswith("a"))
    value, g = value_and_grad(f)(0.3, 9)
    assert value == f(0.3, 9)
    assert g == pytest.approx(central_difference(f, (0.3, 9), 0), rel=1e-6)


def test_a_shape_that_grows_by_broadcasting_a_few_iterations_late(tmp_path):
    body = ["a = x * np.ones(1)", "b = x * np.ones(1)", "for i in range(n):",
            "    a = a + b", "    b = b + w"]
    f = load(function(["x", "w", "n"], body, "np.sum(a)"), tmp_path)
    w = np.array([0.1, 0.2, 0.3])
    kinds = kinds_of(f, (0.3, w, 6), "a")
    assert all(kind is None or kind.shape in ((1,), (3,)) for kind in kinds.values())
    value, g = value_and_grad(f)(0.3, w, 6)
    assert value == f(0.3, w, 6)
    assert g == pytest.approx(central_difference(f, (0.3, w, 6), 0), rel=1e-6)


def test_a_shape_that_grows_by_concatenation_every_iteration(tmp_path):
    body = ["v = x * np.ones(1)", "for i in range(n):", "    v = np.concatenate([v, v * x])"]
    f = load(function(["x", "n"], body, "np.sum(v)"), tmp_path)
    settled, every, stopped = both_ways(f, (0.3, 5))
    assert settled == every and not stopped
    assert any(kind is None for name, kind in settled[0].items() if name.startswith("v"))
    with pytest.raises(TranslationError, match="shape of 'v'"):    # refused, as before
        grad(f)(0.3, 5)


def test_a_branch_that_switches_type_at_iteration_1000(tmp_path):
    body = ["s = x", "k = 0", "for i in range(n):",
            "    k = k + 1 if i < 1000 else k + 0.5", "    s = s * 0.999 + x * k * 1e-6"]
    f = load(function(["x", "n"], body, "s"), tmp_path)
    kinds = kinds_of(f, (0.3, 1200), "k")
    assert any(kind is None for kind in kinds.values()), kinds
    value, g = value_and_grad(f)(0.3, 1200)
    assert value == f(0.3, 1200)
    assert g == pytest.approx(central_difference(f, (0.3, 1200), 0), rel=1e-6)


def test_an_inner_loop_entered_with_a_new_kind_on_a_later_run(tmp_path):
    # The inner loop's carried t is an int on the outer loop's first run, a float after.
    body = ["s = x", "t0 = 1", "for j in range(m):", "    t = t0",
            "    for i in range(n):", "        t = t + 1", "        s = s + x * t",
            "    t0 = t0 * 0.5"]
    f = load(function(["x", "m", "n"], body, "s"), tmp_path)
    settled, every, _ = both_ways(f, (0.3, 3, 5))
    assert settled == every
    value, g = value_and_grad(f)(0.3, 3, 5)
    assert value == f(0.3, 3, 5)
    assert g == pytest.approx(central_difference(f, (0.3, 3, 5), 0), rel=1e-6)


def test_code_after_a_stopped_loop_that_fails_on_the_values_left(tmp_path):
    # Stopped after two iterations z would be -1.0 and math.sqrt(z) raise; f's z is 2.0.
    body = ["z = x - 3.3", "for i in range(n):", "    z = z + 1.0"]
    f = load(function(["x", "n"], body, "math.sqrt(z)"), tmp_path)
    settled, every, stopped = both_ways(f, (0.3, 5))
    assert stopped and settled == every
    value, g = value_and_grad(f)(0.3, 5)
    assert value == f(0.3, 5)
    assert g == pytest.approx(0.5 / value, rel=1e-12)


def test_code_after_a_stopped_loop_warns_nothing(tmp_path):
    # Stopped early, z would hold a zero: 1.0 / z would warn (an error under pytest).
    body = ["z = x - 2.5", "for i in range(n):", "    z = z + 1.0"]
    f = load(function(["x", "n"], body, "1.0 / z"), tmp_path)
    x = np.float64(0.5)                 # NumPy's scalar division warns, Python's raises
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")     # not pytest's "error" (that would rerun it)
        settled, every, stopped = both_ways(f, (x, 6))
    assert not caught, [str(w.message) for w in caught]
    assert stopped and settled == every
    value, g = value_and_grad(f)(x, 6)
    assert value == f(x, 6)
    assert g == pytest.approx(-1.0 / (x + 3.5) ** 2, rel=1e-12)


def test_a_while_loop_settles(tmp_path):
    body = ["z = x", "k = 0", "while k < n:", "    z = z * 0.5 + 1", "    k = k + 1"]
    f = load(function(["x", "n"], body, "z"), tmp_path)
    for args in ((3, 0), (3, 1), (3, 4), (0.3, 4)):
        settled, every, stopped = both_ways(f, args)
        assert settled == every and not stopped       # only for loops stop


# Random loops of kind-following statements over ints, floats and arrays of shapes that
# broadcast into each other: kinds that change in the first few iterations, the rest not.
_OPS = ["{a} + {b}", "{a} - {b}", "{a} * 0.5", "{a} / 2", "-{a}", "{a} + 1", "{a}",
        "{a} * {b}", "math.sin({a})"]
_STARTS = ["1", "x", "2 * x", "x * np.ones(1)", "x * np.ones((2, 1))", "w", "w + 1"]


def random_loop(r):
    names = ["a", "b", "c", "d"][:r.randint(2, 4)]
    body = [f"{n} = {r.choice(_STARTS)}" for n in names] + ["for i in range(n):"]
    for _ in range(r.randint(1, 5)):
        op = r.choice(_OPS)
        if op.startswith("math.sin"):
            a = r.choice(["x", "i"])        # math.sin of an array raises
        else:
            a = r.choice(names + ["i", "x"])
        body.append(f"    {r.choice(names)} = " + op.format(a=a, b=r.choice(names + ["x"])))
    tail = " + ".join(names)            # kind-following: the loop may stop
    return function(["x", "w", "n"], body, tail)


def test_random_loops_give_the_kinds_of_the_probe_that_checks_every_iteration(tmp_path):
    r = random.Random(20261130)
    w = np.array([0.1, 0.2, 0.3])
    stops = compared = 0
    for _ in range(40):
        f = load(random_loop(r), tmp_path)
        for n in (0, 1, 3, 12):
            try:
                settled, every, stopped = both_ways(f, (0.3, w, n))
            except (ValueError, TypeError):     # shapes that do not broadcast
                continue
            assert settled == every, f
            stops += stopped
            compared += 1
    assert compared > 60 and stops > 10


def test_a_value_computed_from_a_growing_list_is_tested_every_iteration(tmp_path):
    # v = array + L takes its shape from L's length, which is not in a list's kind: v
    # must not be noted only at the end (its last shape, (8,), taken for every iteration
    # gave 26.4).
    body = ["L = [1.0]", "s = x * np.ones(1)", "for i in range(n):", "    L = L + L",
            "    v = x * np.ones(1) + L", "    s = s * 1.0 + np.sum(v) * x"]
    f = load(function(["x", "n"], body, "np.sum(s)"), tmp_path)
    settled, every, _ = both_ways(f, (0.3, 3))
    assert settled == every and settled[0]["v"] is None
    assert grad(f)(0.3, 3) == pytest.approx(central_difference(f, (0.3, 3), 0), rel=1e-6)
