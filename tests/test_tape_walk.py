"""Per-value tapes walked backwards (scalar_loops.py: `for a, b in zip(reversed(a_tape),
reversed(b_tape)):`): the same numbers, bit for bit, as the plain code
(S2S_AD_OPTIMISE=0) on loops around the rewrite's edges: the index read in reverse,
no trips, a nested loop, a loop in front of another, early exits and unknown trip
counts (not rewritten)."""
import math

import numpy as np
import pytest

from s2s_ad import grad, value_and_grad


def walked(x, n):
    s = x
    for i in range(n):
        s = s * x + math.sin(s)
    return s


def indexed(x, w):
    s = 1.0
    for i in range(len(w)):
        s = s * x + w[i] * math.cos(s)      # w[i] is read again in reverse
    return s


def nested(x, n):
    s = x
    for i in range(n):
        for j in range(3):
            s = s * x + math.sin(s)
        s = s * 0.5 + x
    return s


def two_loops(x, y):
    a = x
    b = y
    for i in range(4):
        a = a * y + math.sin(b)
        b = b * x - a * 0.25
    for k in range(5):
        b = b * a + math.cos(a)
    return a * b


def broken(x):
    s = x
    for i in range(50):
        s = s * x + 0.1
        if s > 3.0:
            break
    return s


def skipping(x, n):
    s = x
    for i in range(n):
        if i % 2 == 0:
            continue
        s = s * x + math.sin(s)
    return s


def returning(x, n):
    s = x
    for i in range(n):
        s = s * x + 0.5
        if s > 2.0:
            return s * s
    return s


def unknown(x):
    s = x
    while s < 10.0:
        s = s * x + math.sin(s)
    return s


def index_after(x, n):
    s = x
    i = 0
    for i in range(n):
        s = s * x + math.sin(s) * i
    return s * i


CASES = [(walked, (1.1, 6)), (walked, (1.1, 0)), (walked, (0.9, 1)),
         (indexed, (0.7, np.linspace(-1.0, 1.0, 5))), (nested, (0.8, 3)),
         (nested, (0.8, 0)), (two_loops, (0.6, 1.3)), (broken, (1.2,)), (broken, (0.5,)),
         (skipping, (1.05, 7)), (returning, (1.1, 9)), (returning, (1.01, 2)),
         (unknown, (1.3,)), (index_after, (0.9, 5))]


def _compiled(monkeypatch, make, f, args, setting):
    monkeypatch.setenv("S2S_AD_OPTIMISE", setting)
    g = make(f, argnums=0)
    return g(*args), g.compile(*args) and g.source


@pytest.mark.parametrize("make", [grad, value_and_grad])
@pytest.mark.parametrize("f, args", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_same_numbers_bit_for_bit(monkeypatch, make, f, args):
    plain, _ = _compiled(monkeypatch, make, f, args, "0")
    fast, source = _compiled(monkeypatch, make, f, args, "1")
    assert repr(plain) == repr(fast)        # bit for bit, -0.0 included


def test_which_loops_walk_their_tapes(monkeypatch):
    def source(f, args):
        return _compiled(monkeypatch, grad, f, args, "1")[1]
    assert "for s_2 in reversed(s_2_tape):" in source(walked, (1.1, 6))
    text = source(indexed, (0.7, np.ones(3)))          # reads i in reverse: indexed
    assert "s_2 = s_2_tape[i]" in text and "reversed(range(" in text
    assert "reversed(s_2_tape)" not in source(index_after, (0.9, 5))
    for f, args in [(broken, (1.2,)), (unknown, (1.3,))]:   # no per-value tapes
        assert "_tape[" not in source(f, args)
