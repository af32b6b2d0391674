"""has_aux, as in JAX: the function returns (output, aux); aux rides along."""
import inspect

import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad


def loss_with_stats(w, X, y):
    pred = X @ w
    err = pred - y
    return np.mean(err * err), {"pred": pred, "max_err": np.max(np.abs(err))}


def first_crossing(x, n):
    total = 0.0
    for i in range(n):
        total = total + x * i
        if total > 5.0:
            return total, i
    return total, -1


def not_a_pair(x):
    return x * x


def test_grad_returns_the_gradient_and_the_auxiliary_data(rng):
    X, y, w = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3)
    g, aux = grad(loss_with_stats, has_aux=True)(w, X, y)
    assert np.allclose(g, 2 * X.T @ (X @ w - y) / 6, rtol=1e-13)
    assert np.array_equal(aux["pred"], X @ w)
    assert aux["max_err"] == np.max(np.abs(X @ w - y))
    (value, aux2), g2 = value_and_grad(loss_with_stats, has_aux=True)(w, X, y)
    assert value == loss_with_stats(w, X, y)[0] and np.array_equal(g, g2)
    assert aux2["max_err"] == aux["max_err"]


@pytest.mark.parametrize("x, n", [(2.0, 10), (0.1, 4), (1.0, 0)])
def test_aux_from_early_returns_in_a_loop(x, n):
    g, aux = grad(first_crossing, has_aux=True)(x, n)
    assert aux == first_crossing(x, n)[1]
    # d total / dx = the sum of the indices added before the loop stopped
    assert g == pytest.approx(sum(range(aux + 1 if aux >= 0 else n)))


def test_has_aux_needs_a_pair_at_every_return():
    with pytest.raises(TranslationError, match="must return a pair") as info:
        grad(not_a_pair, has_aux=True)
    lines, start = inspect.getsourcelines(not_a_pair)
    assert info.value.lineno == start + 1


def test_aux_is_not_differentiated():
    def f(x):
        y = x * 3.0
        return y * y, y
    assert grad(f, has_aux=True)(2.0) == (36.0, 6.0)


def computed_key(x):
    key = "a"
    return x * x, {key: x}


def test_dict_keys_must_be_literals():
    with pytest.raises(TranslationError, match="literal keys") as info:
        grad(computed_key, has_aux=True)
    lines, start = inspect.getsourcelines(computed_key)
    assert info.value.lineno == start + 2
