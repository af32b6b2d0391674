"""Cases that used to fail inside the compiler or the generated code: each now gives
the exact gradient (or, where noted, a located refusal)."""
import numpy as np
import pytest

from s2s_ad import grad, value_and_grad

from . import shadowing_module as shadowing


def test_builtins_the_module_rebinds_are_not_what_generated_code_calls():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    value, g = value_and_grad(shadowing.rows)(x)
    assert value == shadowing.rows(x)
    assert np.array_equal(g, 2 * x)
    assert grad(shadowing.scaled)(2.0, 3) == 3.0


def test_a_gradient_of_a_float_is_a_float_even_when_it_is_an_int_operand():
    def scaled(a, b):
        return a * b
    g = grad(scaled)(2.0, 3)
    assert type(g) is float and g == 3.0


def doubling_unless_large(x, n):
    if n > 5:
        return x
    for i in range(n):
        x = x * 2.0
    return x


@pytest.mark.parametrize("n, expected", [(0, 1.0), (6, 1.0), (2, 4.0)])
def test_an_early_return_and_a_loop_that_may_run_zero_times(n, expected):
    g = value_and_grad(doubling_unless_large)
    value, d = g(1.5, n)
    assert value == doubling_unless_large(1.5, n)
    assert d == expected


def early_return_then_sequence_loop(x, vals):
    if x > 10.0:
        return x
    s = 0.0
    for v in vals:
        s = s + v * x
    return s


def test_code_compiled_on_the_early_return_path_serves_the_loop_path():
    g = value_and_grad(early_return_then_sequence_loop)
    assert g(20.0, np.array([1.0, 2.0])) == (20.0, 1.0)
    value, d = g(1.0, np.array([1.0, 2.0]))        # same signature, the other path
    assert value == 3.0 and d == 3.0


def elements_by_mask_and_index_array(x):
    return np.sum(np.array([x[x > 0.0], x[[0, 1]]]) ** 2)


def test_np_array_of_elements_taken_by_mask_and_by_index_array():
    x = np.array([1.0, 2.0])
    assert np.allclose(grad(elements_by_mask_and_index_array)(x), 4 * x)
