"""Branches and loops: gradients against finite differences, the value bit for bit,
and the shape of the generated code."""
import numpy as np
import pytest

from s2s_ad import check_grad, grad, value_and_grad

from . import control_cases as cc

RNG = np.random.default_rng(7)

CASES = [
    (cc.branch, (2.0, 1.0), (0, 1)),
    (cc.branch, (0.8, 1.0), (0, 1)),
    (cc.branch, (0.2, 1.0), (0, 1)),
    (cc.chained, (1.0, 2.0), (0, 1)),
    (cc.chained, (-1.0, 2.0), (0, 1)),
    (cc.chained, (3.0, 2.0), (0, 1)),
    (cc.chained, (11.0, -2.0), (0, 1)),
    (cc.conditional_expression, (2.0, 1.5), (0, 1)),
    (cc.conditional_expression, (0.5, 0.7), (0, 1)),
    (cc.oscillator, (4.0, 0.5), (0, 1)),
    (cc.rosenbrock, (RNG.uniform(-1.0, 1.5, 12),), 0),
    (cc.newton_sqrt, (2.0,), 0),
    (cc.newton_sqrt, (50.0,), 0),
    (cc.stepped_range, (0.9, 1, 9, 3), 0),
    (cc.stepped_range, (0.9, 5, 0, -2), 0),
    (cc.breaks, (1.3, 20), 0),
    (cc.breaks, (0.1, 5), 0),
    (cc.continues, (0.7,), 0),
    (cc.returns_in_loop, (1.0,), 0),
    (cc.returns_in_loop, (-1.0,), 0),
    (cc.nested, (1.1, 0.9), (0, 1)),
    (cc.nested, (1.5, 1.3), (0, 1)),
    (cc.branch_in_while, (1.5,), 0),
    (cc.sequences, (np.array([0.5, 1.5, -2.0, 0.3]),), 0),
    (cc.rows, (RNG.standard_normal((3, 4)),), 0),
    (cc.swap_in_loop, (1.2, 0.7), (0, 1)),
    (cc.overwrite_after_use, (1.1, 0.7), (0, 1)),
]


