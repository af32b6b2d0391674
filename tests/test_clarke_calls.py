"""The Clarke mode's calls: value_and_grad's value is f's own, bit for bit, at a tied
branch too; concurrent calls; functions that draw random numbers or print; the inline
selection (off a tie, sites on numbers and arrays choose their piece in place) agrees
with the hook's."""
import random
import sys
import threading

import numpy as np
import pytest

from s2s_ad import grad, kinks, value_and_grad


def bits(value):
    """The value's bytes (a float, a NumPy scalar or an array), to compare bit for bit."""
    return np.asarray(value).tobytes(), type(value)


# -- value_and_grad's value is f's, bit for bit -------------------------------------------

def branch_up(x):
    if x > 1.0:
        return 0.1 * x + 0.2        # at x = 1 both sides are 3/10, computed differently
    return 0.3 * x


def branch_down(x):
    if x < 1.0:
        return 0.1 * x + 0.2
    return 0.3 * x


def test_the_two_sides_differ_in_their_last_bit():
    assert 0.1 * 1.0 + 0.2 != 0.3 * 1.0     # else the tests below could not fail


def test_value_at_a_tied_branch_is_fs_own():
    slopes = []
    for f in (branch_up, branch_down):
        value, g = value_and_grad(f, kinks="clarke")(1.0)
        assert bits(value) == bits(f(1.0))
        assert g in (0.1, 0.3)
        slopes.append(g)
    # Along the direction, one of the two functions selects the side f did not take
    # (slope 0.1, whose value at 1 is 0.30000000000000004): the value is still f's.
    assert 0.1 in slopes


def where_tied(x):
    return np.sum(np.where(x > 1.0, 0.1 * x + 0.2, 0.3 * x) * np.array([1.0, -2.0, 3.0]))


def where_tied_below(x):
    return np.sum(np.where(x < 1.0, 0.1 * x + 0.2, 0.3 * x) * np.array([1.0, -2.0, 3.0]))


def test_value_at_a_tied_where_is_fs_own():
    x = np.ones(3)
    selected_other = False
    for f in (where_tied, where_tied_below):
        value, g = value_and_grad(f, kinks="clarke")(x)
        assert bits(value) == bits(f(x))
        assert np.array_equal(x, np.ones(3))
        selected_other |= bool(np.any(np.isclose(np.abs(g), [0.1, 0.2, 0.3])))
    assert selected_other


def branch_with_aux(x, y):
    if x > y:
        v = 0.1 * x + 0.2 * y
    else:
        v = 0.3 * y
    return v * v, {"v": v}


def test_aux_and_argnums_at_a_tied_branch():
    for order in ((1.0, 1.0),):
        (value, aux), (gx, gy) = value_and_grad(branch_with_aux, argnums=(0, 1),
                                                has_aux=True, kinks="clarke")(*order)
        expected, expected_aux = branch_with_aux(*order)
        assert bits(value) == bits(expected) and bits(aux["v"]) == bits(expected_aux["v"])
        g, aux2 = grad(branch_with_aux, argnums=(0, 1), has_aux=True, kinks="clarke")(*order)
        assert bits(aux2["v"]) == bits(expected_aux["v"]) and g == (gx, gy)
        # the gradient of one of the two pieces, v^2 with v = 0.1x + 0.2y or 0.3y
        pieces = [(2 * 0.3 * 0.1, 2 * 0.3 * 0.2), (0.0, 2 * 0.3 * 0.3)]
        assert any(np.allclose((gx, gy), p) for p in pieces)


def test_value_away_from_kinks_is_the_default_modes():
    for x in (0.5, 1.5):
        value, g = value_and_grad(branch_up, kinks="clarke")(x)
        v0, g0 = value_and_grad(branch_up)(x)
        assert bits(value) == bits(v0) and bits(g) == bits(g0)


# -- inline selection: the same pieces as the hook's ---------------------------------------

def abs_loop(x):
    s = 0.0
    for i in range(6):
        s = s + abs(x - i * 0.5) + max(x - i * 0.5, 0.0)
    return s


def test_a_scalar_loop_tied_in_one_iteration_only():
    # at x = 1.0 the iteration i = 2 is tied; the others choose their piece in place
    g = grad(abs_loop, kinks="clarke")(1.0)
    left, right = grad(abs_loop)(1.0 - 1e-9), grad(abs_loop)(1.0 + 1e-9)
    assert len(kinks(abs_loop, 1.0)) == 2
    assert g in (left, right) and left != right


def layer_loop(x, W):
    h = x
    for t in range(3):
        h = np.abs(np.maximum(W @ h, 0.0) - 0.5) + h
    return np.sum(h)


def test_an_array_site_tied_in_one_evaluation_only(rng):
    W = np.array([[1.0, -1.0, 0.0], [2.0, 1.0, 1.0], [-1.0, 3.0, 2.0]])
    x = np.array([1.0, 1.0, 0.5])
    assert (W @ x)[0] == 0.0            # unit 0 tied at its relu, in the first layer only
    assert len(kinks(layer_loop, x, W)) == 1
    g = grad(layer_loop, kinks="clarke")(x, W)
    ordinary = grad(layer_loop)
    nearby = np.array([ordinary(x + 1e-8 * rng.normal(size=3), W) for _ in range(100)])
    assert np.min(np.max(np.abs(nearby - g), axis=1)) < 1e-6 * (1 + np.max(np.abs(g)))


