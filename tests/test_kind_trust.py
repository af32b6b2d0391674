"""Kinds the compiler trusts across calls of one signature (kind_flow.py): an array
made from a list that grows with a loop's trip count has no shape the signature fixes
(an int argument's value is not in the signature), so code compiled on one trip count
must stay right on another. It gave 21.0 where the answer is 23.4."""
import pytest

from s2s_ad import grad, value_and_grad
from s2s_ad.check import central_difference

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
