"""The generated jvp's clean-up (tangent_fold.py, release.py): copies and signs folded
into their readers, dead temporaries released in the code that runs. Same values as
the code without them; the plain source (what show prints, what s2s_ad reads back)
has no `del`."""
import inspect

import numpy as np
import pytest

from s2s_ad import jvp, release, sigmoid_fusion, tangent_fold, toolkit

from .numpy_checks import random

X = random((6, 4), seed=1)


def sigmoid_layers(W1, W2):
    A = 1.0 / (1.0 + np.exp(-(X @ W1)))
    B = 1.0 / (1.0 + np.exp(-(A @ W2)))
    return np.mean(np.log(1.0 - B) - B)


def branchy(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            t = np.sin(x) * s
        else:
            t = -np.cos(x)
        s = s + np.sum(t * t)
    y = 0.0 - x * s
    return -np.sum(y) + s


def written(x):
    a = 1.0 + x
    b = -a
    b[0] = b[1] * 2.0
    return np.sum(b * a)


def unfolded(fun, args):
    tangent_fold.ENABLED = release.ENABLED = False
    try:
        return toolkit._Jvp(fun).compiled(args)
    finally:
        tangent_fold.ENABLED = release.ENABLED = True


CASES = [(sigmoid_layers, (random((4, 3), seed=2), random((3, 2), seed=3))),
         (branchy, (random((5,), seed=4), 4)), (written, (random((4,), seed=5),))]


@pytest.mark.parametrize("fun, args", CASES)
def test_folded_and_released_code_gives_the_same_values(fun, args):
    tangents = tuple(random(np.shape(a), seed=9) if isinstance(a, np.ndarray) else 0.0
                     for a in args)
    before, _ = unfolded(fun, args)
    out, dot = jvp(fun, args, tangents)
    out0, dot0 = before(*args, *tangents)
    assert out == out0
    np.testing.assert_allclose(dot, dot0, rtol=1e-14, atol=1e-15)
    plain, source = toolkit._Jvp(fun).compiled(args, plain=True)
    np.testing.assert_allclose(plain(*args, *tangents)[1], dot0, rtol=1e-14, atol=1e-15)
    assert "del " not in source


def test_copies_and_signs_are_folded_and_temporaries_released(monkeypatch):
    # the sigmoids taken rule by rule (sigmoid_fusion.py makes each one statement)
    monkeypatch.setattr(sigmoid_fusion, "ENABLED", False)
    args = CASES[0][1]
    source = toolkit.jvp_source(sigmoid_layers, *args)       # what show prints
    assert "0.0 +" not in source                  # 1.0 + z: its tangent is z's
    assert "_dot_neg" in source                   # exp(-u): the sign waits for 1 / (.)
    _, before = unfolded(sigmoid_layers, args)
    assert "0.0 +" in before and "_dot_neg" not in before
    assert source.count("\n") < before.count("\n")
    fast, _ = toolkit._Jvp(sigmoid_layers).compiled(args)
    assert "del " in inspect.getsource(fast)


def test_a_tangent_written_in_place_is_not_folded():
    args = CASES[2][1]
    _, source = toolkit._Jvp(written).compiled(args)
    assert "_dot_neg" not in source
