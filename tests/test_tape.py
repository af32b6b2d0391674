"""The tape's push/pop pairing is structural: nested loops, helpers with loops called
from loops, and the S2S_AD_CHECK debug mode that tags every entry."""
import math

import numpy as np
import pytest

from s2s_ad import grad, value_and_grad
from s2s_ad.runtime_tape import TapeError, tape_check, tape_empty


@pytest.fixture(params=["plain", "checked"])
def check_mode(request, monkeypatch):
    if request.param == "checked":
        monkeypatch.setenv("S2S_AD_CHECK", "1")
    else:
        monkeypatch.delenv("S2S_AD_CHECK", raising=False)
    return request.param


def squared_six_times(a):
    for i in range(2):
        for j in range(3):
            a = a * a
    return a


@pytest.mark.parametrize("a", [2.0, -1.0, 0.9])
def test_nested_loops_keep_the_tape_in_step(check_mode, a):
    # a ** 64, so the derivative is 64 a ** 63 (with its sign at a = -1)
    assert grad(squared_six_times)(a) == pytest.approx(64 * a ** 63, rel=1e-12)


def sine_in_a_double_loop(x):
    s = x
    for i in range(3):
        for j in range(2):
            s = math.sin(s) + x * j
    return s


def test_inner_values_and_both_indices(check_mode):
    # forward-mode by hand: ds/dx through the recurrence s <- sin(s) + x j
    x = 0.3
    s, ds = x, 1.0
    for i in range(3):
        for j in range(2):
            s, ds = math.sin(s) + x * j, math.cos(s) * ds + j
    value, g = value_and_grad(sine_in_a_double_loop)(x)
    assert value == sine_in_a_double_loop(x)
    assert g == pytest.approx(ds, rel=1e-12)


def transposed_products(w):
    s = 0.0
    for i in range(3):
        for j in range(3):
            s = s + w[i, j] * w[j, i]
    return s


def test_two_indices_into_one_array(check_mode):
    w = np.arange(9.0).reshape(3, 3) + 1.0
    assert np.allclose(grad(transposed_products)(w), 2 * w.T, rtol=1e-14)


def fill_by_elements(x):
    out = np.zeros((2, 3))
    for i in range(2):
        for j in range(3):
            out[i, j] = x * (i + 2 * j + 1)
    return np.sum(out * out)


def test_element_writes_in_a_double_loop(check_mode):
    x = 1.5
    factors = [(i + 2 * j + 1) for i in range(2) for j in range(3)]
    assert grad(fill_by_elements)(x) == pytest.approx(sum(2 * c * c * x for c in factors))


def power_loop(a, n):
    for k in range(n):
        a = a * 1.1 + 0.1 * a * a
    return a


def helper_loops_from_a_loop(x):
    total = 0.0
    for i in range(3):
        total = total + power_loop(x * (i + 1), 2)
    return total


def test_a_helper_with_a_loop_called_from_a_loop(check_mode):
    def step(a, da):
        return a * 1.1 + 0.1 * a * a, da * (1.1 + 0.2 * a)
    expected = 0.0
    for i in range(3):
        a, da = 0.4 * (i + 1), float(i + 1)
        for _ in range(2):
            a, da = step(a, da)
        expected += da
    assert grad(helper_loops_from_a_loop)(0.4) == pytest.approx(expected, rel=1e-12)


def branch_in_nested_loop(x):
    s = x
    for i in range(3):
        for j in range(i):
            if s > 1.0:
                s = s * 0.5
            else:
                s = s * 3.0 + x
    return s


def test_branches_inside_nested_loops_with_a_varying_trip_count(check_mode):
    x, h = 0.7, 1e-6
    expected = (branch_in_nested_loop(x + h) - branch_in_nested_loop(x - h)) / (2 * h)
    assert grad(branch_in_nested_loop)(x) == pytest.approx(expected, rel=1e-7)


def test_check_mode_tags_entries_in_the_generated_code(monkeypatch):
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    g = grad(squared_six_times)
    g(2.0)
    assert "tape_check(tape_pop(), 1)" in g.source
    assert "tape_empty(tape)" in g.source


def test_check_mode_catches_a_mismatched_pop():
    assert tape_check((3, 1.5), 3) == 1.5
    with pytest.raises(TapeError, match="block 2"):
        tape_check((3, 1.5), 2)
    with pytest.raises(TapeError, match="never popped"):
        tape_empty([(1, 2.0)])
    tape_empty([])


def array_made_and_written_in_each_iteration(x, v):
    s = x
    for i in range(2):
        out = np.zeros(3)
        for j in range(3):
            out[j] = v[j] * s + out[j - 1]
        s = math.tanh(s + np.sum(out * out))
    return s


def test_an_array_created_in_a_loop_and_written_in_it_is_recorded_each_iteration(check_mode):
    # `out = np.zeros(3)` looks loop-invariant, but the loop writes into it: each
    # iteration's array is a different object that the reverse sweep must read
    f, x, v, h = array_made_and_written_in_each_iteration, 0.3, np.array([0.5, -0.2, 0.4]), 1e-6
    expected = (f(x + h, v) - f(x - h, v)) / (2 * h)
    assert grad(f)(x, v) == pytest.approx(expected, rel=1e-7)


def constructor_then_writes(W, s):
    out = np.ones_like(W)
    for i in range(2):
        out[i] = out[i] * s + W[i]
    return np.sum(out * out)


def test_a_constructor_whose_array_becomes_active_through_writes(check_mode):
    W, s = np.array([[0.5, 1.0], [-0.3, 0.2]]), 0.7
    expected_W = 2 * (np.ones_like(W) * s + W)
    assert np.allclose(grad(constructor_then_writes)(W, s), expected_W)


def return_from_a_loop_that_may_not_run(x, y, w):
    s = x
    a = y
    for i in range(2):
        s = s + x * i
        for j in range(i):
            t = s * w[i, j]
            s = t + math.sin(t) * a
            if s > 3.0:
                return x
        a = math.tanh(a + s * 0.01)
    return s + a


def test_a_name_only_an_inner_loop_assigns_is_never_copied_unbound(check_mode):
    # range(0) on the first outer iteration leaves t unbound; no join may copy it
    w, h = np.array([[0.5, -0.3], [0.2, 0.7]]), 1e-6
    f = return_from_a_loop_that_may_not_run
    gx, gy = grad(f, argnums=(0, 1))(0.5, 0.2, w)
    assert gx == pytest.approx((f(0.5 + h, 0.2, w) - f(0.5 - h, 0.2, w)) / (2 * h), rel=1e-7)
    assert gy == pytest.approx((f(0.5, 0.2 + h, w) - f(0.5, 0.2 - h, w)) / (2 * h), rel=1e-7)
