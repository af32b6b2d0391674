"""x ** 2 -> x * x (strength.py): bit for bit in the forward sweep (float arrays only),
within the stated ulps in the reverse sweep; checked on random bit patterns that
include subnormals and huge values, and against exact rational arithmetic."""
import math
from fractions import Fraction

import numpy as np
import pytest

from s2s_ad import value_and_grad


def doubles(rng, n):
    """Finite doubles from random bit patterns (every exponent, subnormals included)
    and ordinary normally distributed ones."""
    bits = rng.integers(0, 2 ** 63, n, dtype=np.uint64)
    x = bits.view(np.float64)
    x = x[np.isfinite(x)]
    signs = np.where(rng.integers(0, 2, x.size) == 1, -1.0, 1.0)
    return np.concatenate([x * signs, rng.normal(size=n), [0.0, -0.0, 5e-324, -5e-324,
                                                          1.7976931348623157e308]])


def test_an_arrays_square_is_its_product_in_every_bit(rng):
    x = doubles(rng, 200_000)
    with np.errstate(over="ignore", under="ignore"):
        assert np.array_equal((x ** 2).view(np.uint64), (x * x).view(np.uint64))
        y = x.astype(np.float32)
        assert np.array_equal((y ** 2).view(np.uint32), (y * y).view(np.uint32))


def square_sum(x):
    return np.sum(x ** 2 + 3.0 * x)


def scalar_square(x):
    return x ** 2 + 3.0 * x


def test_the_forward_sweep_squares_arrays_by_a_product(rng):
    g = value_and_grad(square_sum)
    x = rng.normal(size=5)
    value, gradient = g(x)
    assert "x * x" in g.source.split("# reverse sweep")[0]
    assert value == square_sum(x)                   # bit for bit
    assert np.allclose(gradient, 2 * x + 3.0)


def test_a_numbers_square_keeps_pow_in_the_forward_sweep(rng):
    # pow(x, 2) is not always x * x rounded (nor does x * x raise OverflowError), so
    # the value would not be f's bit for bit: numbers and NumPy scalars keep `**`.
    for example in (1.5, np.float64(1.5)):
        g = value_and_grad(scalar_square)
        g(example)
        assert "x ** 2" in g.source.split("# reverse sweep")[0]
        for x in doubles(rng, 2000)[:2000]:
            x = type(example)(x / 1e160 if abs(x) > 1e150 else x)   # no overflow
            with np.errstate(under="ignore"):
                value, _ = g(x)
                assert value == scalar_square(x) or (math.isnan(value) and math.isnan(scalar_square(x)))


def cube(x):
    return x ** 3


def fourth(x):
    return x ** 4


def ulps_from(value, exact):
    """How many ulps of the exactly rounded `exact` separate `value` from it."""
    return abs(Fraction(value) - exact) / Fraction(math.ulp(float(exact)))


@pytest.mark.parametrize("f, derivative, with_pow", [
    (cube, lambda x: 3 * x * x, lambda x: 3 * x ** 2),
    (fourth, lambda x: 4 * x * x * x, lambda x: 4 * x ** 3),
])
def test_reverse_powers_are_products_within_one_ulp(rng, f, derivative, with_pow):
    g = value_and_grad(f)
    g(1.5)
    reverse = g.source.split("# reverse sweep")[1]
    assert "**" not in reverse
    worst_exact = worst_pow = 0
    for x in rng.normal(size=3000) * np.exp(rng.uniform(-20, 20, 3000)):   # normal range
        x = float(x)
        _, gradient = g(x)
        # Within 1 ulp of what `** n` (pow) gave, and within 2 ulps of the exact value
        # (two roundings; x * x alone is correctly rounded).
        worst_pow = max(worst_pow, abs(gradient - with_pow(x)) / math.ulp(with_pow(x)))
        worst_exact = max(worst_exact, ulps_from(gradient, derivative(Fraction(x))))
    assert worst_pow <= 1
    assert worst_exact <= 2
    assert g(7) == ((343, 147) if f is cube else (2401, 1372))       # ints stay exact
