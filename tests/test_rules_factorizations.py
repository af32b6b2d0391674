"""np.linalg functions whose result is a tuple (rules/numpy_factorizations.py): slogdet,
eigh, qr, svd with its factors, lstsq. Each part against central finite differences,
for square, tall and wide matrices and stacks of them; unpacked and indexed; the
degenerate points refused with a message that says why."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad
from .numpy_checks import assert_grad, function_of, random, spd, well_conditioned


CASES = [
    ("np.linalg.slogdet(x)[1]", lambda: (well_conditioned((3, 3)),)),
    ("np.linalg.slogdet(x)[1]", lambda: (-well_conditioned((3, 3)),)),     # negative det
    ("np.linalg.slogdet(x)[1]", lambda: (well_conditioned((2, 3, 3)),)),
    ("np.linalg.slogdet(x)[0] * np.linalg.slogdet(x)[1]", lambda: (well_conditioned((1, 1)),)),
    ("np.linalg.eigh(x)[0]", lambda: (spd((3, 3)),)),
    ("np.linalg.eigh(x)[1]", lambda: (spd((3, 3)),)),
    ("np.linalg.eigh(x, 'U')[1]", lambda: (random((4, 4)),)),      # reads one triangle
    ("np.linalg.eigh(x, UPLO='L')[1] ** 2", lambda: (spd((2, 3, 3)),)),
    ("np.linalg.qr(x)[0]", lambda: (random((4, 3)),)),
    ("np.linalg.qr(x)[1]", lambda: (random((4, 3)),)),
    ("np.linalg.qr(x)[0]", lambda: (well_conditioned((3, 3)),)),
    ("np.linalg.qr(x)[0]", lambda: (random((3, 5)),)),             # wide
    ("np.linalg.qr(x)[1]", lambda: (random((3, 5)),)),
    ("np.linalg.qr(x, mode='reduced')[1]", lambda: (random((2, 4, 3)),)),
    ("np.linalg.svd(x)[0]", lambda: (random((3, 3)),)),
    ("np.linalg.svd(x, full_matrices=False)[0]", lambda: (random((4, 3)),)),
    ("np.linalg.svd(x, full_matrices=False)[1]", lambda: (random((4, 3)),)),
    ("np.linalg.svd(x, full_matrices=False)[2]", lambda: (random((4, 3)),)),
    ("np.linalg.svd(x, False)[0]", lambda: (random((3, 5)),)),
    ("np.linalg.svd(x, False, True)[2]", lambda: (random((3, 5)),)),
    ("np.linalg.svd(x, full_matrices=False)[2]", lambda: (random((2, 3, 4)),)),
    ("np.linalg.lstsq(x, c)[0]", lambda: (random((5, 3)), random((5,), seed=2))),
    ("np.linalg.lstsq(x, c)[0]", lambda: (random((5, 3)), random((5, 2), seed=2))),
    ("np.linalg.lstsq(x, c, rcond=None)[0]", lambda: (well_conditioned((3, 3)),
                                                      random((3,), seed=2))),
    ("np.linalg.lstsq(x, c)[1]", lambda: (random((5, 3)), random((5,), seed=2))),
    ("np.linalg.lstsq(x, c)[1]", lambda: (random((5, 3)), random((5, 2), seed=2))),
    ("np.linalg.lstsq(x, c)[3] * np.linalg.lstsq(x, c)[2]",
     lambda: (random((5, 3)), random((5,), seed=2))),
]


@pytest.mark.parametrize("expr, make", CASES, ids=[c[0] for c in CASES])
def test_against_finite_differences(expr, make):
    args = make()
    params = "x, c" if len(args) == 2 else "x"
    w = random(np.shape(function_of(expr, params)(*args)), seed=5)
    f = function_of(f"np.sum(({expr}) * w)", params + ", w")
    assert_grad(f, *args, w, argnums=tuple(range(len(args))), tol=1e-5)


def eigen_energy(a, c):
    w, v = np.linalg.eigh(a)            # both parts: their contributions add up
    return np.sum(w * c) + np.sum((v[:, 0] * c) ** 2)


def svd_all(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return np.sum(u[:, 0]) * np.sum(vt[0]) + np.sum(s ** 3) + np.sum(u * u[::-1] * 0.3)


def qr_both(a):
    q, r = np.linalg.qr(a)
    return np.sum(q[:, 0] * r[0, 0]) + np.sum(np.diag(r) ** 2)


def gaussian_log_likelihood(a, y):
    sign, logdet = np.linalg.slogdet(a)
    return -0.5 * (logdet + y @ np.linalg.solve(a, y)) * sign


def least_squares(a, b):
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x ** 2) + np.sum(residuals) + np.max(s) * rank


@pytest.mark.parametrize("f, args", [
    (eigen_energy, (spd((3, 3)), random((3,), seed=3))),
    (svd_all, (random((4, 3)),)), (svd_all, (random((3, 4)),)),
    (qr_both, (random((4, 3)),)), (qr_both, (random((3, 4)),)),
    (gaussian_log_likelihood, (spd((4, 4)), random((4,), seed=3))),
    (least_squares, (random((6, 3)), random((6,), seed=3))),
])
def test_unpacked_parts_add_up(f, args):
    assert_grad(f, *args, tol=1e-5)


def test_a_part_written_into_is_refused_and_its_copy_is_exact():
    # w is the very array inside eigh's tuple, which the vectors' adjoint reads: a write
    # into it is refused where it is written; into a copy it is fine.
    def f(a):
        w, v = np.linalg.eigh(a)
        s = np.sum(v[:, 1] ** 2 * np.arange(3.0))
        w[0] = 0.0
        return s + np.sum(w ** 2)

    def copied(a):
        w, v = np.linalg.eigh(a)
        w = np.array(w)
        s = np.sum(v[:, 1] ** 2 * np.arange(3.0))
        w[0] = 0.0
        return s + np.sum(w ** 2)
    with pytest.raises(TranslationError, match="w = np.array") as info:
        grad(f)(spd((3, 3)))
    assert info.value.text.strip() == "w[0] = 0.0"
    assert_grad(copied, spd((3, 3)))


@pytest.mark.parametrize("expr, message", [
    ("np.linalg.qr(x, mode='complete')[0]", "mode='reduced'"),
    ("np.linalg.qr(x, 'r')", "R alone"),
    ("np.linalg.svd(x)[0]", "full_matrices=False"),
    ("np.linalg.svd(x, compute_uv=c > 0)[0]", "'compute_uv' must be a literal"),
    ("np.linalg.eig(x)[0]", "complex"),
    ("np.linalg.matrix_power(x, 1)", "returns a itself"),
])
def test_refused_at_the_call(expr, message):
    f = function_of(f"np.sum({expr})", "x, c=1.0")
    with pytest.raises(TranslationError, match=message) as info:
        grad(f)(random((4, 3)) if "svd" in expr else spd((3, 3)))
    assert info.value.lineno == 5 and expr.split("(")[0] in info.value.text


@pytest.mark.parametrize("expr, x, message", [
    ("np.linalg.eigh(x)[1]", np.diag([1.0, 2.0, 2.0]), "two eigenvalues are equal"),
    ("np.linalg.svd(x)[0]", np.diag([3.0, 1.0, 1.0]), "two singular values are equal"),
    ("np.linalg.svd(x, full_matrices=False)[0]", np.array([[1.0, 0.0], [0.0, 0.0],
                                                           [0.0, 0.0]]),
     "a singular value is 0"),
    ("np.linalg.lstsq(x, np.ones(3))[0]", np.ones((3, 2)), "full column rank"),
    ("np.linalg.lstsq(x, np.ones(2))[0]", np.ones((2, 3)), "full column rank"),
])
def test_degenerate_points_raise_rather_than_return_a_wrong_gradient(expr, x, message):
    f = function_of(f"np.sum(({expr}) * np.arange(1.0, 1.0 + ({expr}).size).reshape("
                    f"({expr}).shape))", "x")
    f(x)                                    # the function itself is fine there
    with pytest.raises(np.linalg.LinAlgError, match=message):
        grad(f)(x)


def test_eigenvalues_alone_at_a_repeated_eigenvalue_take_eighs_basis():
    # The eigenvalues are not differentiable where two coincide (a kink); eigh's basis
    # gives an element of the Clarke gradient, as np.linalg.eigvalsh does.
    def f(a):
        return np.sum(np.linalg.eigh(a)[0] * np.array([1.0, 2.0, 3.0]))

    def g(a):
        return np.sum(np.linalg.eigvalsh(a) * np.array([1.0, 2.0, 3.0]))
    x = np.diag([1.0, 2.0, 2.0])
    np.testing.assert_allclose(grad(f)(x), grad(g)(x))


# -- scipy.linalg.cho_factor -----------------------------------------------------------

try:
    import scipy.linalg
except ImportError:     # the cho_factor tests skip themselves
    scipy = None


def cho_gaussian(a, y):
    factor = scipy.linalg.cho_factor(a)
    c, flag = factor
    alpha = scipy.linalg.cho_solve(factor, y)
    return y @ alpha + 2.0 * np.sum(np.log(np.abs(np.diag(c))))


def cho_lower(a, y):
    c, lower = scipy.linalg.cho_factor(a, lower=True)
    return np.sum(scipy.linalg.cho_solve((c, True), y) * y) + np.sum(c * c) + lower


@pytest.mark.parametrize("f", [cho_gaussian, cho_lower])
def test_cho_factor_and_cho_solve(f):
    pytest.importorskip("scipy")
    # c's other triangle is a's, copied by SciPy: differentiated as that copy.
    assert_grad(f, spd((4, 4)), random((4,), seed=3), argnums=(0, 1), tol=1e-5)


def test_cho_factor_flag_must_be_a_literal():
    pytest.importorskip("scipy")
    def f(a, flag=True):
        c, lower = scipy.linalg.cho_factor(a, lower=flag > 0)
        return np.sum(c)
    with pytest.raises(TranslationError, match="'lower' must be a literal"):
        grad(f)(spd((3, 3)))
