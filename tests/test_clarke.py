"""The Clarke mode, grad(f, kinks="clarke"): at kinks an element of the Clarke
subdifferential (checked against the hull of gradients at nearby points, which the
default mode's tie rules can leave), away from them the ordinary gradient bit for bit.
"""
import math
import pathlib

import numpy as np
import pytest
from scipy.optimize import linprog

from s2s_ad import TranslationError, grad, kinks, value_and_grad


def relu(x):
    return np.maximum(x, 0.0)


def identity_by_relus(x):
    return relu(x) - relu(-x)


def test_relu_difference_at_zero_is_one():
    assert grad(identity_by_relus, kinks="clarke")(0.0) == 1.0
    assert grad(identity_by_relus)(0.0) == 0.0          # the default's tie rules


def test_builtin_max_difference_at_zero_is_one():
    def f(x):
        return max(x, 0.0) - max(-x, 0.0)
    assert grad(f, kinks="clarke")(0.0) == 1.0


def test_sum_of_maximum_and_minimum_at_zeros_is_ones():
    def f(x):
        return np.sum(np.maximum(x, 0.0) + np.minimum(x, 0.0))
    x = np.zeros(5)
    assert np.array_equal(grad(f, kinks="clarke")(x), np.ones(5))
    assert np.array_equal(grad(f)(x), np.zeros(5))
    assert np.array_equal(x, np.zeros(5))               # the caller's array untouched


def test_branch_on_a_tied_comparison_gives_an_element_of_the_clarke_set():
    def f(x):
        if x > 0.0:
            return 3.0 * x
        return -2.0 * x
    g = grad(f, kinks="clarke")(0.0)
    assert g in (3.0, -2.0)                             # a piece's derivative: in [-2, 3]
    assert -2.0 <= g <= 3.0


def test_where_on_a_tied_comparison():
    def f(x):
        return np.sum(np.where(x > 0.0, x, 0.0) - np.where(-x > 0.0, -x, 0.0))
    assert np.array_equal(grad(f, kinks="clarke")(np.zeros(3)), np.ones(3))


def test_abs_clip_and_extreme_identities():
    def f(x):
        # |x| - |x| + clip(x, 0, 1) + clip(x, -1, 0) = x near 0
        return abs(x) - math.fabs(x) + np.clip(x, 0.0, 1.0) + np.clip(x, -1.0, 0.0)
    assert grad(f, kinks="clarke")(0.0) == 1.0

    def g(x):
        return np.max(x) + np.min(x)
    value = grad(g, kinks="clarke")(np.zeros(3))
    # the hull of e_i + e_j: weights >= 0 summing to 2, each at most 2
    assert np.all(value >= 0) and np.isclose(np.sum(value), 2.0)
    assert sorted(value)[-1] in (1.0, 2.0)


def test_value_and_grad_and_argnums():
    def f(x, y):
        return np.maximum(x, y) + 2.0 * np.minimum(x, y)
    value, (gx, gy) = value_and_grad(f, argnums=(0, 1), kinks="clarke")(1.0, 1.0)
    assert value == f(1.0, 1.0)
    # the gradient of the piece active along the direction: x + 2y or y + 2x
    assert (gx, gy) in ((1.0, 2.0), (2.0, 1.0))
    assert value_and_grad(f, argnums=(0, 1))(1.0, 1.0)[1] == (1.5, 1.5)


def test_a_loop_hits_the_kink_every_iteration():
    def f(x):
        s = 0.0
        for i in range(4):
            s = s + relu(x) - relu(-x)
        return s
    assert grad(f, kinks="clarke")(0.0) == 4.0


# -- away from kinks: the ordinary gradient, bit for bit ---------------------------------

def network(W1, x, W2):
    h = np.maximum(W1 @ x, 0.0)
    return np.sum(np.abs(W2 @ h - 1.0)) + np.max(h) + np.sum(np.clip(h, 0.1, 0.9))


