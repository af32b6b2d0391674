"""What the user calls is what gets differentiated: decorators are kept, globals and
closure variables are read as they are at call time, default values keep their sign
and their scope. Each gradient is checked against central finite differences and
each value against the function itself, evaluated at the same moment."""
import functools
import inspect
import math
import types

import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad
from s2s_ad.check import central_difference


def assert_exact(f, *args, argnum=0):
    """value_and_grad agrees with f itself and with finite differences, now."""
    value, gradient = value_and_grad(f, argnums=argnum)(*args)
    assert np.allclose(value, f(*args), rtol=1e-12, atol=0)
    fd = central_difference(f, args, argnum)
    assert np.allclose(gradient, fd, rtol=1e-6, atol=1e-9)
    return value, gradient


def assert_located(error, fun, needle):
    lines, start = inspect.getsourcelines(fun.__code__)
    lineno = next(start + i for i, line in enumerate(lines) if needle in line)
    assert isinstance(error, SyntaxError)
    assert error.filename == __file__
    assert error.lineno == lineno
    assert needle in error.text


# -- 1. decorators ------------------------------------------------------------------------

def doubles(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def doubles_forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)
    return wrapper


@doubles
def cube(x):
    return x * x * x


@doubles_forwarding
def scaled_cube(x, scale=0.5):
    return scale * x * x * x


def test_decorated_function_is_differentiated_with_its_decorator():
    value, gradient = assert_exact(cube, 1.3)
    assert value == pytest.approx(2.0 * 1.3 ** 3)
    assert gradient == pytest.approx(6.0 * 1.3 ** 2)


def test_forwarding_wrapper_takes_the_wrapped_parameters_and_defaults():
    value, gradient = assert_exact(scaled_cube, 1.3)
    assert gradient == pytest.approx(3.0 * 1.3 ** 2)
    assert value_and_grad(scaled_cube)(1.3, 2.0)[1] == pytest.approx(12.0 * 1.3 ** 2)
    assert_exact(scaled_cube, 0.7, 1.5, argnum=1)


def calls_decorated_helpers(x):
    return cube(x) + scaled_cube(x, scale=3.0)


def test_decorated_helpers_are_inlined_with_their_decorator():
    _, gradient = assert_exact(calls_decorated_helpers, 0.9)
    assert gradient == pytest.approx(6.0 * 0.81 + 18.0 * 0.81)


def with_scale_parameter(fn):
    @functools.wraps(fn)
    def wrapper(x, scale=3.0):
        return scale * fn(x)
    return wrapper


@with_scale_parameter
def scaled_square(x):
    return x * x


def calls_scaled_square(x):
    return scaled_square(x) + scaled_square(x, scale=-1.0) + scaled_square(x, 0.5)


def test_wrapper_with_its_own_parameters_is_called_with_them():
    _, gradient = assert_exact(calls_scaled_square, 1.1)
    assert gradient == pytest.approx((3.0 - 1.0 + 0.5) * 2.2)
    assert_exact(scaled_square, 1.1, 2.0, argnum=1)


def adds_one(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs) + 1.0
    return wrapper


@adds_one
@doubles_forwarding
def stacked(x):
    return x * x


def test_stacked_decorators_apply_in_order():
    value, _ = assert_exact(stacked, 1.5)
    assert value == pytest.approx(2.0 * 2.25 + 1.0)


def counts_arguments(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args) * len(args)
    return wrapper


@counts_arguments
def uses_args_itself(x):
    return x * x


def test_wrapper_using_args_otherwise_reads_the_wrapped_parameters():
    """Inside the wrapper, args is the tuple of the wrapped function's parameters
    (wrappers._Expand): len(args) is 1 here."""
    value, gradient = assert_exact(uses_args_itself, 1.5)
    assert (value, gradient) == (2.25, 3.0)


def scales_inputs(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*[a * 2.0 for a in args]) + args[-1] * len(args)
    return wrapper


