"""Python as people write it (issue 9): lambdas, nested functions and closures,
unpacking, tuples of computed values, comprehensions, `is None`, isinstance, assert
and print, random draws. Each gradient is checked against autograd running the same
function (its globals' `np` swapped for autograd.numpy), each value bit for bit."""
import random
import types

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad


def reference(f, *args):
    g = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__,
                           f.__defaults__, f.__closure__)
    return autograd.grad(g)(*args)


def check(f, *args):
    value, g = value_and_grad(f)(*args)
    assert value == f(*args)
    np.testing.assert_allclose(g, reference(f, *args), rtol=1e-12, atol=1e-14)


X = np.array([0.3, -1.2, 0.7])


def test_grad_of_lambdas_sharing_a_line():
    f, g = (lambda x: np.sum(np.sin(x) * x)), (lambda x: np.sum(x ** 3))
    check(f, X)
    check(g, X)
    np.testing.assert_allclose(grad(g)(X), 3 * X ** 2)


def rk4(x):
    h = 0.1

    def deriv(y):
        return -x * y + np.sin(y)       # closes over x

    y = x
    for _ in range(3):
        k1 = deriv(y)
        k2 = deriv(y + h / 2 * k1)
        k3 = deriv(y + h / 2 * k2)
        k4 = deriv(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.sum(y)


def test_nested_function_closing_over_an_argument():
    check(rk4, X)


def step(f, y, h):
    return y + h * f(y)


def passes_a_lambda(x):
    scale = 2.0
    y = step(lambda t: scale * np.tanh(t), x, 0.5)
    sq = lambda t: t * t  # noqa: E731
    return np.sum(sq(y))


def test_lambdas_passed_to_helpers_and_assigned():
    check(passes_a_lambda, X)


def polar(a):
    return 2 * a, a * a


def unpacks(x):
    a, b, c = x                 # the elements of an array
    p, q = polar(a)             # a tuple a helper returns
    t = b, c, p
    first, *rest = t
    (u, v), w = (q, first), rest[1]
    return u * v + w + max(a, b, c) + min(p, q, t[2]) + rest[0]


def test_unpacking_and_tuples():
    check(unpacks, X)


def loops_over_enumerate_zip(x, w):
    total = 0.0
    for i, (a, b) in enumerate(zip(x, w)):
        total = total + i * a * b
    return total


def test_nested_loop_targets():
    check(loops_over_enumerate_zip, X, X[::-1].copy())


def comprehensions(x):
    squares = [v * v for v in x if v > -2.0]
    total = sum(np.sin(v) * k for k, v in enumerate(x))
    return np.sum(np.array(squares)) + total + sum([s * 2 for s in squares])


def test_comprehensions_and_sum_of_a_generator():
    check(comprehensions, X)


def checks_and_prints(x, w=None):
    assert x.shape == (3,), "x must have three entries"
    print("x is", x[0])
    if w is None:
        w = 2.0
    if isinstance(w, float):
        y = w * x
    else:
        y = x
    return np.sum(y * y)


def test_assert_print_is_none_isinstance(capsys):
    check(checks_and_prints, X)
    out = capsys.readouterr().out
    assert out.count("x is") == 3           # f, value_and_grad (no probe), reference
    with pytest.raises(AssertionError, match="three entries"):
        grad(checks_and_prints)(np.ones(2))


def noisy(x):
    noise = np.random.normal(0.0, 1.0, size=3)
    return np.sum(x * noise) + random.random()


def test_random_draws_are_constants_drawn_once():
    np.random.seed(5)
    random.seed(5)
    expected = noisy(X)
    np.random.seed(5)
    random.seed(5)
    value, g = value_and_grad(noisy)(X)     # first call: the probe must not draw
    assert value == expected
    np.random.seed(5)
    noise = np.random.normal(0.0, 1.0, size=3)
    np.testing.assert_array_equal(g, noise)


def random_with_active_mean(x):
    return np.sum(np.random.normal(x, 1.0))


def test_random_draw_with_an_active_parameter_is_refused():
    with pytest.raises(TranslationError, match="random draw"):
        grad(random_with_active_mean)(X)


def returns_a_tuple(x):
    return np.sum(x), x


def test_a_tuple_return_mentions_has_aux():
    with pytest.raises(TranslationError, match="has_aux"):
        grad(returns_a_tuple)(X)


def sorts(x):
    y = x * 2
    y.sort()
    return np.sum(y)


def test_in_place_method_is_not_called_no_effect():
    with pytest.raises(TranslationError, match="in place"):
        grad(sorts)