def test_away_from_kinks_bit_for_bit(rng):
    ordinary = grad(network, argnums=(0, 2))
    clarke = grad(network, argnums=(0, 2), kinks="clarke")
    for _ in range(5):
        args = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(2, 4))
        assert len(kinks(network, *args, argnums=(0, 2))) == 0
        for a, b in zip(ordinary(*args), clarke(*args)):
            assert type(a) is type(b) and a.dtype == b.dtype
            assert np.array_equal(a, b)


def test_scalar_away_from_kinks_is_the_same_object_type():
    g1, g2 = grad(identity_by_relus)(0.25), grad(identity_by_relus, kinks="clarke")(0.25)
    assert type(g1) is type(g2) and g1 == g2


# -- a ReLU network with rows exactly at the kink ------------------------------------------

def relu_net(x, W1, b1, W2, b2, w3):
    h1 = np.maximum(W1 @ x + b1, 0.0)
    h2 = np.maximum(W2 @ h1 + b2, 0.0)
    return w3 @ h2


def nearby_gradients(f, x, others, count, rng, scale=1e-7):
    ordinary = grad(f)
    return np.array([ordinary(x + scale * rng.normal(size=x.shape), *others)
                     for _ in range(count)])


def test_relu_network_at_kinks_gives_a_limit_of_nearby_gradients(rng):
    x = np.array([1.0, -2.0, 0.5])
    W1 = rng.normal(size=(5, 3))
    b1 = -(W1 @ x)                      # every first-layer row exactly at its kink
    b1[3:] += np.array([0.7, -0.4])     # ... but two
    W2 = rng.normal(size=(4, 5))
    b2, w3 = rng.normal(size=4), rng.normal(size=4)
    others = (W1, b1, W2, b2, w3)
    assert len(kinks(relu_net, x, *others)) >= 1
    result = grad(relu_net, kinks="clarke")(x, *others)
    nearby = nearby_gradients(relu_net, x, others, 300, rng)
    distances = np.max(np.abs(nearby - result), axis=1)
    assert np.min(distances) < 1e-9 * (1 + np.max(np.abs(result)))
    # (the test can fail: a point off every piece's gradient is far from all of them)
    assert np.min(np.max(np.abs(nearby - (result + 0.1)), axis=1)) > 1e-3


# -- random piecewise-linear programs at random kinks ---------------------------------------

def _matrix(rng, rows, cols):
    return "np.array(" + repr(rng.integers(-2, 3, size=(rows, cols)).astype(float).tolist()) + ")"


def _vector(rng, n):
    return "np.array(" + repr(rng.integers(-1, 2, size=n).astype(float).tolist()) + ")"


def random_program(seed, n):
    """Source of a random piecewise-linear `f(x)` of a vector of n: integer weights, so
    that small integer points land exactly on its kinks."""
    rng = np.random.default_rng(seed)
    lines, value, width = [], "x", n
    for i in range(int(rng.integers(2, 5))):
        m = int(rng.integers(2, 4))
        affine = f"{_matrix(rng, m, width)} @ {value} + {_vector(rng, m)}"
        op = rng.choice(["relu", "min", "abs", "clip", "max2", "where", "branch"])
        t = f"h{i}"
        if op == "relu":
            lines.append(f"{t} = np.maximum({affine}, 0.0)")
        elif op == "min":
            lines.append(f"{t} = np.minimum({affine}, 0.0)")
        elif op == "abs":
            lines.append(f"{t} = np.abs({affine})")
        elif op == "clip":
            lines.append(f"{t} = np.clip({affine}, -1.0, 1.0)")
        elif op == "max2":
            lines.append(f"{t} = np.maximum({affine}, {_matrix(rng, m, width)} @ {value})")
        elif op == "where":
            lines.append(f"a{i} = {affine}")
            lines.append(f"{t} = np.where(a{i} > 0.0, a{i}, -0.5 * a{i})")
        else:
            lines.append(f"a{i} = {affine}")
            lines.append(f"if np.sum(a{i}) >= 0.0:")
            lines.append(f"    {t} = 2.0 * a{i}")
            lines.append("else:")
            lines.append(f"    {t} = -1.0 * a{i}")
        value, width = t, m
    lines.append(f"s = np.sum({_vector(rng, width)} * {value})")
    lines.append(f"return s + np.max({value}) - abs(np.sum(x))")
    body = "\n".join("    " + line for line in lines)
    return f"import numpy as np\n\n\ndef f(x):\n{body}\n"


