"""Compiled code is specialised on the kinds seen at the first call of a signature;
these are the cases where a later call with the same signature could see other shapes
(a branch the first call did not take, a mask), which must still be right."""
import math

import numpy as np
import pytest

from s2s_ad import grad


def pick(a, b, w, c):
    if c > 0:
        y = a
    else:
        y = b
    return np.sum(y * w)


def masked_sum(x):
    return np.sum(x[x > 0])


def masked_mean_square(x):
    y = x[x > 0]
    return np.mean(y * y)


def untaken_scalar_branch(x, c):
    if c > 0:
        y = x * x
    else:
        y = np.sin(x) * 3.0
    return y * 2.0


def test_a_branch_the_first_call_did_not_take_may_give_another_shape():
    g = grad(pick, argnums=(0, 1))
    a, b, w = np.ones(3), np.ones(1), np.arange(3.0)
    ga, gb = g(a, b, w, 1.0)                # compiles on this path
    assert np.array_equal(ga, w) and np.array_equal(gb, [0.0])
    ga, gb = g(a, b, w, -1.0)               # same signature, the other branch
    assert np.array_equal(ga, np.zeros(3)) and np.array_equal(gb, [3.0])
    assert gb.shape == b.shape


@pytest.mark.parametrize("f, expected", [
    (masked_sum, lambda x: (x > 0) * 1.0),
    (masked_mean_square, lambda x: (x > 0) * 2 * x / np.sum(x > 0)),
])
def test_masks_whose_size_changes_between_calls(f, expected):
    g = grad(f)
    for x in (np.array([1.0, -1.0, 2.0]), np.array([1.0, 1.0, 2.0]), np.array([-1.0, 3.0, -2.0])):
        assert np.allclose(g(x), expected(x), rtol=1e-14)


def test_scalar_branches_keep_their_kinds_and_stay_lean():
    g = grad(untaken_scalar_branch)
    assert g(0.5, 1.0) == pytest.approx(2.0)
    assert g(0.5, -1.0) == pytest.approx(6.0 * np.cos(0.5))
    assert "unbroadcast" not in g.source      # the untaken branch's kinds were inferred


def max_of_masked_rows(x):
    y = x[x[:, 0] > 0]
    return np.sum(np.max(y, axis=1))


def test_an_adjoint_that_needs_an_unfixed_shape_is_refused_at_its_line():
    # y's row count depends on the data, and max's adjoint is written with shapes:
    # refused, pointing at the call, rather than specialised to the first call.
    import inspect
    from s2s_ad import TranslationError
    with pytest.raises(TranslationError, match="needs the shape of 'y'") as info:
        grad(max_of_masked_rows)(np.array([[1.0, 2.0], [-1.0, 3.0]]))
    lines, start = inspect.getsourcelines(max_of_masked_rows)
    assert info.value.lineno == start + 2
    assert "np.max(y, axis=1)" in info.value.text


def inner_loop_not_entered_at_first(x, y, w):
    s = y
    a = math.tanh(x)
    for i in range(1):
        for j in range(i):          # range(0): the probe never binds j
            a *= math.cos(s)
            s = s * w[i, j] + a
            if s > -0.43:
                return a
    return s + a


def test_a_loop_the_probe_never_entered_still_has_an_int_index():
    """Found by tests/progen.py (seed 2901000): j had no kind but None, so w[i, j] was
    taken for an array, `a *=` for an in-place change of one, and the function was
    refused. j is an int whatever the trip count."""
    w = np.arange(16.0).reshape(4, 4)
    assert grad(inner_loop_not_entered_at_first, argnums=(0, 1))(0.3, 0.7, w) == \
        (1.0 - math.tanh(0.3) ** 2, 1.0)