def sums_squares_of_inputs(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        total = 0.0
        for a in args:
            total = total + np.sum(a * a)
        return fn(*args) * total
    return wrapper


@scales_inputs
def sine_times(x, y):
    return math.sin(x) * y


@sums_squares_of_inputs
def tanh_sum(x, w):
    return np.sum(np.tanh(w * x))


def test_wrappers_that_transform_their_args():
    """A comprehension over args, args indexed and counted, a loop over args (progen's
    decorated family: `scaled_inputs` was refused, a sixth of that family)."""
    value, gradient = assert_exact(sine_times, 0.3, 0.7, argnum=(0, 1))
    assert value == math.sin(0.6) * 1.4 + 0.7 * 2
    assert gradient == (2.0 * math.cos(0.6) * 1.4, 2.0 * math.sin(0.6) + 2.0)
    w = np.array([0.5, -1.0, 2.0])
    value, (dx, dw) = value_and_grad(tanh_sum, argnums=(0, 1))(0.3, w)
    inner, total = np.sum(np.tanh(w * 0.3)), 0.09 + np.sum(w * w)
    assert value == tanh_sum(0.3, w)
    slope = 1.0 - np.tanh(w * 0.3) ** 2
    assert np.isclose(dx, np.sum(slope * w) * total + inner * 0.6, rtol=1e-14)
    assert np.allclose(dw, slope * 0.3 * total + inner * 2.0 * w, rtol=1e-14)


def counts_keywords(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs) * len(kwargs)
    return wrapper


@counts_keywords
def uses_kwargs_itself(x):
    return x * x


def test_wrapper_using_kwargs_otherwise_is_refused_at_that_use():
    with pytest.raises(TranslationError, match="'kwargs' other than forwarding") as info:
        grad(uses_kwargs_itself)
    assert_located(info.value, uses_kwargs_itself, "len(kwargs)")


class Doubler:
    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn

    def __call__(self, x):
        return 2.0 * self.fn(x)


@Doubler
def object_wrapped(x):
    return x * x


def calls_object_wrapped(x):
    return object_wrapped(x)


def test_callable_object_decorator_is_refused_not_unwrapped():
    with pytest.raises(TypeError, match="made by a decorator"):
        grad(object_wrapped)
    with pytest.raises(TranslationError, match="made by a decorator") as info:
        grad(calls_object_wrapped)(1.0)
    assert_located(info.value, calls_object_wrapped, "return object_wrapped(x)")


# -- 2. globals, closures and helpers are read at call time ----------------------------------

SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0, 3.0])
EXPONENT = 2


def helper_square(t):
    return t * t


def helper_sine(t):
    return np.sin(t)


def uses_global_scalar(x):
    return SCALE * x * x


def uses_global_array(x):
    return np.sum(WEIGHTS * x ** 2)


def uses_global_exponent(x):
    return x ** EXPONENT


def uses_global_helper(x):
    return helper_square(x) + x


def test_rebound_global_scalar_is_seen(monkeypatch):
    g = value_and_grad(uses_global_scalar)
    assert g(1.5) == pytest.approx((4.5, 6.0))
    monkeypatch.setitem(globals(), "SCALE", -3.0)
    assert g(1.5) == pytest.approx((uses_global_scalar(1.5), -9.0))
    assert_exact(uses_global_scalar, 1.5)


def test_global_rebound_before_the_first_call_is_seen(monkeypatch):
    g = grad(uses_global_scalar)        # parsed and lowered now
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    assert g(1.0) == pytest.approx(10.0)


def test_rebound_global_array_is_seen(monkeypatch, rng):
    x = rng.normal(size=3)
    g = value_and_grad(uses_global_array)
    g(x)
    monkeypatch.setitem(globals(), "WEIGHTS", np.array([-1.0, 0.5, 4.0]))
    value, gradient = g(x)
    assert value == pytest.approx(uses_global_array(x))
    assert np.allclose(gradient, 2.0 * WEIGHTS * x)
    monkeypatch.setitem(globals(), "WEIGHTS", np.ones((2, 3)))     # another shape
    value, gradient = g(x)
    assert value == pytest.approx(uses_global_array(x))
    assert np.allclose(gradient, 4.0 * x)