def load(source, folder, name):
    path = pathlib.Path(folder) / f"{name}.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["f"]


def in_hull(point, points):
    """Is `point` in the convex hull of the rows of `points` (a feasibility LP)?"""
    k = len(points)
    a_eq = np.vstack([points.T, np.ones((1, k))])
    b_eq = np.append(point, 1.0)
    res = linprog(np.zeros(k), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k,
                  method="highs")
    return res.status == 0


def test_in_hull_can_fail():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert in_hull(np.array([0.2, 0.2]), points)
    assert not in_hull(np.array([0.8, 0.8]), points)


def test_random_piecewise_linear_programs_at_kinks(tmp_path):
    hit = outside_by_default = 0
    for seed in range(24):
        n = 1 if seed % 4 == 0 else 3
        f = load(random_program(seed, n), tmp_path, f"pl_{seed}")
        x = np.random.default_rng(1000 + seed).integers(-1, 2, size=n).astype(float)
        if not len(kinks(f, x)):
            continue
        hit += 1
        result = grad(f, kinks="clarke")(x)
        rng = np.random.default_rng(seed)
        if n == 1:          # the Clarke set of a scalar PL function: [left, right]
            sides = [grad(f)(x + h) for h in (-1e-7, 1e-7)]
            lo, hi = min(s[0] for s in sides), max(s[0] for s in sides)
            assert lo - 1e-9 <= result[0] <= hi + 1e-9, (seed, result, lo, hi)
            default_inside = lo - 1e-9 <= grad(f)(x)[0] <= hi + 1e-9
        else:
            nearby = nearby_gradients(f, x, (), 120, rng)
            assert in_hull(result, nearby), (seed, result)
            default_inside = in_hull(grad(f)(x), nearby)
        outside_by_default += not default_inside
    assert hit >= 14                    # most of the programs were at a kink
    assert outside_by_default >= 1      # ... where the default mode can leave the set


# -- refusals ----------------------------------------------------------------------------

def test_sort_ties_are_refused_where_they_are():
    def f(x):
        return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))
    g = grad(f, kinks="clarke")
    assert np.array_equal(g(np.array([3.0, 1.0, 2.0])), grad(f)(np.array([3.0, 1.0, 2.0])))
    with pytest.raises(TranslationError, match="np.sort") as info:
        g(np.array([1.0, 1.0, 2.0]))
    assert info.value.lineno == f.__code__.co_firstlineno + 1


def test_unknown_kinks_option():
    with pytest.raises(ValueError, match="clarke"):
        grad(identity_by_relus, kinks="lexicographic")


# -- the demo ----------------------------------------------------------------------------

def test_clarke_demo_prints_the_lectures_numbers(capsys):
    import re

    from s2s_ad.clarke_demo import run
    run()
    out = capsys.readouterr().out
    assert "Clarke differential at 0: the convex hull [0, 1]" in out
    assert re.search(r"default mode's element: relu'\(0\) = 0 ", out)
    assert re.search(r"kinks hit at x = 0: 2\n", out)
    assert re.search(r"default mode at 0: 0 ", out)
    assert re.search(r"Clarke mode at 0:  1 ", out)
    assert "at 0.5 default 1, Clarke 1" in out


SCALE = 2.0


def scaled_relu_identity(x):
    return SCALE * (np.maximum(x, 0.0) - np.maximum(-x, 0.0))


def test_a_rebound_global_is_seen():
    global SCALE
    g = grad(scaled_relu_identity, kinks="clarke")
    assert g(0.0) == 2.0 and g(0.5) == 2.0
    SCALE = 3.0
    try:
        assert g(0.0) == 3.0 and g(0.5) == 3.0
    finally:
        SCALE = 2.0


