"""Random draws inside a differentiated function are constants that are not
differentiated, but each call draws anew, as in f: a draw inside a loop is not loop
invariant, two draws with the same arguments are not one value, an unused draw still
moves the generator on, and draws happen in f's order. Under the same seed,
value_and_grad's value is f's, bit for bit, and the gradient is the derivative of f
with those draws fixed (central differences, each evaluation under the same seed)."""
import random

import numpy as np
import pytest

from s2s_ad import grad, value_and_grad

from . import random_draw_cases as cases

SEED = 3
CASES = [(cases.draw_in_loop, (0.5, 4)), (cases.python_draw_in_loop, (0.5, 4)),
         (cases.draw_inside_a_call_in_loop, (0.5,)), (cases.two_equal_looking_draws, (0.5,)),
         (cases.unused_draw, (0.5,)), (cases.draws_in_order, (0.5,)),
         (cases.array_draws, (np.linspace(-1.0, 1.0, 5),))]


def seeded(fn, *args):
    np.random.seed(SEED)
    random.seed(SEED)
    return fn(*args)


def difference(f, args, h=1e-6):
    x = args[0]
    if isinstance(x, np.ndarray):
        out = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e.flat[i] = h
            out.flat[i] = (seeded(f, x + e, *args[1:]) - seeded(f, x - e, *args[1:])) / (2 * h)
        return out
    return (seeded(f, x + h, *args[1:]) - seeded(f, x - h, *args[1:])) / (2 * h)


@pytest.mark.parametrize("f, args", CASES, ids=[f.__name__ for f, _ in CASES])
@pytest.mark.parametrize("optimise", ["1", "0"])
def test_draws_are_fs_draws(f, args, optimise, monkeypatch):
    monkeypatch.setenv("S2S_AD_OPTIMISE", optimise)
    for _ in range(2):                              # the first call and a cached one
        value, g = seeded(value_and_grad(f), *args)
        assert value == seeded(f, *args)
        np.testing.assert_allclose(g, difference(f, args), rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(seeded(grad(f), *args), g)


def test_the_generator_moves_on_as_after_f():
    after_f = seeded(lambda: (cases.unused_draw(0.5), np.random.uniform())[1])
    after_grad = seeded(lambda: (grad(cases.unused_draw)(0.5), np.random.uniform())[1])
    assert after_grad == after_f