def test_rebound_global_exponent_is_seen(monkeypatch):
    g = value_and_grad(uses_global_exponent)
    assert g(1.5) == pytest.approx((2.25, 3.0))
    monkeypatch.setitem(globals(), "EXPONENT", 3)
    assert g(1.5) == pytest.approx((1.5 ** 3, 3 * 1.5 ** 2))


def test_rebound_helper_is_inlined_afresh(monkeypatch):
    g = value_and_grad(uses_global_helper)
    assert g(0.5) == pytest.approx((0.75, 2.0))
    monkeypatch.setitem(globals(), "helper_square", helper_sine)
    value, gradient = g(0.5)
    assert value == pytest.approx(np.sin(0.5) + 0.5)
    assert gradient == pytest.approx(np.cos(0.5) + 1.0)


def test_equal_number_rebinding_keeps_the_compiled_code(monkeypatch):
    g = grad(uses_global_scalar)
    g(1.0)
    compiled = g.compile(1.0)
    monkeypatch.setitem(globals(), "SCALE", float("2.0") + 0.0 * SCALE)  # equal, new object
    assert g(1.0) == pytest.approx(2.0 * SCALE)
    assert g.compile(1.0) is compiled


def test_deleted_global_is_reported_at_its_use(monkeypatch):
    g = grad(uses_global_scalar)
    g(1.0)
    monkeypatch.delitem(globals(), "SCALE")
    with pytest.raises(TranslationError, match="SCALE") as info:
        g(1.0)
    assert_located(info.value, uses_global_scalar, "SCALE * x")


def uses_builtin_abs(x):
    return abs(x) * x


def test_global_shadowing_a_builtin_is_seen(monkeypatch):
    g = grad(uses_builtin_abs)
    assert g(-2.0) == pytest.approx(4.0)
    monkeypatch.setitem(globals(), "abs", helper_square)
    assert g(-2.0) == pytest.approx(3 * 4.0)
    assert_exact(uses_builtin_abs, -2.0)


def make_closure(c):
    def f(x):
        return c * x * x

    def set_c(value):
        nonlocal c
        c = value
    return f, set_c


def test_rebound_closure_variable_is_seen():
    f, set_c = make_closure(1.5)
    g = value_and_grad(f)
    assert g(2.0) == pytest.approx((6.0, 6.0))
    set_c(-0.5)
    assert g(2.0) == pytest.approx((f(2.0), -2.0))


def make_closure_over_helper(h):
    def f(x):
        return h(x) * 2.0

    def set_h(value):
        nonlocal h
        h = value
    return f, set_h


def test_rebound_closure_helper_is_inlined_afresh():
    f, set_h = make_closure_over_helper(helper_square)
    g = grad(f)
    assert g(0.5) == pytest.approx(2.0)
    set_h(helper_sine)
    assert g(0.5) == pytest.approx(2.0 * np.cos(0.5))


CONFIG = types.SimpleNamespace(scale=2.0, power=2, helper=helper_square)


def uses_config_attributes(x):
    return CONFIG.scale * x ** CONFIG.power + CONFIG.helper(x)


def test_rebound_attribute_of_a_global_object_is_seen(monkeypatch):
    g = value_and_grad(uses_config_attributes)
    assert g(1.5) == pytest.approx((2.0 * 2.25 + 2.25, 4.0 * 1.5 + 3.0))
    monkeypatch.setattr(CONFIG, "scale", 7.0)
    monkeypatch.setattr(CONFIG, "power", 3)
    monkeypatch.setattr(CONFIG, "helper", helper_sine)
    value, gradient = g(1.5)
    assert value == pytest.approx(uses_config_attributes(1.5))
    assert gradient == pytest.approx(21.0 * 2.25 + np.cos(1.5))


def helper_with_default(a, b=2.0):
    return a * b


def uses_helper_default(x):
    return helper_with_default(x)


def test_changed_helper_defaults_are_seen(monkeypatch):
    g = grad(uses_helper_default)
    assert g(1.0) == pytest.approx(2.0)
    monkeypatch.setattr(helper_with_default, "__defaults__", (5.0,))
    assert g(1.0) == pytest.approx(5.0)


