"""Constructors whose values depend on their float arguments (linspace, arange), the
np.r_/np.c_ rules, and the runtime helpers' shape-only arguments."""
import ast

import numpy as np
import pytest

from s2s_ad import grad, rules
from s2s_ad.kinds import Kind
from s2s_ad.runtime import unbroadcast
from s2s_ad.runtime_containers import index_adjoint, spread
from .numpy_checks import assert_grad, random


def lin(a, b):
    return np.sum(np.linspace(a, b, 5) * np.arange(5.0))


def lin_options(a, b):
    weights = np.arange(1.0, 8.0)
    return (np.sum(np.linspace(a, b, 7, endpoint=False) * weights)
            + np.sum(np.linspace(a, b, num=7, endpoint=True) ** 2)
            + np.sum(np.linspace(b, a, 1) * 3.0))


def lin_arrays(a, b):
    return np.sum(np.linspace(a, b, 4) ** 3)       # shape (4,) + broadcast(a, b)


def test_linspace_example():
    assert grad(lin, argnums=(0, 1))(1.0, 2.0) == (2.5, 7.5)


@pytest.mark.parametrize("a, b", [(1.0, 2.0), (-0.3, 4.1)])
def test_linspace_options(a, b):
    assert_grad(lin_options, a, b)


@pytest.mark.parametrize("shape_a, shape_b", [((3,), (3,)), ((), (3,)), ((2, 3), ()),
                                              ((2, 1), (3,))])
def test_linspace_of_arrays(shape_a, shape_b):
    assert_grad(lin_arrays, random(shape_a, seed=1) if shape_a else 0.7,
                random(shape_b, seed=2) if shape_b else -1.2)


def ar_start(a):
    return np.sum(np.arange(a, 5.0) * np.arange(1.0, 5.0))


def ar_step(a, b, s):
    return np.sum(np.arange(a, b, s) ** 2)


def ar_stop_only(b):
    return np.sum(np.arange(b) * 2.0)


def test_arange():
    (d,) = assert_grad(ar_start, 1.5)               # values a, a + 1, a + 2, a + 3
    assert d == 10.0
    assert_grad(ar_step, 0.3, 2.9, 0.7)            # b only sets the length: 0
    assert grad(ar_step, argnums=1)(0.3, 2.9, 0.7) == 0.0
    assert grad(ar_stop_only)(4.5) == 0.0          # 0, 1, 2, 3, 4: constant in b


# -- np.r_ / np.c_: their templates, checked on their own ------------------------------
# (The lowering must route `np.r_[...]` to these rules; until it does, the reverse
# transform never asks for them. See the report of branch h-rules.)

def adjoints(obj, shapes):
    """Evaluate the rule's template for each piece on a random g of the result's shape."""
    rule = rules.rule_for_call(obj)
    pieces = [random(s, seed=k) for k, s in enumerate(shapes)]
    result = obj[tuple(pieces)]
    kinds = {f"arrays[{k}]": Kind(np.ndarray, s, np.float64) for k, s in enumerate(shapes)}
    info = rules.RuleInfo(kinds, {}, Kind(np.ndarray, result.shape, np.float64),
                          set(kinds))
    g = random(result.shape, seed=9)
    out = []
    for k in range(len(shapes)):
        template = rule.template(f"arrays[{k}]", info)
        out.append(eval(compile(ast.Expression(template), "<template>", "eval"),
                        {"np": np, "g": g}))
    return g, out


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(), (4,), ()], [(2,), (1,), (3,)]])
def test_r_adjoint_slices_g_back(shapes):
    g, parts = adjoints(np.r_, shapes)
    assert [np.shape(p) for p in parts] == [tuple(s) for s in shapes]
    np.testing.assert_array_equal(np.r_[tuple(parts)], g)   # the pieces tile g


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(3, 2), (3,)], [(4,), (4, 3), (4,)]])
def test_c_adjoint_slices_g_back(shapes):
    g, parts = adjoints(np.c_, shapes)
    assert [np.shape(p) for p in parts] == [tuple(s) for s in shapes]
    np.testing.assert_array_equal(np.c_[tuple(parts)], g)


def test_r_and_c_refuse_what_they_do_not_cover():
    with pytest.raises(rules.Unsupported, match="np.concatenate"):
        adjoints(np.r_, [(2, 2), (1, 2)])
    with pytest.raises(rules.Unsupported, match="np.column_stack"):
        adjoints(np.c_, [(2, 2, 1), (2, 2, 1)])


# -- runtime helpers called as primitives: the shape-only argument gets 0 ----------------

def through_helpers(x, y):
    total = np.sum(unbroadcast(x * y, y) ** 2)
    total = total + np.sum(index_adjoint(x, 1, y[0]) * x)
    return total + np.sum(np.array(spread(x, y[1])) * x)


def test_runtime_helpers_differentiate_in_every_argument():
    assert_grad(through_helpers, random((3,), seed=3), random((3,), seed=4))
