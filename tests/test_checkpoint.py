"""checkpoint_loops: the same gradient bit for bit, with a tape bounded by the segment
length; loops whose recomputation could differ are refused at their line."""
import math

import numpy as np
import pytest

import s2s_ad
from s2s_ad import checkpoint_loops, grad, value_and_grad
from tests.checkpoint_check import check
from tests.progen import generate, seed_for
from benchmarks.checkpoint_row import oscillator  # the damped oscillator, steps given


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def recurrent(W, h0, steps):
    h = h0
    for t in range(2, steps):
        h = np.tanh(W @ h) + 0.1 * t * h
    return np.sum(h * h)


def same(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and np.array_equal(a, b)


@pytest.mark.parametrize("every", [1, 3, 7, None, 1000])
@pytest.mark.parametrize("steps", [0, 1, 50])
def test_oscillator_gradient_is_unchanged_bit_for_bit(every, steps):
    plain = value_and_grad(oscillator, argnums=(0, 1))
    checked = checkpoint_loops(value_and_grad(oscillator, argnums=(0, 1)), every=every)
    assert same(checked(4.0, 0.5, steps), plain(4.0, 0.5, steps))


def test_array_state_and_accumulated_value():
    rng = np.random.default_rng(4)
    W, h0 = rng.normal(size=(4, 4)) / 2, rng.normal(size=4)
    for every in (2, None):
        got = checkpoint_loops(grad(recurrent, argnums=(0, 1)), every=every)(W, h0, 20)
        assert same(got, grad(recurrent, argnums=(0, 1))(W, h0, 20))
    x = rng.uniform(-1.0, 1.5, 30)
    got = checkpoint_loops(value_and_grad(rosenbrock))(x)
    assert same(got, value_and_grad(rosenbrock)(x))        # the value: the last state


def test_the_recorded_segment_replaces_the_whole_tape():
    checked = checkpoint_loops(value_and_grad(oscillator, argnums=(0, 1)))
    checked(4.0, 0.5, 100)
    source = checked.source
    # the forward loop records nothing; the reverse sweep recomputes and records
    forward, reverse = source.split("tape_pop = ", 1)
    assert "tape_push" not in forward.split("tape_push = ", 1)[1]
    assert "tape_push((" in reverse
    assert "states.append" in forward and "states.pop()" in reverse


def test_check_mode_tape_stays_balanced(monkeypatch):
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    plain = grad(oscillator, argnums=(0, 1))
    checked = checkpoint_loops(grad(oscillator, argnums=(0, 1)), every=4)
    assert same(checked(4.0, 0.5, 30), plain(4.0, 0.5, 30))
    assert "tape_empty" in checked.source


def written(x, n):
    out = np.zeros(n)
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
        out[i] = s
    return np.sum(out * out)


def test_a_loop_writing_into_an_array_is_refused_at_its_line():
    checked = checkpoint_loops(grad(written))
    with pytest.raises(s2s_ad.TranslationError, match=r"cannot checkpoint the loop "
                       r"`for i in range\(n\):`: its body writes into an array") as info:
        checked(0.3, 5)
    assert info.value.lineno == written.__code__.co_firstlineno + 3
    assert grad(written)(0.3, 5) != 0.0             # the plain gradient still works


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="every=0"):
        checkpoint_loops(grad(oscillator), every=0)
    with pytest.raises(ValueError, match="checkpoint_loops\\(grad\\(f\\)\\)"):
        checkpoint_loops(oscillator)


@pytest.mark.parametrize("family", ["arrays", "globals", "loops", "helpers"])
def test_random_programs_are_unchanged_or_refused(family):
    for i in range(6):
        outcome = check(generate(family, seed_for(family, i)))
        assert not outcome.startswith("DIFFERENT"), outcome


def test_jit_compiles_the_checkpointed_code():
    pytest.importorskip("numba")
    from tests.test_jit import jitted
    fast = jitted("checkpointed oscillator", lambda: s2s_ad.jit(
        checkpoint_loops(grad(oscillator, argnums=(0, 1)))))
    got = fast(4.0, 0.5, 400)
    assert fast.compiled
    np.testing.assert_allclose(got, grad(oscillator, argnums=(0, 1))(4.0, 0.5, 400),
                               rtol=1e-12, atol=0)