def test_unrelated_new_globals_do_not_change_the_gradient(monkeypatch):
    g = grad(uses_builtin_abs)
    g(2.0)
    compiled = g.compile(2.0)
    monkeypatch.setitem(globals(), "SOME_NEW_NAME", 1.0)
    assert g(2.0) == pytest.approx(4.0)
    assert g.compile(2.0) is compiled


# -- 3. default values: sign, expressions, scope ---------------------------------------------

def h_negative(a, b=-1.4):
    return a + b ** 2


def uses_negative_default(x):
    return x * h_negative(x)


def test_negative_default_keeps_its_sign():
    value, gradient = assert_exact(uses_negative_default, 0.5)
    assert value == pytest.approx(0.5 * (0.5 + 1.96))
    assert gradient == pytest.approx(2 * 0.5 + 1.96)


def h_negative_zero(a, b=-0.0):
    return a * math.atan2(b, -1.0)          # -pi for b = -0.0, +pi for b = 0.0


def uses_negative_zero(x):
    return h_negative_zero(x)


def test_negative_zero_default_keeps_its_sign():
    value, _ = assert_exact(uses_negative_zero, 0.5)
    assert value == pytest.approx(-0.5 * math.pi)


def h_expression_default(a, b=-2.0 * 3.0 + 1.5, c=np.float64(0.25)):
    return a * b ** 2 + c ** 3 * a


def uses_expression_default(x):
    return h_expression_default(x)


def test_expression_and_numpy_scalar_defaults():
    _, gradient = assert_exact(uses_expression_default, 0.3)
    assert gradient == pytest.approx(4.5 ** 2 + 0.25 ** 3)


def own_negative_default(x, b=-1.4):
    return x * b ** 2


def test_function_own_negative_default():
    value, gradient = assert_exact(own_negative_default, 0.5)
    assert gradient == pytest.approx(1.96)
    g = grad(own_negative_default)
    assert g(0.5) == pytest.approx(1.96)
    assert g(0.5, -2.0) == pytest.approx(4.0)


def make_defaults_from_enclosing_scope():
    c = -3.0
    arr = np.array([1.0, -2.0])

    def helper(a, b=c):
        return a * b ** 2

    def f(x, y=c, w=arr):
        return helper(x) + y * x + np.sum(w) * x
    return f


def test_defaults_taken_from_an_enclosing_function():
    f = make_defaults_from_enclosing_scope()
    value, gradient = assert_exact(f, 0.7)
    assert gradient == pytest.approx(9.0 - 3.0 - 1.0)


def make_annotated_with_enclosing_types():
    Real = float

    def f(x: Real, y: Real = 2.0) -> Real:
        return x * y
    return f


def test_annotations_naming_enclosing_variables():
    f = make_annotated_with_enclosing_types()
    assert value_and_grad(f, argnums=(0, 1))(1.5) == (3.0, (2.0, 1.5))


def leaves_a_tuple_loop_early(x, y):
    s = 0.0
    for a in (x, y):
        s = s + a
        if s > 1.0:
            break
    return s


def test_a_loop_over_computed_values_that_breaks_is_refused_with_what_to_write():
    with pytest.raises(TranslationError, match="flag the body tests") as info:
        grad(leaves_a_tuple_loop_early)
    assert_located(info.value, leaves_a_tuple_loop_early, "for a in (x, y)")


def loops_over_computed_tuples(x, w):
    s = 0.0
    for a in (x, w * x):
        s = s + np.sum(a * a)
    for a, b in ((x, w), (w, x)):
        s = s + np.sum(a * np.sin(b))
    return s


def test_a_loop_over_a_tuple_of_computed_values_is_written_out():
    w = np.array([0.5, -1.0, 2.0])
    assert_exact(loops_over_computed_tuples, 0.3, w, argnum=0)
    assert_exact(loops_over_computed_tuples, 0.3, w, argnum=1)
    g = grad(loops_over_computed_tuples, argnums=(0, 1))
    g(0.3, w)
    code = [line.strip() for line in g.source.splitlines() if not line.strip().startswith("#")]
    assert not any(line.startswith("for ") for line in code)     # unrolled, no loop left
