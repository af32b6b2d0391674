"""Second derivatives through loops and element writes, jvp(grad(f)) (the Hessian-vector
product), and grad(inner) called inside a differentiated function (meta-learning):
each against central differences of something s2s_ad already differentiates exactly
(grad(f)), or of the function itself."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, hessian, jvp, show, value_and_grad

from . import container_cases as kc
from . import control_cases as cc
from . import other_module_data
from .numpy_checks import random

H = 1e-6


def central(f, x, h=H):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_grad_of_grad_through_the_damped_oscillator_loop():
    for n, k, c in [(0, 4.0, 0.5), (1, 4.0, 0.5)]:
        second = grad(grad(cc.oscillator, argnums=n), argnums=n)(k, c)
        first = grad(cc.oscillator, argnums=n)
        fd = central(lambda t: first(t, c), k) if n == 0 else central(lambda t: first(k, t), c)
        assert second == pytest.approx(fd, rel=1e-6)
    mixed = grad(grad(cc.oscillator, argnums=0), argnums=1)(4.0, 0.5)
    assert mixed == pytest.approx(central(lambda t: grad(cc.oscillator)(4.0, t), 0.5),
                                  rel=1e-6)


def test_grad_of_grad_through_nested_loops_with_a_branch():
    first = grad(cc.nested, argnums=1)
    for x, y in [(0.7, 1.1), (0.4, 0.9)]:
        second = grad(first, argnums=1)(x, y)
        assert second == pytest.approx(central(lambda t: first(x, t), y), rel=1e-6)
        across = grad(first, argnums=0)(x, y)
        assert across == pytest.approx(central(lambda t: first(t, y), x), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("f", [kc.fill, cc.rosenbrock])
def test_hessian_through_element_writes_matches_differences_of_the_gradient(f):
    x = random((4,), low=0.2, high=1.3)
    Hx = hessian(f)(x)
    g = grad(f)
    fd = np.array([central(lambda t: g(x + t * e), 0.0) for e in np.eye(4)])
    np.testing.assert_allclose(Hx, fd, rtol=1e-5, atol=1e-6)


def logistic(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def looped_loss(w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(w * s + w) ** 2)
    return s


def test_jvp_of_grad_is_the_hessian_vector_product():
    X, y = random((6, 3), seed=1), np.sign(random((6,), seed=2))
    w, v = random((3,)), random((3,), seed=3)
    gradient, hv = jvp(grad(logistic), (w, X, y), (v, np.zeros_like(X), np.zeros_like(y)))
    np.testing.assert_allclose(gradient, grad(logistic)(w, X, y), rtol=1e-14)
    np.testing.assert_allclose(hv, hessian(logistic)(w, X, y) @ v, rtol=1e-12)
    # through a loop (the gradient records a tape: reverse over forward answers)
    _, hv = jvp(grad(looped_loss), (w,), (v,))
    np.testing.assert_allclose(hv, central(lambda t: grad(looped_loss)(w + t * v), 0.0),
                               rtol=1e-6)


# -- grad inside a differentiated function: meta-learning -------------------------------------

X_TRAIN = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.1], [-0.7, 0.4]])
Y_TRAIN = np.array([0.5, 0.1, -0.2, 0.3])


def inner_loss(w, X, y):
    return np.sum((X @ w - y) ** 2) + 0.1 * np.sum(np.sin(w))


def meta_loss(lr, w):
    """The training loss after 5 steps of gradient descent with learning rate lr."""
    for step in range(5):
        w = w - lr * grad(inner_loss)(w, X_TRAIN, Y_TRAIN)
    return inner_loss(w, X_TRAIN, Y_TRAIN)


def meta_with_value(lr, w):
    for step in range(5):
        value, g = value_and_grad(inner_loss)(w, X_TRAIN, Y_TRAIN)
        w = w - lr * g / (1.0 + value)
    return inner_loss(w, X_TRAIN, Y_TRAIN)


def meta_of_the_data(lr, X):
    w = np.zeros(2)
    for step in range(5):
        gw, gX = grad(inner_loss, argnums=(0, 1))(w, X, Y_TRAIN)
        w = w - lr * gw
        X = X - lr * gX
    return inner_loss(w, X, Y_TRAIN)


@pytest.mark.parametrize("meta", [meta_loss, meta_with_value])
def test_meta_gradient_through_5_inner_sgd_steps_matches_differences(meta):
    lr, w0 = 0.05, np.array([0.1, -0.2])
    g_lr, g_w = grad(meta, argnums=(0, 1))(lr, w0)
    assert g_lr == pytest.approx(central(lambda t: meta(t, w0), lr), rel=1e-6)
    fd = [central(lambda t: meta(lr, w0 + t * e), 0.0) for e in np.eye(2)]
    np.testing.assert_allclose(g_w, fd, rtol=1e-6)


def test_meta_gradient_with_respect_to_the_data_through_several_argnums():
    lr, X = 0.05, X_TRAIN.copy()
    g_X = grad(meta_of_the_data, argnums=1)(lr, X)
    E = np.zeros_like(X)
    E[2, 1] = 1.0
    assert g_X[2, 1] == pytest.approx(central(lambda t: meta_of_the_data(lr, X + t * E), 0.0),
                                      rel=1e-6)
    assert np.array_equal(X, X_TRAIN)                   # the caller's array untouched


def test_generated_code_calls_the_gradient_and_names_its_adjoint(capsys):
    show(meta_loss, 0.05, np.array([0.1, -0.2]))
    source = capsys.readouterr().out
    assert "inner_loss_grad(w" in source
    assert "# grad(inner_loss) differentiated: a Hessian-vector product" in source


def aux_loss(w):
    return np.sum(w ** 2), w


def uses_aux(w):
    g, aux = grad(aux_loss, has_aux=True)(w)
    return np.sum(g)


def uses_a_lambda(w):
    return np.sum(grad(lambda v: np.sum(v ** 2))(w))


def test_what_nested_grad_cannot_take_is_refused_where_it_is_written():
    w = random((2,))
    with pytest.raises(TranslationError, match="has_aux") as info:
        grad(uses_aux)(w)
    assert info.value.lineno == uses_aux.__code__.co_firstlineno + 1
    with pytest.raises(TranslationError, match="defined at module level"):
        grad(uses_a_lambda)(w)


def lecture(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def test_show_of_a_gradient_in_jvp_mode_prints_the_second_derivative_source(capsys):
    show(grad(lecture, argnums=(0, 1)), 2.0, 5.0, mode="jvp")
    source = capsys.readouterr().out
    assert source.startswith("def lecture_grad_jvp(x1, x2, x1_dot, x2_dot):")
    assert "x1_bar_dot = " in source and "x2_bar_dot = " in source
    value, hv = jvp(grad(lecture, argnums=(0, 1)), (2.0, 5.0), (1.0, 0.0))
    assert value == (1 / 2.0 + 5.0, 2.0 - np.cos(5.0))
    assert hv == (-0.25, 1.0)                   # the first column of the exact Hessian


def test_the_benchmark_row_runs(capsys):
    from benchmarks import higher_order_row
    higher_order_row.main(["--quick"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 3 and all("failed" not in r for r in rows[1:]), rows


def looped_through_another_module(w):
    s = 0.0
    for i in range(3):
        s = s + np.sum(other_module_data.project(w * (i + 1.0)) ** 2)
    return s


def test_hessian_through_a_loop_calling_a_helper_that_reads_its_own_module_array():
    w = random((3,), seed=4)
    Hw = hessian(looped_through_another_module)(w)      # reverse over forward: a tape
    g = grad(looped_through_another_module)
    fd = np.array([central(lambda t: g(w + t * e), 0.0) for e in np.eye(3)])
    np.testing.assert_allclose(Hw, fd, rtol=1e-5, atol=1e-7)


def test_jvp_of_a_meta_gradient_and_the_third_order_refusal():
    lr, w0, tw = 0.05, np.array([0.1, -0.2]), np.array([0.3, 0.5])
    _, tangent = jvp(meta_loss, (lr, w0), (1.0, tw))
    assert tangent == pytest.approx(central(lambda t: meta_loss(lr + t, w0 + t * tw), 0.0),
                                    rel=1e-6)
    with pytest.raises(TranslationError, match="third derivatives"):
        hessian(meta_loss)(lr, w0)


def powered_loss(w, X, y, reg=0.1, p=2):
    return np.sum((X @ w - y) ** p) + reg * np.sum(w ** 2)


def meta_by_keywords(lr, w):
    for step in range(3):
        w = w - lr * grad(powered_loss)(w, y=Y_TRAIN, X=X_TRAIN)
    return np.sum(w * w)


def test_meta_gradient_with_keywords_and_an_integer_exponent_left_at_its_default():
    """p = 2 is an integer that does not move: no 0 * log(negative residual) term."""
    lr, w0 = 0.05, np.array([0.1, -0.2])
    g_lr = grad(meta_by_keywords)(lr, w0)
    assert g_lr == pytest.approx(central(lambda t: meta_by_keywords(t, w0), lr), rel=1e-6)
    _, tangent = jvp(lambda x, n: np.sum(x ** n), (np.array([-1.5, 2.0]), 2),
                     (np.ones(2), 0.0))
    assert tangent == 2 * (-1.5) + 2 * 2.0
