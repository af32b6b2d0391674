"""The differentiated function's own signature and the types grad accepts: every
parameter form is either supported (and checked against finite differences) or
refused with a clear error that points at the user's code or names the argument."""
import inspect

import numpy as np
import pytest

from s2s_ad import TranslationError, grad, show, value_and_grad
from s2s_ad.check import central_difference


def assert_located(error, fun, needle):
    lines, start = inspect.getsourcelines(fun.__code__)
    lineno = next(start + i for i, line in enumerate(lines) if needle in line)
    assert isinstance(error, TranslationError)
    assert error.filename == __file__
    assert error.lineno == lineno
    assert needle in error.text
    assert error.text[error.offset - 1:].startswith(needle.split()[0].lstrip("*"))


def assert_no_compiler_frames(error):
    """The traceback shows the user's call only, not s2s_ad's internals."""
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert not any("s2s_ad/compiler" in f or "s2s_ad/frontend" in f for f in frames), frames


# -- async, varargs, keyword-only -------------------------------------------------------------

async def coroutine(x):
    return x * x


def test_async_function_is_refused_at_its_def():
    with pytest.raises(TranslationError, match="async function") as info:
        grad(coroutine)
    assert_located(info.value, coroutine, "async def coroutine")
    assert_no_compiler_frames(info.value)


def takes_varargs(x, *rest):
    return x


def takes_kwargs(x, **options):
    return x


def takes_keyword_only(x, *, scale=2.0):
    return scale * x


@pytest.mark.parametrize("fun, needle, message", [
    (takes_varargs, "rest", r"'\*rest'.*list the parameters explicitly"),
    (takes_kwargs, "options", r"'\*\*options'.*list the parameters explicitly"),
    (takes_keyword_only, "scale=2.0", "keyword-only parameter 'scale'.*make it positional"),
])
def test_variadic_and_keyword_only_parameters_are_refused(fun, needle, message):
    with pytest.raises(TranslationError, match=message) as info:
        grad(fun)
    assert_located(info.value, fun, needle)


# -- positional-only parameters ---------------------------------------------------------------

def positional_only(x, /, y, z=0.5):
    return x * y * y + z * x


def test_positional_only_parameters(rng):
    for argnum in range(3):
        args = (1.3, -0.7, 0.25)
        value, gradient = value_and_grad(positional_only, argnums=argnum)(*args)
        assert value == positional_only(*args)
        assert gradient == pytest.approx(central_difference(positional_only, args, argnum))
    g = grad(positional_only, argnums=(0, 1))
    assert g(1.3, y=-0.7) == pytest.approx((0.49 + 0.5, 2 * 1.3 * -0.7))
    with pytest.raises(TypeError, match="positional-only"):
        g(x=1.3, y=-0.7)
    assert inspect.signature(g) == inspect.signature(positional_only)


def helper_positional_only(a, /, b=2.0):
    return a * b


def calls_positional_only(x):
    return helper_positional_only(x) + helper_positional_only(x, b=x)


def test_positional_only_helper():
    value, gradient = value_and_grad(calls_positional_only)(1.5)
    assert value == calls_positional_only(1.5)
    assert gradient == pytest.approx(2.0 + 2 * 1.5)


def calls_positional_only_by_keyword(x):
    return helper_positional_only(a=x)


def test_positional_only_helper_called_by_keyword_is_refused():
    with pytest.raises(TranslationError, match="does not match its signature") as info:
        grad(calls_positional_only_by_keyword)(1.0)
    assert_located(info.value, calls_positional_only_by_keyword, "helper_positional_only(a=x)")


# -- parameter names the dispatcher could have used -------------------------------------------

def named_like_builtins(type, len, compile, cache):
    return type * len + compile * cache


def named_like_internals(_s2s_t0, _s2s_cache, _s2s_type, _s2s_function):
    return _s2s_t0 * _s2s_cache * _s2s_type + _s2s_function


@pytest.mark.parametrize("fun", [named_like_builtins, named_like_internals])
def test_parameters_named_like_the_dispatcher_internals(fun):
    args = (1.5, -2.0, 0.5, 3.0)
    g = value_and_grad(fun, argnums=(0, 1, 2, 3))
    value, grads = g(*args)
    assert value == fun(*args)
    for argnum, gradient in enumerate(grads):
        assert gradient == pytest.approx(central_difference(fun, args, argnum))
    assert g(*args) == (value, grads)           # and again, through the cache


# -- argnums ------------------------------------------------------------------------------

def two_args(x, y):
    return x * y


