"""Element writes into arrays the function creates, and local lists."""
import numpy as np
import pytest

from s2s_ad import TranslationError, check_grad, grad, value_and_grad

from . import container_cases as cases

X = np.array([1.0, 2.0, 3.0, 4.0])

CASES = [
    (cases.fill, (X,), 0),
    (cases.overwrite_read_later, (1.3,), 0),
    (cases.copy_then_write, (np.array([0.5, -1.0, 2.0]),), 0),
    (cases.list_container, (1.3,), 0),
    (cases.list_literal, (1.3, 0.4), (0, 1)),
    (cases.needs_restore, (1.5,), 0),
]


@pytest.mark.parametrize("f, args, argnums", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_value_and_arguments(f, args, argnums):
    before = [np.copy(a) for a in args]
    check = check_grad(f, *args, argnums=argnums)
    assert check, f"{f.__name__}: {check}"
    value, _ = value_and_grad(f, argnums=argnums)(*args)
    assert value == f(*args)
    for a, b in zip(before, args):
        assert np.array_equal(a, b)


def test_scalar_reads_update_the_adjoint_in_place():
    g = grad(cases.fill)
    g(X)
    assert "x_bar[i] += " in g.source
    assert g.source.count("np.zeros_like(x)") == 1     # one container, not one per read


def test_overwritten_values_are_saved_only_when_read_backwards():
    g = grad(cases.fill)
    g(X)
    # the reverse reads `out` only before undoing the writes: nothing is saved
    assert ".copy()" not in g.source.split("# reverse sweep")[0]
    g = grad(cases.needs_restore)
    g(1.5)
    forward, reverse = g.source.split("# reverse sweep")
    assert "buf[1].copy()" in forward and "buf[1] = " in reverse
    assert check_grad(cases.needs_restore, 1.5)


def test_list_adjoint_pops_in_reverse_order():
    g = grad(cases.list_container)
    g(1.3)
    assert "vals_bar.pop()" in g.source


def test_writing_into_an_argument_is_refused_with_its_line():
    with pytest.raises(TranslationError) as info:
        grad(cases.write_argument)(np.ones(3))
    assert info.value.lineno == cases.write_argument.__code__.co_firstlineno + 1
    assert "copy it first" in info.value.msg


def test_appending_to_an_argument_list_is_refused():
    with pytest.raises(TranslationError) as info:
        grad(cases.append_to_argument)(1.0, [])
    assert info.value.lineno == cases.append_to_argument.__code__.co_firstlineno + 1


def filled_with(x, c):
    a = np.full(4, c)
    b = np.full_like(x, c * c)
    return np.sum(a * x + b * x)


def builtin_extremes(x, y):
    return min(x, y) * 2.0 + max(x * y, 0.5) + sum([x, y, x * y])


def test_fill_values_and_builtin_min_max_sum_against_finite_differences():
    x = np.array([0.3, -1.2, 2.0, 0.7])
    assert check_grad(filled_with, x, 0.8, argnums=(0, 1)).max_rel_error < 1e-8
    for point in ((0.4, 1.3), (1.7, 0.2), (-0.5, -2.0)):
        assert check_grad(builtin_extremes, *point, argnums=(0, 1)).max_rel_error < 1e-8


def loop_after_a_full_sum(x, W):
    t = np.sin(x)
    for row in W:
        t = t + np.tanh(np.sin(x))       # a loop the output does not depend on
    return np.sum(np.sum(x))


def write_the_output_ignores(x, W):
    buf = np.zeros(3)
    buf[1] = np.mean(W)
    return np.sum(np.mean(W) * x)


def test_regressions_found_by_the_random_programs():
    x, W = np.array([0.3, -0.7, 1.1]), np.array([[0.5, -0.2, 0.9], [1.3, 0.4, -0.6]])
    for f in (loop_after_a_full_sum, write_the_output_ignores):
        assert check_grad(f, x, W, argnums=(0, 1)).max_rel_error < 1e-8
