"""Calls to user functions: inlined, with keyword arguments, defaults and closures."""
import numpy as np
import pytest

from s2s_ad import TranslationError, check_grad, grad, value_and_grad

from . import container_cases as cases

CASES = [
    (cases.calls, (0.3, 1.7), (0, 1)),
    (cases.calls, (0.9, 0.2), (0, 1)),
    (cases.calls_a_looping_helper, (1.7,), 0),
    (cases.calls_a_looping_helper, (3.5,), 0),
    (cases.calls_wrapped, (1.5,), 0),
    (cases.name_clash, (0.5,), 0),
]


@pytest.mark.parametrize("f, args, argnums", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_inlined_calls(f, args, argnums):
    check = check_grad(f, *args, argnums=argnums)
    assert check, f"{f.__name__}: {check}"
    value, _ = value_and_grad(f, argnums=argnums)(*args)
    assert value == f(*args)


def test_generated_code_says_which_callee_it_came_from():
    g = grad(cases.calls, argnums=(0, 1))
    g(0.3, 1.7)
    assert "# inlined helper(x * i, scale=y), line" in g.source
    assert "helper_u = " in g.source                # callee locals carry its name
    assert "# inlined closure(x)" in g.source


def test_recursion_is_refused_with_its_line():
    with pytest.raises(TranslationError) as info:
        grad(cases.recursive)(3.0)
    assert "recursive call of 'recursive'" in info.value.msg
    assert info.value.lineno == cases.recursive.__code__.co_firstlineno + 2


def test_calling_a_gradient_is_a_primitive_with_a_hessian_vector_adjoint():
    from . import gradient_call
    g = grad(gradient_call.uses_gradient)
    assert g(1.5) == 4 * 1.5                        # d/dx (2x * x), exactly
    assert "d_square(x)" in g.source                # the gradient object, called as written
    assert "# grad(square) differentiated: a Hessian-vector product" in g.source


def test_caller_arguments_unchanged_by_inlined_writes():
    x = np.array([0.5, -1.0, 2.0])
    before = x.copy()
    grad(cases.copy_then_write)(x)
    assert np.array_equal(x, before)
