"""Extensions of the product rules (rules/numpy_products_more.py): np.trace with offset
and axes, np.dot above 2-D, np.einsum with '...', against central finite differences."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad
from .numpy_checks import assert_grad, function_of, random

CASES = [
    ("np.trace(x)", [(3, 4)]), ("np.trace(x, 1)", [(3, 4)]), ("np.trace(x, offset=-1)", [(3, 4)]),
    ("np.trace(x, 5)", [(3, 4)]), ("np.trace(x, 1, 1, 2)", [(2, 3, 4)]),
    ("np.trace(x, -1, 2, 0)", [(3, 2, 4)]), ("np.trace(x, axis1=-1, axis2=-2)", [(2, 3, 3)]),
    ("np.dot(x, c)", [(2, 3, 4), (4, 5)]), ("np.dot(x, c)", [(2, 3, 4), (4,)]),
    ("np.dot(x, c)", [(3, 4), (2, 4, 5)]), ("np.dot(x, c)", [(2, 3, 4), (3, 4, 2)]),
    ("np.dot(x, c)", [(4,), (2, 4, 3)]), ("x.dot(c)", [(2, 3, 4), (4,)]),
    ("np.dot(x, c)", [(3, 4), (4, 5)]), ("np.dot(x, c)", [(), (2, 3, 4)]),
    ("np.einsum('...ij,...jk->...ik', x, c)", [(2, 3, 4), (2, 4, 5)]),
    ("np.einsum('...i,i->...', x, c)", [(2, 3, 4), (4,)]),
    ("np.einsum('i...->...', x)", [(2, 3, 4)]),
    ("np.einsum('ij...,jk->ik...', x, c)", [(2, 3, 4), (3, 5)]),
    ("np.einsum('...ij->...', x)", [(2, 3, 4)]),
]


@pytest.mark.parametrize("expr, shapes", CASES)
def test_against_finite_differences(expr, shapes):
    args = [random(s, seed=i) for i, s in enumerate(shapes)]
    params = "x, c" if len(args) == 2 else "x"
    w = random(np.shape(function_of(expr, params)(*args)), seed=5)
    f = function_of(f"np.sum(({expr}) * w)", params + ", w")
    assert_grad(f, *args, w, argnums=tuple(range(len(args))))


def test_einsum_ellipsis_broadcasting_a_length_one_axis_is_refused():
    def f(a, b):
        return np.sum(np.einsum("...i,...i->...", a, b))
    with pytest.raises(TranslationError, match="equal lengths"):
        grad(f, argnums=(0, 1))(np.ones((1, 3)), np.ones((2, 3)))
