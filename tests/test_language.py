"""The straight-line subset: names, reassignment, unpacking, globals and closures, and
the API's conventions (argnums, types, caching, .source)."""
import math
import traceback

import numpy as np
import numpy as xp
import pytest

import s2s_ad
from s2s_ad import check_grad, grad, value_and_grad
from s2s_ad.errors import TranslationError

SCALE = 3.0


def reassigned(x, y):
    """A docstring is allowed."""
    z = x * y
    z = z + math.sin(z)
    x = x * 2.0
    return z * x


def unpacked(a, b):
    a, b = b, a * 2.0
    c, d = a + b, a * b
    return c * d - a


def augmented(x, y):
    s = x
    s += y * 2.0
    s -= x / y
    s *= s
    s /= y
    s **= 0.5
    return s


def uses_globals_and_alias(x):
    return SCALE * xp.sum(xp.tanh(x)) + math.pi * np.e


def make_closure(k):
    offset = 0.5

    def inner(x):
        return k * math.exp(x) + offset
    return inner


def with_default(x, p=3.0):
    return x ** p


@pytest.mark.parametrize("f", [reassigned, unpacked, augmented], ids=lambda f: f.__name__)
def test_assignment_forms(f, rng):
    for _ in range(3):
        x, y = float(rng.uniform(0.5, 2)), float(rng.uniform(0.5, 2))
        assert check_grad(f, x, y, argnums=(0, 1)).max_rel_error < 1e-8
        value, _ = value_and_grad(f, argnums=(0, 1))(x, y)
        assert value == f(x, y)            # the same operations: bit for bit


def test_tuple_swap_uses_old_values():
    def swap(a, b):
        a, b = b, a
        return a - 10.0 * b
    assert grad(swap, argnums=(0, 1))(1.0, 2.0) == (-10.0, 1.0)


def test_module_aliases_globals_and_constants(rng):
    x = rng.normal(size=5)
    expected = SCALE * (1 - np.tanh(x) ** 2)
    assert np.allclose(grad(uses_globals_and_alias)(x), expected, rtol=1e-14)
    g = grad(uses_globals_and_alias)
    g(x)
    assert "xp.tanh(x)" in g.source            # the user's own spelling and alias


def test_closures():
    f = make_closure(2.0)
    assert grad(f)(0.3) == pytest.approx(2.0 * math.exp(0.3), rel=1e-15)


def test_defaults_and_keywords():
    g = grad(with_default)
    assert g(2.0) == pytest.approx(3.0 * 4.0)
    assert g(2.0, 2.0) == pytest.approx(4.0)
    assert g(2.0, p=2.0) == pytest.approx(4.0)
    assert grad(with_default, argnums=1)(2.0, 3.0) == pytest.approx(8.0 * math.log(2.0))


def test_argnums_conventions():
    f = reassigned
    one = grad(f)(1.2, 0.7)
    both = grad(f, argnums=(0, 1))(1.2, 0.7)
    assert isinstance(one, float) and isinstance(both, tuple) and len(both) == 2
    assert one == both[0]
    assert grad(f, argnums=-1)(1.2, 0.7) == both[1]
    assert grad(f, argnums=(1,))(1.2, 0.7) == (both[1],)
    with pytest.raises(ValueError, match="argnums"):
        grad(f, argnums=2)


def test_decorator_forms():
    @grad
    def f(x):
        return x * x

    @grad(argnums=(0, 1))
    def h(x, y):
        return x * y

    @value_and_grad
    def v(x):
        return x * x * x

    assert f(3.0) == 6.0
    assert h(2.0, 5.0) == (5.0, 2.0)
    assert v(2.0) == (8.0, 12.0)
    assert f.__name__ == "f" and f.__wrapped__ is not None


def test_integer_inputs_count_as_reals():
    g = grad(lambda_free_product, argnums=(0, 1))(2, 5)
    assert g == (5.0, 2.0) and all(type(v) is float for v in g)


def lambda_free_product(a, b):
    return a * b


def test_gradient_has_the_inputs_type_and_shape(rng):
    x32 = rng.normal(size=(3, 2)).astype(np.float64)
    gx = grad(uses_globals_and_alias)(x32)
    assert isinstance(gx, np.ndarray) and gx.shape == (3, 2)


def test_unused_input_gets_a_zero_gradient(rng):
    def ignores_y(x, y):
        return x * 2.0
    assert grad(ignores_y, argnums=(0, 1))(1.0, 3.0) == (2.0, 0.0)
    a = rng.normal(size=3)
    gy = grad(ignores_y, argnums=1)(1.0, a)
    assert np.array_equal(gy, np.zeros(3))


def test_compiles_once_per_signature(rng, monkeypatch):
    g = grad(uses_globals_and_alias)
    compiler = g._s2s_compiler
    calls = []
    original = compiler.compile
    monkeypatch.setattr(compiler, "compile", lambda *a, **k: calls.append(a) or original(*a, **k))
    for _ in range(3):
        g(rng.normal(size=4))
    g(rng.normal(size=(2, 2)))
    g(rng.normal(size=4))
    assert len(calls) == 2
    assert len(g.sources) == 2


def test_an_in_place_change_of_the_callers_array_is_refused(rng):
    def f(x):
        y = x
        y += 1.0          # in-place in Python: f itself would change the caller's x
        return np.sum(y * y)
    x = rng.normal(size=4)
    before = x.copy()
    with pytest.raises(TranslationError, match="caller's argument") as error:
        value_and_grad(f)(x)
    assert error.value.lineno == f.__code__.co_firstlineno + 2
    assert np.array_equal(x, before)


def test_source_and_show(capsys):
    g = grad(reassigned, argnums=(0, 1))
    g(1.0, 2.0)
    assert g.source.startswith("def reassigned_grad(x, y):")
    s2s_ad.show(reassigned, 1.0, 2.0, argnums=(0, 1))
    assert capsys.readouterr().out == g.source


def test_generic_source_without_example_arguments(capsys):
    s2s_ad.show(uses_globals_and_alias)
    out = capsys.readouterr().out
    assert out.startswith("def uses_globals_and_alias_grad(x):")
    assert "xp.tanh(x)" in out


def test_generated_code_shows_in_tracebacks():
    def f(x):
        return x * math.log(x)
    g = grad(f)
    g(2.0)                      # compiled for floats
    with pytest.raises(ValueError) as info:
        g(-1.0)
    text = "".join(traceback.format_exception(info.value))
    assert "z1 = math.log(x)" in text


def test_an_error_on_the_first_call_points_at_the_users_own_line():
    # The first call runs the user's computation once (the probe) before any gradient
    # exists: an error there is shown at the user's line of their file.
    def f(x):
        return x * math.log(x)
    with pytest.raises(ValueError) as info:
        grad(f)(-1.0)
    text = "".join(traceback.format_exception(info.value))
    assert "return x * math.log(x)" in text and __file__ in text
