"""Every scalar rule (operators, the math module, builtins) against central finite
differences at random points of its domain."""
import builtins
import math

import numpy as np
import pytest

from s2s_ad import check_grad, grad

# (function, sampler of a point in its domain)
UNARY = [
    (math.sin, lambda r: r.uniform(-3, 3)),
    (math.cos, lambda r: r.uniform(-3, 3)),
    (math.tan, lambda r: r.uniform(-1.2, 1.2)),
    (math.asin, lambda r: r.uniform(-0.9, 0.9)),
    (math.acos, lambda r: r.uniform(-0.9, 0.9)),
    (math.atan, lambda r: r.uniform(-3, 3)),
    (math.sinh, lambda r: r.uniform(-2, 2)),
    (math.cosh, lambda r: r.uniform(-2, 2)),
    (math.tanh, lambda r: r.uniform(-2, 2)),
    (math.exp, lambda r: r.uniform(-2, 2)),
    (math.expm1, lambda r: r.uniform(-2, 2)),
    (math.log, lambda r: r.uniform(0.1, 5)),
    (math.log1p, lambda r: r.uniform(-0.5, 5)),
    (math.log2, lambda r: r.uniform(0.1, 5)),
    (math.log10, lambda r: r.uniform(0.1, 5)),
    (math.sqrt, lambda r: r.uniform(0.1, 5)),
    (math.fabs, lambda r: r.choice([-1, 1]) * r.uniform(0.1, 3)),
    (builtins.abs, lambda r: r.choice([-1, 1]) * r.uniform(0.1, 3)),
    (builtins.float, lambda r: r.uniform(-3, 3)),
]

BINARY = [
    (math.atan2, lambda r: (r.uniform(-2, 2), r.uniform(-2, 2))),
    (math.hypot, lambda r: (r.uniform(-2, 2), r.uniform(-2, 2))),
    (math.pow, lambda r: (r.uniform(0.2, 3), r.uniform(-2, 2))),
    (builtins.pow, lambda r: (r.uniform(0.2, 3), r.uniform(-2, 2))),
    (math.log, lambda r: (r.uniform(0.2, 5), r.uniform(1.5, 10))),
]


def calling(fn):
    def f(x):
        return fn(x)
    return f


def calling2(fn):
    def f(x, y):
        return fn(x, y)
    return f


@pytest.mark.parametrize("fn, sample", UNARY, ids=lambda v: getattr(v, "__name__", ""))
def test_unary_rule(fn, sample, rng):
    f = calling(fn)
    for _ in range(5):
        x = float(sample(rng))
        check = check_grad(f, x)
        assert check.max_rel_error < 1e-7, (fn, x, check)


@pytest.mark.parametrize("fn, sample", BINARY, ids=lambda v: getattr(v, "__name__", ""))
def test_binary_rule(fn, sample, rng):
    f = calling2(fn)
    for _ in range(5):
        x, y = (float(v) for v in sample(rng))
        check = check_grad(f, x, y, argnums=(0, 1))
        assert check.max_rel_error < 1e-7, (fn, x, y, check)


def add(x, y): return x + y
def sub(x, y): return x - y
def mul(x, y): return x * y
def div(x, y): return x / y
def power(x, y): return x ** y
def mod(x, y): return x % y
def neg(x, y): return -x * +y
def square(x, y): return x ** 2 + y ** 3 - x ** -1.5


@pytest.mark.parametrize("f", [add, sub, mul, div, power, mod, neg, square],
                         ids=lambda f: f.__name__)
def test_operator_rules(f, rng):
    for _ in range(5):
        x, y = rng.uniform(0.3, 3), rng.uniform(0.3, 3)
        check = check_grad(f, float(x), float(y), argnums=(0, 1))
        assert check.max_rel_error < 1e-7, (f.__name__, x, y, check)


def test_abs_at_zero_is_zero():
    assert grad(calling(abs))(0.0) == 0.0
    assert grad(calling(math.fabs))(0.0) == 0.0


def np_elementwise(x, y):
    return np.sum(np.sin(x) * np.exp(y) + np.log1p(x * x) / np.cosh(y) + np.sqrt(x + 2.0))


def broadcast_ops(x, b):
    return np.sum((x - b) ** 2 / (1.0 + b * b))


@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4)])
def test_numpy_elementwise_rules(shape, rng):
    x, y = rng.uniform(0.1, 1, shape), rng.uniform(-1, 1, shape)
    assert check_grad(np_elementwise, x, y, argnums=(0, 1)).max_rel_error < 1e-7


@pytest.mark.parametrize("xshape, bshape", [((3, 4), (4,)), ((3, 4), (3, 1)), ((4,), (3, 4)),
                                            ((3, 4), ()), ((2, 1, 4), (3, 1))])
def test_broadcasting_adjoints_reduce_to_the_operand_shape(xshape, bshape, rng):
    x, b = rng.normal(size=xshape), rng.normal(size=bshape)
    gx, gb = grad(broadcast_ops, argnums=(0, 1))(x, b)
    assert gx.shape == x.shape and gb.shape == b.shape
    assert check_grad(broadcast_ops, x, b, argnums=(0, 1)).max_rel_error < 1e-7


def relu(x):
    return max(x, 0.0)


def larger(x, y):
    return max(x, y) - min(x, 2.0 * y)


def test_builtin_max_and_min_follow_the_documented_tie_rules():
    assert (grad(relu)(-1.0), grad(relu)(0.0), grad(relu)(1.0)) == (0.0, 0.0, 1.0)
    assert grad(larger, argnums=(0, 1))(1.0, 1.0) == (0.5 - 1.0, 0.5)    # max tie split
    assert grad(larger, argnums=(0, 1))(2.0, 1.0) == (1.0 - 0.5, -1.0)  # min(2, 2) tie split
