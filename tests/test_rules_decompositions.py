"""np.linalg rules of rules/numpy_decompositions.py against central finite differences:
solve, inv, det, cholesky, eigvalsh, svd (singular values), pinv, matrix_power,
multi_dot, norm of every order; single matrices and stacks. eig (complex) is refused at
the user's call; the functions returning tuples are in test_rules_factorizations.py."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad
from .numpy_checks import assert_grad, function_of, random, spd, well_conditioned


CASES = [
    ("np.linalg.solve(x, c)", lambda: (well_conditioned((3, 3)), random((3,), seed=2))),
    ("np.linalg.solve(x, c)", lambda: (well_conditioned((3, 3)), random((3, 2), seed=2))),
    ("np.linalg.solve(x, c)", lambda: (well_conditioned((2, 3, 3)), random((2, 3, 2), seed=2))),
    ("np.linalg.solve(x, c)", lambda: (well_conditioned((2, 3, 3)), random((3, 2), seed=2))),
    ("np.linalg.inv(x)", lambda: (well_conditioned((3, 3)),)),
    ("np.linalg.inv(x)", lambda: (well_conditioned((2, 3, 3)),)),
    ("np.linalg.det(x)", lambda: (random((3, 3)),)),
    ("np.linalg.det(x)", lambda: (random((1, 1)),)),
    ("np.linalg.det(x)", lambda: (random((2, 3, 3)),)),
    ("np.linalg.cholesky(x)", lambda: (spd((3, 3)),)),
    ("np.linalg.cholesky(x)", lambda: (spd((2, 4, 4)),)),
    ("np.linalg.eigvalsh(x)", lambda: (spd((3, 3)),)),
    ("np.linalg.eigvalsh(x, 'U')", lambda: (spd((3, 3)),)),
    ("np.linalg.eigvalsh(x, UPLO='U')", lambda: (random((3, 3)),)),   # reads one triangle
    ("np.linalg.eigvalsh(x)", lambda: (spd((2, 3, 3)),)),
    ("np.linalg.svd(x, compute_uv=False)", lambda: (random((3, 4)),)),
    ("np.linalg.svd(x, False, False)", lambda: (random((4, 3)),)),
    ("np.linalg.svd(x, compute_uv=False)", lambda: (random((2, 4, 3)),)),
    ("np.linalg.pinv(x)", lambda: (random((3, 4)),)),
    ("np.linalg.pinv(x)", lambda: (random((4, 2)),)),
    ("np.linalg.pinv(x)", lambda: (well_conditioned((3, 3)),)),
    ("np.linalg.matrix_power(x, 3)", lambda: (random((3, 3)),)),
    ("np.linalg.matrix_power(x, 0)", lambda: (random((3, 3)),)),
    ("np.linalg.matrix_power(x, -2)", lambda: (well_conditioned((3, 3)),)),
    ("np.linalg.matrix_power(x, 2)", lambda: (random((2, 3, 3)),)),
    ("np.linalg.multi_dot([x, c, x.T])", lambda: (random((3, 4)), random((4, 4)))),
    ("np.linalg.multi_dot([c[:, 0], x, c])", lambda: (random((2, 2)), random((2, 5)))),
    ("np.linalg.multi_dot([c, x, c[0]])", lambda: (random((4, 4)), random((4, 4)))),
    ("np.linalg.multi_dot([x[0], x, c, x[:, 1]])", lambda: (random((3, 3)), random((3, 3)))),
]
for _order in ["None", "1", "2", "3", "1.5", "np.inf", "0"]:
    CASES.append((f"np.linalg.norm(x, ord={_order})", lambda: (random((5,)),)))
    CASES.append((f"np.linalg.norm(x, ord={_order}, axis=1)", lambda: (random((3, 4)),)))
    CASES.append((f"np.linalg.norm(x, {_order}, 0, True)", lambda: (random((3, 4)),)))
for _order in ["None", "'fro'", "'nuc'", "1", "-1", "2", "-2", "np.inf"]:
    CASES.append((f"np.linalg.norm(x, ord={_order})", lambda: (random((3, 4)),)))
    CASES.append((f"np.linalg.norm(x, {_order}, (0, 1))", lambda: (random((4, 3)),)))


@pytest.mark.parametrize("expr, make", CASES, ids=[c[0] for c in CASES])
def test_against_finite_differences(expr, make):
    args = make()
    params = "x, c" if len(args) == 2 else "x"
    w = random(np.shape(function_of(expr, params)(*args)), seed=5)
    f = function_of(f"np.sum(({expr}) * w)", params + ", w")
    assert_grad(f, *args, w, argnums=tuple(range(len(args))), tol=1e-5)


NEG_INF = -np.inf


def negative_orders(x):
    return np.linalg.norm(x, ord=NEG_INF) + np.sum(np.linalg.norm(x, NEG_INF, axis=0))


def test_negative_infinite_order_as_a_module_constant():
    assert_grad(negative_orders, random((3, 4)))
    assert_grad(negative_orders, random((4,)))


def test_cholesky_and_eigvalsh_read_the_lower_triangle():
    # NumPy reads one triangle: the other gets no gradient, as perturbing it changes
    # nothing.
    def f(x):
        return np.sum(np.linalg.cholesky(x) ** 2) + np.sum(np.linalg.eigvalsh(x) ** 3)
    (g,) = assert_grad(f, spd((3, 3)))
    np.testing.assert_array_equal(np.triu(g, 1), 0.0)


def test_norm_kinks():
    def f(x):
        return np.linalg.norm(x, 1) + np.linalg.norm(x, np.inf)
    # |x|'(0) = 0; the maximum |x| is attained twice: each gets half
    np.testing.assert_array_equal(grad(f)(np.array([0.0, -2.0, 2.0, 1.0])),
                                  [0.0, -1.5, 1.5, 1.0])

    def two(x):
        return np.linalg.norm(x) + np.linalg.norm(x, 3)
    np.testing.assert_array_equal(grad(two)(np.zeros(3)), np.zeros(3))


@pytest.mark.parametrize("expr, message", [
    ("np.linalg.eig(x)[0]", "complex"),
    ("np.linalg.matrix_power(x, 1)", "returns a itself"),
])
def test_refused_at_the_call(expr, message):
    f = function_of(f"np.sum({expr})", "x")
    with pytest.raises(TranslationError, match=message) as info:
        grad(f)(spd((3, 3)))
    assert info.value.lineno == 5 and expr.split("(")[0] in info.value.text
