"""Issue 9's list of primitives (tests/primitive_audit.py) against the rule table: every
one has a rule; every differentiable one has a tangent (forward mode); the index-valued
ones are piecewise constant; the Fourier transforms are refused where they are written
(complex values), in every form; and each has a test that calls it."""
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, jvp
from .numpy_checks import function_of, random
from .primitive_audit import audit

ROWS = audit()
ZERO = {"np.argsort", "np.argmax", "np.searchsorted"}


@pytest.mark.parametrize("family, spelling, status, tangent, tested", ROWS,
                         ids=[r[1] for r in ROWS])
def test_listed_primitive_has_a_rule_and_a_tangent(family, spelling, status, tangent, tested):
    assert status != "missing", f"{spelling} has no rule"
    if family == "np.fft":
        assert status == "refused"
    elif spelling in ZERO:
        assert status == "zero-grad"
    else:
        assert status in ("rule", "tuple") and tangent not in (None, "partial"), \
            (spelling, tangent)


def test_every_listed_primitive_but_the_transforms_is_called_by_a_test():
    untested = [r[1] for r in ROWS if not r[4] and r[0] != "np.fft"]
    assert untested == [], untested


def index_only(x):
    k = np.argmax(x)
    return x[k] * np.sum(x)


def test_argmax_is_an_index_with_zero_gradient_through_it():
    x = random((5,), seed=3)
    k = int(np.argmax(x))
    expected = np.full(5, x[k])
    expected[k] += np.sum(x)
    np.testing.assert_allclose(grad(index_only)(x), expected)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "fftn",
                                  "ifftn", "rfft2", "irfft2", "rfftn", "irfftn"])
@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_fourier_transforms_are_refused_where_written(name, mode):
    f = function_of(f"np.sum(np.abs(np.fft.{name}(x)) ** 2)", "x")
    x = random((4, 4), seed=1)
    with pytest.raises(TranslationError, match="complex") as info:
        grad(f)(x) if mode == "grad" else jvp(f, (x,), (x,))
    assert info.value.lineno == 5 and f"np.fft.{name}(x)" in info.value.text
