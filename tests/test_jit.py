"""s2s_ad.jit: numba's code gives the Python backend's numbers; what numba cannot
compile runs on the Python backend after one warning.

numba compiles slowly (a few tenths of a second per function), so the compiled
objects are made once per session and the functions are small."""
import math
import warnings

import numpy as np
import pytest

import s2s_ad
from s2s_ad.jit import JitFallbackWarning
from s2s_ad.jit_source import numba_form
from tests.jit_rewrite_check import check
from tests.progen import generate, seed_for
from benchmarks.checkpoint_row import oscillator  # the damped oscillator, steps given

pytest.importorskip("numba")        # in the `test` extra; absent only outside it

RTOL = 1e-12        # numba and CPython call the same libm; x ** 2 may differ by an ulp


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def two_tapes(x, n):
    """Two loops recording entries of different types (one float; an int and two
    floats), nested in the first: each gets a numba list of its own."""
    s = 0.0
    for i in range(n):
        for j in range(3):
            s = s + math.sin(x * j) * s + x
    for k in range(n):
        s = s * math.cos(s) + k * x
    return s


SCALE = 2.0


def scaled(x):
    total = 0.0
    for i in range(len(x)):
        total += SCALE * math.sin(x[i])
    return total


_SESSION = {}


def jitted(name, make):
    """One compiled object per session: numba's compile is the slow part."""
    if name not in _SESSION:
        _SESSION[name] = make()
    return _SESSION[name]


def test_rosenbrock_gradient_matches_python_backend():
    x = np.random.default_rng(0).uniform(-1.0, 1.5, 40)
    plain = s2s_ad.grad(rosenbrock)
    fast = jitted("rosenbrock", lambda: s2s_ad.jit(s2s_ad.grad(rosenbrock)))
    before = x.copy()
    np.testing.assert_allclose(fast(x), plain(x), rtol=RTOL, atol=0)
    assert fast.compiled
    assert np.array_equal(x, before)                # the caller's array is untouched
    y = x[:17]          # another shape: the same numba code, reused
    np.testing.assert_allclose(fast(y), plain(y), rtol=RTOL, atol=0)
    assert len(fast.dispatchers) == 1


def test_oscillator_value_and_gradient_match():
    plain = s2s_ad.value_and_grad(oscillator, argnums=(0, 1))
    fast = jitted("oscillator", lambda: s2s_ad.jit(
        s2s_ad.value_and_grad(oscillator, argnums=(0, 1))))
    (value, (dk, dc)) = fast(4.0, 0.5, 300)
    (want, (wk, wc)) = plain(4.0, 0.5, 300)
    assert fast.compiled
    np.testing.assert_allclose([value, dk, dc], [want, wk, wc], rtol=RTOL, atol=0)
    # and the gradient is right, not only the same as Python's
    h = 1e-6
    fd = (oscillator(4.0 + h, 0.5, 300) - oscillator(4.0 - h, 0.5, 300)) / (2 * h)
    np.testing.assert_allclose(dk, fd, rtol=1e-6)


def test_entries_of_different_types_and_nested_loops():
    plain = s2s_ad.grad(two_tapes)
    fast = jitted("two_tapes", lambda: s2s_ad.jit(s2s_ad.grad(two_tapes)))
    for n in (0, 1, 5):
        np.testing.assert_allclose(fast(0.3, n), plain(0.3, n), rtol=RTOL, atol=0)
    assert fast.compiled


def test_a_rebound_global_recompiles():
    global SCALE
    x = np.linspace(-1.0, 1.0, 5)
    fast = s2s_ad.jit(s2s_ad.grad(scaled))
    np.testing.assert_allclose(fast(x), 2.0 * np.cos(x), rtol=RTOL)
    SCALE = 3.0
    try:
        np.testing.assert_allclose(fast(x), 3.0 * np.cos(x), rtol=RTOL)
    finally:
        SCALE = 2.0
    assert fast.compiled


def sorted_weights(x):
    return np.sum(np.sort(x) * np.tanh(x))


def test_what_numba_cannot_compile_falls_back_with_one_warning():
    x = np.linspace(-1.0, 1.0, 6)
    fast = s2s_ad.jit(s2s_ad.grad(sorted_weights))
    with pytest.warns(JitFallbackWarning, match="sorted_weights runs on the Python "
                                                "backend: .*argsort"):
        got = fast(x)
    np.testing.assert_array_equal(got, s2s_ad.grad(sorted_weights)(x))
    assert not fast.compiled
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast(x)                             # no second warning
        fast(x[:4])


WEIGHTS = np.array([1.0, 2.0, 3.0])


def weighted(x):
    total = 0.0
    for i in range(3):
        total += WEIGHTS[i] * x[i] ** 2
    return total


def test_a_global_array_is_not_frozen_into_compiled_code():
    x = np.array([0.5, -1.0, 2.0])
    fast = s2s_ad.jit(s2s_ad.grad(weighted))
    with pytest.warns(JitFallbackWarning, match="global array `WEIGHTS`"):
        got = fast(x)
    np.testing.assert_array_equal(got, 2.0 * WEIGHTS * x)


def test_a_plain_function_is_compiled_as_it_is():
    x = np.random.default_rng(1).uniform(-1.0, 1.5, 30)
    fast = jitted("plain", lambda: s2s_ad.jit(rosenbrock))
    assert fast(x) == pytest.approx(rosenbrock(x), rel=RTOL)
    assert fast.compiled


def test_jit_refuses_what_is_not_a_function():
    with pytest.raises(ValueError, match="expected a function"):
        s2s_ad.jit(3.0)


# -- the rewrite alone, run by CPython: no numba compile, so many programs ------------

@pytest.mark.parametrize("family", ["loops", "helpers", "writes"])
def test_rewritten_tape_gives_the_same_gradient_bit_for_bit(family):
    for i in range(8):
        outcome = check(generate(family, seed_for(family, i)))
        assert outcome in ("same", "refused"), outcome


def test_check_mode_tags_key_the_lists(monkeypatch):
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    gradient = s2s_ad.grad(two_tapes)
    gradient(0.3, 2)
    assert "tape_check" in gradient.source
    rewritten = numba_form(gradient.source, "two_tapes_grad")
    assert "tape_check" not in rewritten and "tape_empty" not in rewritten
    assert "reversed" not in rewritten
    python = gradient.compile(0.3, 2)
    namespace = dict(python.__globals__)
    exec(rewritten, namespace)
    for n in (0, 3):
        assert namespace["two_tapes_grad"](0.3, n) == gradient(0.3, n)


def test_without_numba_everything_runs_on_the_python_backend(monkeypatch):
    import sys
    jit_module = sys.modules["s2s_ad.jit"]       # (s2s_ad.jit is the function)
    monkeypatch.setattr(jit_module, "_numba", lambda: (None, "numba is not installed"))
    fast = s2s_ad.jit(s2s_ad.grad(oscillator, argnums=(0, 1)))
    with pytest.warns(s2s_ad.JitFallbackWarning, match="numba is not installed"):
        got = fast(4.0, 0.5, 20)
    assert got == s2s_ad.grad(oscillator, argnums=(0, 1))(4.0, 0.5, 20)
    assert not fast.compiled