@pytest.mark.parametrize("argnums, error, message", [
    (1.0, TypeError, "argnums must be an int or a tuple of ints"),
    ("0", TypeError, "argnums must be an int or a tuple of ints"),
    (True, TypeError, "argnums must be an int or a tuple of ints"),
    ((0, 1.0), TypeError, "argnums must be an int or a tuple of ints"),
    (None, TypeError, "argnums must be an int or a tuple of ints"),
    ((), ValueError, "asks for no gradient"),
    (2, ValueError, "does not fit two_args, which has 2 parameter"),
    ((0, -3), ValueError, "does not fit"),
    ((0, -2), ValueError, "twice"),
])
def test_bad_argnums_are_refused_like_jax(argnums, error, message):
    with pytest.raises(error, match=message) as info:
        grad(two_args, argnums=argnums)
    assert_no_compiler_frames(info.value)


def test_argnums_forms_that_are_accepted():
    assert grad(two_args, argnums=np.int64(1))(2.0, 3.0) == 2.0
    assert grad(two_args, argnums=[1, 0])(2.0, 3.0) == (2.0, 3.0)
    assert grad(two_args, argnums=-1)(2.0, 3.0) == 2.0


# -- complex numbers -------------------------------------------------------------------------

def square(x):
    return x * x


def real_output(x, c):
    return x * c


def makes_complex(x):
    z = x * 1j
    return x * x


@pytest.mark.parametrize("arg", [1.0 + 2.0j, np.array(1.0 + 2.0j), np.array([1.0j, 2.0]),
                                 np.complex64(1.0)])
def test_complex_argument_is_refused_naming_it(arg):
    with pytest.raises(TypeError, match=r"argument 0 \('x'\) of square.*complex") as info:
        grad(square)(arg)
    assert_no_compiler_frames(info.value)


def test_complex_argument_not_differentiated_is_refused_too():
    with pytest.raises(TypeError, match=r"argument 1 \('c'\) of real_output.*complex"):
        grad(real_output)(1.0, 2.0j)


def test_complex_intermediate_is_refused_at_its_line():
    with pytest.raises(TranslationError, match="complex") as info:
        grad(makes_complex)(2.0)
    assert_located(info.value, makes_complex, "x * 1j")


# -- outputs that are not real ---------------------------------------------------------------

def int_output(x):
    return 3


def bool_output(x):
    return x > 0.0


def int_array_output(x):
    return np.sum(x > 1.0)


@pytest.mark.parametrize("fun, arg, needle", [
    (int_output, 1.5, "return 3"),
    (bool_output, 1.5, "return x > 0.0"),
    (int_array_output, np.array([1.5, 2.5]), "return np.sum"),
])
def test_integer_or_boolean_output_is_refused(fun, arg, needle):
    with pytest.raises(TranslationError, match="grad requires real-valued outputs") as info:
        grad(fun)(arg)
    assert_located(info.value, fun, needle)
    assert_no_compiler_frames(info.value)


def test_int_output_of_int_arguments_is_still_differentiated():
    assert grad(square)(3) == 6.0


# -- NumPy scalars -----------------------------------------------------------------------------

@pytest.mark.parametrize("scalar", [np.float64, np.float32, np.float16])
def test_numpy_scalar_argument_gets_its_own_type_back(scalar):
    x = scalar(1.5)
    g = grad(square)(x)
    assert type(g) is scalar
    assert g == pytest.approx(3.0, rel=1e-3)
    value, g = value_and_grad(two_args, argnums=(0, 1))(x, 2.0)
    assert type(g[0]) is scalar and type(g[1]) is float
    assert g == pytest.approx((2.0, 1.5), rel=1e-3)


def aux_square(x):
    return x * x, x + 1.0


def test_numpy_scalar_with_aux():
    g, aux = grad(aux_square, has_aux=True)(np.float64(2.0))
    assert type(g) is np.float64 and g == 4.0 and aux == 3.0
    (value, aux), g = value_and_grad(aux_square, has_aux=True)(np.float32(2.0))
    assert type(g) is np.float32 and g == 4.0 and value == 4.0 and aux == 3.0


# -- what is not a def function ---------------------------------------------------------------

def test_two_lambdas_on_one_line_are_told_apart():
    f, g = grad(lambda x: x * x), grad(lambda x: x * x * x)
    assert (f(2.0), g(2.0)) == (4.0, 12.0)


@pytest.mark.parametrize("thing, message", [
    (np.sin, "not a function written in Python"),
    (3.0, "not callable"),
    ("f", "not callable"),
])
def test_non_functions_are_refused(thing, message):
    with pytest.raises(TypeError, match=message):
        grad(thing)


def test_show_refuses_like_grad(capsys):
    with pytest.raises(TranslationError, match="async"):
        show(coroutine)