def recurrent(x, W):
    h = x
    for t in range(3):
        h = np.maximum(W @ h, 0.0) + np.minimum(h, 0.0) + x
    return np.sum(h * h) + np.sum(h)


def test_a_loop_whose_kinks_differ_per_iteration(rng):
    W = rng.normal(size=(3, 3))
    x = np.array([0.0, 0.0, 0.0])         # every unit on its kink in every iteration
    report = kinks(recurrent, x, W)
    assert len(report) == 6
    result = grad(recurrent, kinks="clarke")(x, W)
    nearby = nearby_gradients(recurrent, x, (W,), 200, rng)
    assert in_hull(result, nearby)
    # ... and it is the limit of gradients from one side (one piece's gradient)
    assert np.min(np.max(np.abs(nearby - result), axis=1)) < 1e-5
    away = rng.normal(size=3)
    assert np.array_equal(grad(recurrent, kinks="clarke")(away, W), grad(recurrent)(away, W))


def test_has_aux_defaults_and_the_decorator_form():
    def f(x):
        y = np.maximum(x, 0.0) - np.maximum(-x, 0.0)
        return np.sum(y), {"y": y}                  # aux data: no tangent needed
    g, aux = grad(f, has_aux=True, kinks="clarke")(np.zeros(2))
    assert np.array_equal(g, np.ones(2)) and np.array_equal(aux["y"], np.zeros(2))

    def h(x, n=3):
        s = 0.0
        for i in range(n):
            s = s + relu(x) - relu(-x)
        return s
    assert grad(h, kinks="clarke")(0.0) == 3.0
    assert grad(h, kinks="clarke")(0.0, 2) == 2.0
    assert len(kinks(h, 0.0)) == 6

    @grad(kinks="clarke")
    def m(x):
        return max(x, 0.0) + min(x, 0.0)
    assert m(0.0) == 1.0


def test_index_choices_are_refused_at_ties_and_followed_elsewhere():
    def f(x):
        return x[np.argmax(x)] - np.max(x) + np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0]))
    g = grad(f, kinks="clarke")
    # a relu-style tie elsewhere with no index tie: the sort is followed
    def h(x):
        return np.sum(np.sort(x) * np.array([1.0, 2.0, 3.0])) + relu(x[0] - 3.0)
    x = np.array([3.0, 1.0, 2.0])
    result = grad(h, kinks="clarke")(x)
    assert np.array_equal(result[1:], [1.0, 2.0]) and result[0] in (3.0, 4.0)
    with pytest.raises(TranslationError, match="np.argmax"):
        g(np.array([2.0, 2.0, 1.0]))
    assert np.array_equal(g(np.array([3.0, 1.0, 2.0])), grad(f)(np.array([3.0, 1.0, 2.0])))


def test_numpy_comparison_functions_are_kinks_too():
    def f(x):
        return np.sum(np.where(np.greater(x, 0.0), x, 0.0)
                      - np.where(np.less(x, 0.0), 0.0, -x) * 0.0
                      + np.where(np.less_equal(-x, 0.0), 0.0, x))
    assert [k.primitive for k in kinks(f, np.zeros(2))] == [
        "the comparison x > y", "the comparison x < y", "the comparison x <= y"]
    assert np.array_equal(grad(f, kinks="clarke")(np.zeros(2)), np.ones(2))


def test_norm_and_searchsorted_kinks_are_refused_where_hit():
    def f(x):
        return np.linalg.norm(x, 1) + relu(x[0] - 1.0)
    g = grad(f, kinks="clarke")
    x = np.array([1.0, 2.0, -1.0])                 # relu at its kink, no zero entry
    assert np.array_equal(g(x)[1:], grad(f)(x)[1:]) and g(x)[0] in (1.0, 2.0)
    with pytest.raises(TranslationError, match="np.linalg.norm"):
        g(np.array([1.0, 0.0, -1.0]))
    assert [k.primitive for k in kinks(f, np.array([1.0, 0.0, -1.0]))] == [
        "numpy.linalg.norm", "numpy.maximum"]
