"""Every error kind is a located TranslationError (file, line, column, the line itself)
raised before any gradient code runs, never a traceback from inside the compiler."""
import inspect
import math

import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad


def line_of(fun, needle):
    """The file line number of the first line of `fun` that contains `needle`."""
    lines, start = inspect.getsourcelines(fun)
    for offset, line in enumerate(lines):
        if needle in line:
            return start + offset, line
    raise AssertionError(needle)


def assert_located(error, fun, needle):
    lineno, line = line_of(fun, needle)
    assert isinstance(error, SyntaxError)
    assert error.filename == __file__
    assert error.lineno == lineno
    assert error.text.strip() == line.strip()
    assert error.offset >= 1 and line[error.offset - 1:].lstrip()  # the caret is on the line


def uses_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_global(x):
    global SOMETHING
    return x


def uses_yield(x):
    yield x * 2.0


def uses_comprehension(x):
    return sum({x * i for i in range(3)})


def uses_cond(a):
    b = a @ a.T
    return np.sum(np.linalg.cond(b))


def uses_out_keyword(x):
    y = np.sin(x, out=x)
    return np.sum(y)


def returns_an_array(x):
    y = np.sin(x) * 2.0
    return y


def uses_an_undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821


def uses_before_assignment(x):
    y = z + x  # noqa: F821
    z = x
    return y


CASES = [
    (uses_try, "try:", "'try' blocks are not supported"),
    (uses_global, "global SOMETHING", "'global' is not supported"),
    (uses_yield, "yield x", "generators"),
    (uses_comprehension, "for i in range(3)", "set comprehensions are not supported"),
]


@pytest.mark.parametrize("fun, needle, message", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_unsupported_syntax_is_refused_at_decoration(fun, needle, message):
    with pytest.raises(TranslationError, match=message) as info:
        grad(fun)
    assert_located(info.value, fun, needle)


def test_call_without_a_rule_names_the_function(rng):
    with pytest.raises(TranslationError, match="no derivative rule for numpy.linalg.cond") \
            as info:
        grad(uses_cond)
    assert_located(info.value, uses_cond, "np.linalg.cond(b)")


def test_unsupported_keyword_is_refused():
    with pytest.raises(TranslationError, match="out") as info:
        grad(uses_out_keyword)
    assert_located(info.value, uses_out_keyword, "out=x")


def test_non_scalar_output(rng):
    g = grad(returns_an_array)
    with pytest.raises(TranslationError, match="scalar output") as info:
        g(rng.normal(size=3))
    assert "shape (3,)" in str(info.value)
    assert_located(info.value, returns_an_array, "return y")
    # nothing half-built was cached: a later scalar call still compiles cleanly
    assert g.sources == {}


def test_unbound_name_is_reported_at_first_call():
    g = grad(uses_an_undefined_name)            # may be defined later: no error yet
    with pytest.raises(TranslationError, match="not_defined_anywhere") as info:
        g(1.0)
    assert_located(info.value, uses_an_undefined_name, "not_defined_anywhere")


def test_name_defined_after_decoration_is_found_at_first_call():
    g = grad(uses_late_global)
    globals()["LATE"] = 4.0
    try:
        assert g(1.0) == 4.0
    finally:
        del globals()["LATE"]


def uses_late_global(x):
    return LATE * x  # noqa: F821


def test_local_used_before_assignment():
    with pytest.raises(TranslationError, match="before it is assigned") as info:
        grad(uses_before_assignment)
    assert_located(info.value, uses_before_assignment, "y = z + x")


def test_integer_array_inputs_are_not_differentiable():
    def f(x):
        return np.sum(x * 2.0)
    with pytest.raises(TypeError, match="float arrays"):
        grad(f)(np.arange(3))


def test_nested_function_errors_point_at_the_right_column():
    def outer_scope():
        def inner(x):
            return math.floor(x)
        return inner
    with pytest.raises(TranslationError, match="math.floor") as info:
        value_and_grad(outer_scope())
    assert_located(info.value, outer_scope, "math.floor")
    assert info.value.offset == line_of(outer_scope, "math.floor")[1].index("math.floor") + 1


def test_lambda_functions_are_differentiated():
    assert grad(lambda x: x * x)(3.0) == 6.0
