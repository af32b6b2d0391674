"""Lists built at run time and joined by NumPy, element writes into local lists, and
list literals passed to rules that take the list as one array."""
import numpy as np
import pytest

from s2s_ad import grad, value_and_grad


def central(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[k] = eps
        out[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


def stacked(x):
    states = []
    for i in range(3):
        states.append(x * (i + 1.0))
    return np.sum(np.stack(states) ** 2)


def stacked_axis1(x):
    states = []
    for i in range(3):
        states.append(np.sin(x) * i)
    return np.sum(np.stack(states, axis=1) * np.arange(6.0).reshape(2, 3))


def concatenated(x):
    parts = []
    for i in range(2):
        parts.append(x[: i + 1] * 2.0)
    return np.sum(np.concatenate(parts) ** 3)


def vstacked(x):
    rows = []
    for i in range(3):
        rows.append(x + i)
    return np.sum(np.vstack(rows) * np.arange(6.0).reshape(3, 2))


def hstacked(x):
    pieces = []
    for i in range(2):
        pieces.append(x * x * (i + 1.0))
    return np.sum(np.hstack(pieces) * np.arange(4.0))


@pytest.mark.parametrize("f", [stacked, stacked_axis1, concatenated, vstacked, hstacked])
def test_joining_a_list_built_by_append(f):
    x = np.array([0.4, -1.3])
    value, g = value_and_grad(f)(x)
    assert value == f(x)
    assert np.allclose(g, central(f, x), rtol=1e-7, atol=1e-9)


def list_element_write(v):
    values = [0.0, 1.5]
    values[0] = v
    values[1] = values[0] * values[1]
    return values[0] * values[1] + values[0]


def test_element_writes_into_a_local_list():
    value, g = value_and_grad(list_element_write)(2.0)
    assert value == list_element_write(2.0)
    assert g == pytest.approx(2 * 1.5 * 2.0 + 1.0)


def mean_of_scalars(x):
    return np.mean([x, x + 2.0, 3.0 * x])


def sine_of_a_list(a, b):
    return np.sum(np.sin([a, a * b]))


def test_list_literals_given_to_rules_that_take_one_array():
    value, g = value_and_grad(mean_of_scalars)(2.0)
    assert value == mean_of_scalars(2.0)
    assert g == pytest.approx(5.0 / 3.0)
    ga, gb = grad(sine_of_a_list, argnums=(0, 1))(0.3, 2.0)
    assert ga == pytest.approx(np.cos(0.3) + 2.0 * np.cos(0.6))
    assert gb == pytest.approx(0.3 * np.cos(0.6))


def list_bound_on_two_paths(x, c):
    if c > 0:
        rows = [x]
    else:
        rows = [x * 2.0]
    return np.sum(np.stack(rows))


def test_joining_a_list_bound_on_two_paths_is_refused_with_what_to_write():
    from s2s_ad.errors import TranslationError
    with pytest.raises(TranslationError, match="the list 'rows', which is bound on more "
                                               "than one path") as error:
        grad(list_bound_on_two_paths)(np.ones(2), 1.0)
    assert error.value.lineno == list_bound_on_two_paths.__code__.co_firstlineno + 5
    assert "rows = []" in str(error.value)
