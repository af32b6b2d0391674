"""Tuples, NamedTuples and dicts of computed values inside a function (issue 9): carried
from one loop iteration to the next (through branches, break, continue and nested
loops), dict displays and dict comprehensions. Each gradient is checked against
autograd running the same function (its globals' `np` swapped for autograd.numpy),
each value bit for bit."""
import types
from collections import namedtuple

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad

State = namedtuple("State", "theta omega")


def reference(f, *args, argnums=0):
    g = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__,
                           f.__defaults__, f.__closure__)
    return autograd.grad(g, argnum=argnums)(*args)


def check(f, *args):
    argnums = tuple(range(len(args)))
    value, g = value_and_grad(f, argnums=argnums)(*args)
    assert value == f(*args)
    for i, gi in enumerate(g):
        np.testing.assert_allclose(gi, reference(f, *args, argnums=i), rtol=1e-11,
                                   atol=1e-13)


def pendulum(theta0, omega0, dt):
    s = State(theta0, omega0)
    for step in range(25):
        s = State(s.theta + dt * s.omega, s.omega - dt * np.sin(s.theta))
    return s.theta ** 2 + s.omega


def tuple_with_break(a, b):
    t = (a, b)
    for i in range(6):
        x, y = t
        t = (x * y, y + 0.5)
        if t[0] > 20.0:
            break
    return t[0] + t[1]


def dict_with_continue_and_inner_loop(a, w):
    d = {"a": a, "w": w, "n": 0.0}
    for i in range(4):
        if i == 1:
            continue
        for j in range(2):
            d = {"a": d["a"] + np.sum(d["w"]) * 0.1, "w": np.sin(d["w"]) * d["a"],
                 "n": d["n"] + 1.0}
        if d["a"] < 0.0:
            d = {"a": -d["a"], "w": d["w"], "n": d["n"]}
    return d["a"] * d["n"] + np.sum(d["w"] ** 2)


def nested_structure(a, w):
    s = (State(a, 1.0), {"w": w})
    for i in range(3):
        first, rest = s
        s = (State(first.theta * 0.9, first.omega + np.sum(rest["w"])),
             {"w": rest["w"] * first.theta})
    return s[0].omega + np.sum(s[1]["w"])


@pytest.mark.parametrize("f, args", [
    (pendulum, (0.3, 0.2, 0.05)),
    (tuple_with_break, (1.5, 2.0)),          # breaks in the third iteration
    (tuple_with_break, (0.1, 0.2)),          # never breaks
    (dict_with_continue_and_inner_loop, (0.7, np.array([0.3, -0.4]))),
    (dict_with_continue_and_inner_loop, (-0.7, np.array([0.3, 0.4]))),
    (nested_structure, (0.8, np.array([0.1, 0.2, 0.3]))),
])
def test_containers_carried_through_loops(f, args):
    check(f, *args)


def changes_structure(a):
    t = (a, a)
    for i in range(2):
        t = (t[0], t[1], a)
    return t[0]


def test_a_loop_changing_a_carried_structure_is_refused():
    with pytest.raises(TranslationError, match="'t' is a tuple, NamedTuple or dict that "
                                               "this loop makes with another structure"):
        grad(changes_structure)(1.0)


def dict_comprehensions(a, w):
    p = {"a": a, "w": w, "skip": 3.0}
    scaled = {k: v * 2.0 for k, v in p.items() if k != "skip"}
    squares = {i: w[i] ** 2 for i in range(3) if i % 2 == 0}
    both = {f: scaled[f] + 1.0 for f in scaled for rep in range(2)}
    return np.sum(scaled["w"] * scaled["a"]) + squares[0] * squares[2] + np.sum(both["w"])


def dict_displays(a, b):
    d = {"a": a, "b": b, "a": b * 3.0}           # noqa: F601  (the last value wins)
    e = {"d": d, "t": (a, b)}
    return d["a"] * e["t"][0] + e["d"]["b"] + len(d)


def test_dict_comprehensions_and_displays():
    check(dict_comprehensions, 0.5, np.array([0.1, -0.2, 0.3]))
    check(dict_displays, 0.5, 1.5)


def comprehension_over_a_runtime_range(x, n):
    d = {i: x * i for i in range(n)}
    return d[1]


def test_a_dict_comprehension_with_a_runtime_loop_is_refused_where_written():
    with pytest.raises(TranslationError, match="a dict comprehension is built at compile "
                                               "time") as info:
        grad(comprehension_over_a_runtime_range)(2.0, 3)
    assert "range(n)" in info.value.text


def sum_of_generators(w, x):
    total = sum(np.sum(w * x[i]) for i in range(3))
    total = total + sum(v ** 2 for v in w)
    return total + sum([np.sin(v) for v in x[0]])


def test_sum_of_a_generator():
    check(sum_of_generators, np.array([0.5, -1.0]), np.arange(6.0).reshape(3, 2))


def writes_a_local_dict(x):
    d = {"a": x * 2.0}
    d["b"] = x * 3.0
    return d["a"] * d["b"]


def writes_the_callers_dict(p):
    p["W"] = p["W"] * 2.0
    return np.sum(p["W"])


def test_writes_into_dicts_are_refused_with_what_to_write():
    with pytest.raises(TranslationError, match=r"writing into the dict 'd' is not "
                                               r"supported.*d = \{k: \.\.\."):
        grad(writes_a_local_dict)(1.0)
    with pytest.raises(TranslationError, match="writing into the dict 'p'") as info:
        grad(writes_the_callers_dict)({"W": np.ones(2)})
    assert 'p["W"] = ' in info.value.text
    with pytest.raises(TranslationError, match="writing into the argument 'p'"):
        grad(writes_the_callers_dict)(np.ones(2))


def stops_early(x, n):
    total = 0.0
    for i in range(n):
        total = total + x * i
        if total > 5.0:
            return total, {"i": i, "total": total}
    return total, {"i": -1, "total": total}


@pytest.mark.parametrize("x, n, stop", [(2.0, 10, 2), (0.1, 4, -1)])
def test_dict_aux_returned_early_from_a_loop(x, n, stop):
    g, aux = grad(stops_early, has_aux=True)(x, n)
    assert aux == stops_early(x, n)[1] and aux["i"] == stop
    assert g == sum(range(stop + 1 if stop >= 0 else n))


def two_layers(params, x):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def loss_of_leaves(W1, b1, W2, b2, x):
    return two_layers([(W1, b1), (W2, b2)], x)


def test_a_list_display_of_tuples_is_a_tree_passed_to_a_helper(rng):
    args = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=2), rng.normal(size=(5, 3)))
    value, g = value_and_grad(loss_of_leaves, argnums=(0, 1, 2, 3))(*args)
    assert value == loss_of_leaves(*args)
    reference_fn = types.FunctionType(loss_of_leaves.__code__, {
        **globals(), "np": anp,
        "two_layers": types.FunctionType(two_layers.__code__, {**globals(), "np": anp})})
    for i in range(4):
        np.testing.assert_allclose(g[i], autograd.grad(reference_fn, i)(*args), rtol=1e-12)
