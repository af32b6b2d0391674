"""Kinds the compiler trusts across calls of one signature (kind_flow.py): an array
made from a list that grows with a loop's trip count has no shape the signature fixes
(an int argument's value is not in the signature), so code compiled on one trip count
must stay right on another. It gave 21.0 where the answer is 23.4."""
import numpy as np
import pytest

from s2s_ad import grad, value_and_grad
from s2s_ad.check import central_difference
from s2s_ad.errors import TranslationError

from . import growing_list_cases as cases


@pytest.mark.parametrize("f", [cases.doubled_list, cases.appended_list],
                         ids=lambda f: f.__name__)
def test_a_list_that_grows_with_the_trip_count(f):
    g, vg = grad(f), value_and_grad(f)
    for n in (1, 3, 0, 5, 2):           # first compiled on n = 1, then other lengths
        value, gradient = vg(0.3, n)
        assert value == f(0.3, n)
        assert g(0.3, n) == pytest.approx(central_difference(f, (0.3, n), 0), rel=1e-6,
                                          abs=1e-9)
        assert gradient == g(0.3, n)


def _matches_differences(f, args):
    value, gradient = value_and_grad(f)(*args)
    assert value == f(*args)
    np.testing.assert_allclose(gradient, central_difference(f, args, 0), rtol=1e-6,
                               atol=1e-9)


def test_a_shape_an_int_argument_decides_is_not_fixed_by_the_first_call():
    x = np.array([0.3, -0.5, 0.7, 1.1])
    for n in (2, 3, 1, 4):      # compiled on n = 2: crashed inside the code on n = 3
        _matches_differences(cases.sliced_by_an_int_argument, (x, n))


def test_a_list_argument_of_another_length():
    x = np.array([0.3, -0.5, 0.7])
    for L in ([1.0, 2.0], [1.0, 2.0, 3.0], [0.5]):
        _matches_differences(cases.list_argument, (x, L))


def test_a_list_appended_to_in_a_branch_is_exact_or_refused_never_a_crash():
    x = np.array([0.3, 0.5, 0.7])
    g = value_and_grad(cases.appended_in_a_branch)
    for s in (1.0, -1.0):       # the second length crashed inside the generated code
        try:
            value, gradient = g(x, s)
        except TranslationError as error:
            assert "shape" in str(error) and error.lineno is not None
            continue
        assert value == cases.appended_in_a_branch(x, s)
        np.testing.assert_allclose(
            gradient, central_difference(cases.appended_in_a_branch, (x, s), 0),
            rtol=1e-6, atol=1e-9)


def test_a_list_with_one_append_per_row_keeps_its_shape():
    rng = np.random.default_rng(3)
    x, W = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, (2, 3))
    _matches_differences(cases.one_append_per_row, (x, W))
    _matches_differences(cases.one_append_per_row, (x, W[:1]))  # another signature


def test_only_ints_that_decide_shapes_get_a_version_per_value():
    from s2s_ad.compiler import GradientCompiler
    x = np.array([0.3, -0.5, 0.7, 1.1])
    for f, assumed in ((cases.sliced_by_an_int_argument, {"n"}),
                       (cases.steps_of_an_int_argument, set())):
        compiled = GradientCompiler(f, 0, with_value=False).compile((x, 3), by_value=True)
        assert compiled.value_params == assumed
    for n in (3, 0, 5):         # a step count keeps one version, and stays exact
        _matches_differences(cases.steps_of_an_int_argument, (x, n))


def test_every_transform_takes_the_version_for_the_ints_values():
    """hessian, jvp, jacfwd, jacrev and jit read the generated code of the version
    for n's value (each crashed or refused on the second n)."""
    import autograd
    import autograd.numpy as anp

    from s2s_ad import hessian, jacfwd, jacrev, jit, jvp

    def reference(x, n):
        a = x[:n]
        return anp.sum(anp.outer(a, x) ** 2) + anp.max(a) ** 2

    f = cases.sliced_squares
    x, v = np.array([0.3, 0.5, 0.7]), np.array([1.0, -2.0, 0.5])
    H, jitted = hessian(f), jit(grad(f))
    for n in (2, 3, 2):
        exact = autograd.hessian(reference)(x, n)
        np.testing.assert_allclose(H(x, n), exact, rtol=1e-12)
        np.testing.assert_allclose(jvp(grad(f), (x, n), (v, 0))[1], exact @ v, rtol=1e-12)
        gradient = autograd.grad(reference)(x, n)
        np.testing.assert_allclose(jvp(f, (x, n), (v, 0))[1], gradient @ v, rtol=1e-12)
        np.testing.assert_allclose(jacfwd(f)(x, n), gradient, rtol=1e-12)
        np.testing.assert_allclose(jacrev(f)(x, n), gradient, rtol=1e-12)
        np.testing.assert_allclose(jitted(x, n), gradient, rtol=1e-12)
