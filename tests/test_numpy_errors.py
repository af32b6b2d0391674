"""Errors for array programs point at the user's line: a NumPy function without a
rule, an unsupported keyword such as out=, a rule case that is not covered."""
import inspect

import numpy as np
import pytest

from s2s_ad import TranslationError, grad


def _line_of(f, text):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_function_without_rule_is_named_and_located():
    def f(A):
        return np.linalg.cond(A @ A)
    with pytest.raises(TranslationError) as info:
        grad(f)
    error = info.value
    assert "numpy.linalg.cond" in error.msg
    assert error.filename == __file__
    assert error.lineno == _line_of(f, "np.linalg.cond")
    assert "np.linalg.cond(A @ A)" in error.text


def test_out_keyword_is_refused_with_location():
    def f(x):
        buffer = np.zeros(3)
        y = np.sum(x, axis=0, out=buffer)
        return np.sum(y)
    with pytest.raises(TranslationError) as info:
        grad(f)
    error = info.value
    # it says that buffer changes, and what to write instead
    assert "writes the result into 'buffer' in place" in error.msg
    assert "buffer = np.sum(x, axis=0)" in error.msg
    assert (error.filename, error.lineno) == (__file__, _line_of(f, "out=buffer"))
    assert "np.sum(x, axis=0, out=buffer)" in error.text


def test_unsupported_keyword_on_a_method_is_refused():
    def f(x):
        return x.sum(dtype=np.float32)
    with pytest.raises(TranslationError, match="'dtype=' of ndarray.sum"):
        grad(f)


def test_rule_case_not_covered_is_located():
    def f(x):
        return np.linalg.norm(x, ord=0.5)
    with pytest.raises(TranslationError) as info:
        grad(f)(np.ones(3))
    assert "order 0.5 is not supported" in info.value.msg
    assert info.value.lineno == _line_of(f, "ord=0.5")


def test_einsum_needs_explicit_output():
    def f(a, b):
        return np.einsum("ij,jk", a, b).sum()
    with pytest.raises(TranslationError, match="explicit subscripts"):
        grad(f)(np.ones((2, 2)), np.ones((2, 2)))


def test_axis_must_be_literal():
    def f(x, k):
        return np.sum(np.sum(x, axis=k))
    with pytest.raises(TranslationError, match="'axis' must be a literal"):
        grad(f)(np.ones((2, 2)), 1)


def test_chained_comparison_of_arrays_fails_as_in_python():
    # `0 < x < 1` means `(0 < x) and (x < 1)`: on arrays Python itself refuses it, and
    # so does the gradient, with the same error rather than a silently different mask.
    def f(x):
        return np.sum(x * (0.0 < x < 1.0))
    x = np.array([0.5, 2.0])
    with pytest.raises(ValueError, match="ambiguous"):
        f(x)
    with pytest.raises(ValueError, match="ambiguous"):
        grad(f)(x)
