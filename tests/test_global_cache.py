"""The last-answer fast path of grad/value_and_grad (global_cache.py): each thing it
tests by identity, changed on its own, must give another gradient object."""
import pytest

from s2s_ad import global_cache, grad, value_and_grad
from s2s_ad.scalar_loops import plain_code


def square(x):
    return x * x


def loop(x, n=5):
    s = 1.0
    for i in range(n):
        s = s * x + 1.0
    return s


def test_setting_a_variable_again_to_the_same_value_keeps_the_answer(monkeypatch):
    monkeypatch.setenv("S2S_AD_OPTIMISE", "1")
    first = grad(square)
    monkeypatch.setenv("S2S_AD_OPTIMISE", "1")      # a new object, an equal value
    assert grad(square) is first
    monkeypatch.setenv("S2S_AD_OPTIMISE", "0")
    plain = grad(square)
    assert plain is not first
    assert grad(square) is plain
    monkeypatch.setenv("S2S_AD_OPTIMISE", "1")
    assert grad(square) is first                    # back: the LRU entry answers
    monkeypatch.delenv("S2S_AD_OPTIMISE")
    assert grad(square) is not first                # unset is another setting
    assert grad(square)(3.0) == first(3.0) == plain(3.0) == 6.0


def test_the_check_setting_is_seen_by_the_fast_path(monkeypatch):
    monkeypatch.delenv("S2S_AD_CHECK", raising=False)
    g = grad(loop)
    assert grad(loop) is g
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    checked = grad(loop)
    assert checked is not g
    assert checked(1.5) == g(1.5)


def test_plain_code_is_never_answered_by_the_optimised_last_answer(monkeypatch):
    monkeypatch.delenv("S2S_AD_OPTIMISE", raising=False)
    optimised = grad(loop)
    optimised(1.5)
    with plain_code():
        plain = grad(loop)
        assert plain is not optimised
        assert grad(loop) is plain
        plain(1.5)
    assert grad(loop) is optimised
    assert "_tape[" in optimised.source and "_tape[" not in plain.source
    assert plain(1.5) == optimised(1.5)


def test_grad_and_value_and_grad_do_not_answer_for_each_other():
    g = grad(square)
    vg = value_and_grad(square)
    assert vg is not g
    assert grad(square) is g and value_and_grad(square) is vg
    assert grad(square, has_aux=False) is g
    assert vg(2.0) == (4.0, 4.0)


def scaled(x, a=2.0):
    return a * x * x


def cubed(x, a=2.0):
    return a * x * x * x


def test_rebound_defaults_and_code_leave_the_fast_path():
    code, defaults = scaled.__code__, scaled.__defaults__
    try:
        g = grad(scaled)
        assert grad(scaled) is g
        scaled.__defaults__ = (3.0,)
        assert grad(scaled) is not g and grad(scaled)(1.0) == 6.0
        scaled.__defaults__ = (2.0,)                # an equal tuple, another object
        assert grad(scaled)(1.0) == 4.0
        scaled.__code__ = cubed.__code__
        assert grad(scaled)(1.0) == 6.0
    finally:
        scaled.__code__, scaled.__defaults__ = code, defaults


def test_clear_forgets_the_last_answer():
    g = grad(square)
    global_cache.clear()
    assert grad(square) is not g
    assert len(global_cache.TRANSFORMED) == 1


@pytest.mark.parametrize("make", [grad, value_and_grad])
def test_argnums_as_another_equal_object_is_still_the_same_gradient(make):
    a = make(loop, argnums=(0,))
    assert make(loop, argnums=(0,)) is a            # via the key, not the identity test
    assert make(loop, argnums=[0]) is a