# -- concurrent calls -----------------------------------------------------------------------

def stairs(x):
    s = 0.0
    for i in range(5):
        s = s + max(x - i, 0.0) - 0.5 * max(i - x, 0.0) + abs(x - 2.0 * i)
    return s


def stairs_on_arrays(x):
    return np.sum(np.maximum(x, 0.0) - np.maximum(-x, 0.0) + np.abs(x - 1.0))


def test_concurrent_calls_give_each_call_its_own_result():
    points = [0.0, 1.0, 2.0, 0.5, 3.0, 4.0, 2.5, 1.5]
    arrays = [np.array([0.0, 1.0, 0.3]), np.array([1.0, -0.5, 0.0]), np.array([2.0, 3.0, 4.0])]
    serial_g = grad(stairs, kinks="clarke")
    serial_v = value_and_grad(stairs_on_arrays, kinks="clarke")
    expected = [serial_g(p) for p in points]
    expected_arrays = [serial_v(a) for a in arrays]
    assert len(set(expected)) > 2                   # the points select different pieces
    shared_g = grad(stairs, kinks="clarke")         # compiled by the threads themselves
    shared_v = value_and_grad(stairs_on_arrays, kinks="clarke")
    barrier = threading.Barrier(3)
    failures = []

    def work(offset):
        barrier.wait()
        for n in range(60):
            i = (n + offset) % len(points)
            if shared_g(points[i]) != expected[i]:
                failures.append(("scalar", points[i]))
            j = (n + offset) % len(arrays)
            value, g = shared_v(arrays[j])
            if bits(value) != bits(expected_arrays[j][0]) or \
                    not np.array_equal(g, expected_arrays[j][1]):
                failures.append(("array", j))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                     # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(k * 3,)) for k in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []


# -- random draws and effects ------------------------------------------------------------

def draws_at_a_kink(x):
    u = np.random.uniform()
    r = random.random()
    print("drawn")
    return u * x + r + np.maximum(x, 0.0) - np.maximum(-x, 0.0)


def draws_in_a_tied_loop(x):
    s = 0.0
    for i in range(3):
        if x > 0.0:
            s = s + x * np.random.uniform()
        else:
            s = s - x * np.random.standard_normal() - x
    return s


@pytest.mark.parametrize("x", [0.0, 0.5])
def test_random_draws_are_fs_and_drawn_once(x, capsys):
    np.random.seed(3)
    random.seed(3)
    expected = draws_at_a_kink(x)
    after = np.random.uniform(), random.random()
    assert capsys.readouterr().out == "drawn\n"
    np.random.seed(3)
    random.seed(3)
    u = np.random.uniform()
    np.random.seed(3)
    random.seed(3)
    value, g = value_and_grad(draws_at_a_kink, kinks="clarke")(x)
    assert (np.random.uniform(), random.random()) == after     # one call's draws
    assert capsys.readouterr().out == "drawn\n"                 # printed once
    assert bits(value) == bits(expected)
    assert g == pytest.approx(u + 1.0, abs=1e-15)               # relu(x) - relu(-x) = x


def test_draws_in_a_loop_at_a_tied_branch():
    np.random.seed(7)
    expected = draws_in_a_tied_loop(0.0)
    after = np.random.uniform()
    np.random.seed(7)
    draws = [np.random.uniform() for _ in range(3)]
    np.random.seed(7)
    normals = [np.random.standard_normal() for _ in range(3)]
    np.random.seed(7)
    value, g = value_and_grad(draws_in_a_tied_loop, kinks="clarke")(0.0)
    assert np.random.uniform() == after
    assert bits(value) == bits(expected)
    # the derivative of the side selected, with the draws that side takes under the seed
    assert g in (pytest.approx(np.sum(draws)), pytest.approx(-np.sum(normals) - 3.0))


def test_the_first_call_draws_as_f_does_in_the_default_mode_too():
    # compiling evaluates the branch not taken on stand-in values: its draws must not
    # move the generator (the first call's value was not f's)
    np.random.seed(7)
    expected = draws_in_a_tied_loop(0.5)
    after = np.random.uniform()
    np.random.seed(7)
    value, _ = value_and_grad(draws_in_a_tied_loop)(0.5)
    assert bits(value) == bits(expected) and np.random.uniform() == after


def test_quiet_runs_nest_and_silence_their_own_thread_only():
    from s2s_ad.lower_effects import effect, probing
    seen = []
    inside, done = threading.Event(), threading.Event()

    def quiet_thread():
        with probing():
            with probing():                 # a compile inside a quiet run
                pass
            effect(None, seen.append, "quiet")      # still quiet after the inner block
            inside.set()
            done.wait(5)

    t = threading.Thread(target=quiet_thread)
    t.start()
    inside.wait(5)
    effect(None, seen.append, "loud")       # another thread is not silenced
    done.set()
    t.join()
    effect(None, seen.append, "after")
    assert seen == ["loud", "after"]