@pytest.mark.parametrize("f, args, argnums", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_gradient_matches_finite_differences(f, args, argnums):
    check = check_grad(f, *args, argnums=argnums)
    assert check, f"{f.__name__}{args}: {check}"


@pytest.mark.parametrize("f, args, argnums", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_value_is_bit_for_bit_and_arguments_unchanged(f, args, argnums):
    before = [np.copy(a) for a in args]
    value, _ = value_and_grad(f, argnums=argnums)(*args)
    assert value == f(*args)
    assert type(value) is type(f(*args))
    for a, b in zip(before, args):
        assert np.array_equal(a, b)


def test_data_dependent_trip_counts_use_the_right_count():
    g = grad(cc.newton_sqrt)
    for a in (0.5, 2.0, 1e4):          # different iteration counts, one compiled function
        assert abs(g(a) - 0.5 / np.sqrt(a)) < 1e-9


def test_branch_taken_is_recorded_not_recomputed():
    g = grad(cc.branch, argnums=(0, 1))
    g(2.0, 1.0)
    reverse = g.source.split("# reverse sweep")[1]
    assert "if z1:" in reverse and "x > y" not in reverse


def test_loop_runs_backwards_over_the_same_range():
    g = grad(cc.stepped_range)
    g(0.9, 1, 9, 3)
    assert "for i in reversed(range(start, stop, step)):" in g.source


def test_tape_records_only_what_the_reverse_needs(monkeypatch):
    monkeypatch.delenv("S2S_AD_CHECK", raising=False)     # entries untagged, as shipped
    monkeypatch.setenv("S2S_AD_OPTIMISE", "0")      # the tape as planned (no per-value lists)
    g = grad(cc.oscillator, argnums=(0, 1))
    g(4.0, 0.5)
    forward = g.source.split("# reverse sweep")[0]
    pushes = [line.strip() for line in forward.splitlines() if "tape_push((" in line]
    assert len(pushes) == 1                # one tuple per iteration
    recorded = pushes[0][len("tape_push(("):-2].split(", ")
    # x and v at the start of the step: nothing else is read backwards, and -k is
    # the same in every iteration (loop-invariant), so its last value serves
    assert sorted(recorded) == ["v_2", "x_2"]


def nested_invariant(k, x):
    total = 0.0
    for i in range(3):
        scale = k * (i + 1.0)
        for j in range(2):
            factor = scale * 2.0          # invariant in the inner loop, not the outer
            total = total + factor * x
    return total


def test_a_value_invariant_in_an_inner_loop_is_still_recorded_for_the_outer_one():
    assert check_grad(nested_invariant, 0.7, 1.3, argnums=(0, 1)).max_rel_error < 1e-8


def test_code_outside_loops_has_no_tape():
    g = grad(cc.branch, argnums=(0, 1))
    g(2.0, 1.0)
    assert "tape" not in g.source



def horner(coeffs, x):
    acc = 0.0
    for i in reversed(range(len(coeffs))):
        acc = acc * x + coeffs[i]
    return acc


def stepped_backwards(x):
    s = 0.0
    for i in reversed(range(1, 8, 3)):
        s = s * x + i
    return s


def test_reversed_range_loops():
    c = np.array([1.0, -2.0, 0.5, 3.0])
    assert check_grad(horner, c, 0.7, argnums=(0, 1)).max_rel_error < 1e-8
    value, (gc, gx) = value_and_grad(horner, argnums=(0, 1))(c, 0.7)
    assert value == horner(c, 0.7)
    assert np.allclose(gc, 0.7 ** np.arange(4), rtol=1e-14)
    # s = ((7 x + 4) x + 1): ds/dx = 14 x + 4
    assert grad(stepped_backwards)(0.5) == pytest.approx(14 * 0.5 + 4)


def zero_trip_loops(x, y):
    for i in range(3):
        if x > 1.0 + i:
            return x
    t1 = y
    for i in range(int(x > 5.0)):        # runs zero times here
        t1 = t1 * 0.5 + x
    return y * t1


def returns_from_several_loops(x, y):
    for i in range(2):
        if x > 1.0 + i:
            return x
    for i in range(2):
        if y > 3.0 + i:
            return y * y
    if x > 0.3:
        t = y
    else:
        t = y * 2.0
    return t * x


@pytest.mark.parametrize("point", [(0.5, 0.2), (2.5, 0.2), (0.1, 3.5), (0.1, 0.4)])
def test_names_bound_only_on_some_paths(point):
    # Regressions from the random programs: a loop index after zero iterations, and a
    # value defined only on paths that did not return, copied at a join.
    for f in (zero_trip_loops, returns_from_several_loops):
        value, _ = value_and_grad(f, argnums=(0, 1))(*point)
        assert value == f(*point)
        assert check_grad(f, *point, argnums=(0, 1)).max_rel_error < 1e-8


def element_targets_after_zero_trips(x):
    s = 0.0
    j = 0
    a = x[0]
    for i in range(3):
        for j in reversed(range(i)):        # runs zero times when i == 0
            s = s + x[j] * x[i]
        for a, b in zip(x[:i], x[1:i + 1]):
            s = s + a * b
        s = s + x[j] * 0.5 + a
    return s


def test_element_bound_targets_keep_their_value_after_zero_trips():
    # A target bound from an element (reversed(range(i)), zip) was not carried: after
    # an inner loop that ran zero times the generated code read an unbound name.
    import autograd

    x = np.array([0.3, 0.5, 0.7, -0.4])
    value, gradient = value_and_grad(element_targets_after_zero_trips)(x)
    assert value == element_targets_after_zero_trips(x)
    np.testing.assert_allclose(gradient, autograd.grad(element_targets_after_zero_trips)(x),
                               rtol=1e-12)
