"""A walk over the whole rule table: every parameter that can receive a float either has
an adjoint template, or belongs to a rule that is piecewise constant (listed below with
the reason), or is documented as integer/static-only (an active float there is refused
by the reverse transform, never treated as zero). Adding a rule without deciding which
one of these holds fails here."""
import inspect
import random

import numpy as np
import pytest

import s2s_ad.runtime_containers  # noqa: F401  (registers the runtime helpers' rules)
import s2s_ad.lower_effects  # noqa: F401  (print, assert and random draws)
from s2s_ad import TranslationError, grad, rules

try:                    # the SciPy families register once SciPy is imported
    import scipy.linalg, scipy.special, scipy.stats  # noqa: F401,E401
    HAVE_SCIPY = rules.load_optional_families() or True
except ImportError:
    HAVE_SCIPY = False

# Rules whose output is piecewise constant in every argument (derivative 0 wherever it
# exists), so `zero_grad=True` may cut the dependence.
ZERO_GRAD = {
    **{f"numpy.{n}": "rounds or takes the sign: constant between jumps"
       for n in ("sign", "floor", "ceil", "round", "around", "rint", "trunc", "fix",
                 "signbit")},
    **{f"numpy.{n}": "a comparison or test: boolean result"
       for n in ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
                 "isnan", "isinf", "isfinite")},
    **{f"numpy.{n}": "boolean logic: boolean result"
       for n in ("logical_and", "logical_or", "logical_not", "logical_xor")},
    **{f"numpy.{n}": "an index: integer result" for n in ("argmax", "argmin", "argsort",
                                                          "searchsorted")},
    **{f"numpy.{n}": "its values are fixed (0, 1, uninitialised, identity); the "
                     "arguments are shapes and dtypes, or an array giving only its shape"
       for n in ("zeros", "ones", "empty", "zeros_like", "ones_like", "empty_like",
                 "eye", "identity")},
    "zeros_like": "the runtime zero adjoint: constant",
    "len": "an integer", "int": "truncates: integer result",
    "range": "integers", "round": "rounds: constant between jumps",
    "floordiv": "x // y is constant between jumps",
    **{n: "a comparison: boolean result" for n in ("lt", "le", "gt", "ge", "eq", "ne")},
    **{n: "bitwise/boolean logic (NumPy refuses floats)"
       for n in ("and_", "or_", "xor", "invert", "not_")},
    **{f".{n}": "array metadata: integers or a dtype" for n in ("shape", "ndim", "size",
                                                                "dtype")},
    "save": "the reverse sweep's copy of overwritten elements, read only to restore them",
    "save_item": "the overwritten element of a local list, read only to restore it",
    "print": "print/logging kept for its effect: its result is a None token",
    "assert": "assert kept for its effect: its result is a None token",
    "is": "an identity test with None: boolean result",
    "is not": "an identity test with None: boolean result",
    "isinstance": "a type test: boolean result",
    "stop_gradient": "s2s_ad.stop_gradient: treated as a constant by definition",
    **{n: "a tuple result: only its parts read it, and their rules carry the derivative "
          "(rules/tuple_results.py)"
       for n in ("numpy.linalg.slogdet", "numpy.linalg.eigh", "numpy.linalg.qr",
                 "numpy.linalg.lstsq", "numpy.linalg.svd (tuple)")},
    "numpy.linalg.slogdet[0]": "the sign of the determinant: constant between jumps",
    "numpy.linalg.lstsq[2]": "the rank: an integer",
    **{f"ndarray.{n}": "an index: integer result" for n in ("argmax", "argmin", "argsort",
                                                            "searchsorted")},
    "ndarray.round": "rounds: constant between jumps",
    **{f"ndarray.{n}": "a boolean reduction: boolean result" for n in ("all", "any")},
}

# Rules that refuse any active argument, with a located message.
REFUSES = {
    "dict": "a dict literal: values are not differentiated through (has_aux data)",
    "product_of_others": "np.prod's adjoint helper: a second derivative of np.prod",
    **{r.name: "a random draw: a constant, its parameters not differentiated"
       for r in [rules.rule_for_call(getattr(np.random, n)) for n in (
           "rand", "randn", "random", "random_sample", "standard_normal", "normal",
           "uniform", "randint", "choice", "permutation", "exponential", "poisson",
           "binomial", "beta", "gamma", "laplace")]},
    **{r.name: "a random draw: a constant, its parameters not differentiated"
       for r in [rules.rule_for_call(getattr(random, n)) for n in (
           "random", "gauss", "uniform", "normalvariate")]},
    "numpy.linalg.eig": "complex eigenvectors",
    **{f"numpy.fft.{n}": "complex values" for n in (
        "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
        "rfftn", "irfftn", "hfft", "ihfft")},
}
if HAVE_SCIPY:
    ZERO_GRAD["scipy.linalg.cho_factor"] = ZERO_GRAD["numpy.linalg.qr"]

# Parameters that take integers, booleans, strings, shapes, dtypes or indices, never a
# differentiable value; most must be literals and the template refuses otherwise.
STATIC_ONLY = {
    "axis": "an axis (int, tuple or None)", "axes": "axes", "axis1": "an axis",
    "axis2": "an axis", "source": "axes", "destination": "axes",
    "keepdims": "a bool", "ddof": "degrees of freedom (literal)",
    "ord": "the norm's order (literal)", "subscripts": "an einsum string",
    "shape": "a shape", "dtype": "a dtype", "index": "an index (integers, slices, a mask)",
    "num": "a number of points (int)", "endpoint": "a bool", "retstep": "a bool",
    "token": "the effect chain's None token (lower_effects.py)",
    "n": "a count (int)", "kind": "a sorting algorithm's name",
    "indices": "integer indices", "reps": "repetition counts", "repeats": "repetition counts",
    "pad_width": "pad widths (ints)", "mode": "a mode name", "k": "a diagonal offset or a "
    "number of quarter turns (int)", "offset": "a diagonal offset (int)",
    "shift": "a shift (ints)", "indices_or_sections": "split points (ints)",
    "copy": "a bool", "UPLO": "'L' or 'U'", "full_matrices": "a bool",
    "compute_uv": "a bool (a literal: False gives the values, True the tuple)",
    "whole": "the tuple a tuple primitive returned, read by its parts' templates",
    "rcond": "lstsq's cutoff for small singular values (a literal)",
    **{f"index{k}": "an element index (int), as in a.item(i, j)" for k in (1, 2, 3)},
}
if HAVE_SCIPY:
    STATIC_ONLY.update({"trans": "'N'/'T' or 0/1/2", "lower": "a bool",
                        "unit_diagonal": "a bool", "allow_singular": "a bool",
                        "overwrite_a": "a bool", "check_finite": "a bool"})

# Handled by name in containers.py (in-place adjoint containers), not by templates.
# (Element writes and appends are IR items of their own, not rules.)
CONTAINER_RULES = set()


def all_rules():
    """The built-in table (not the rules other tests register: custom_vjp, ...)."""
    by_object = [rule for _, rule in rules._BY_OBJECT.values()
                 if not getattr(rule, "user_supplied", False)]
    return by_object + list(rules._OPERATORS.values())


def float_capable_params(rule):
    """Parameters that are not declared static-only. A where-like rule's condition is
    checked separately (it selects, see test_where_condition...)."""
    return [p for p in rule.params if p not in STATIC_ONLY]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.name)
def test_every_parameter_is_differentiated_or_justified(rule):
    if rule.zero_grad:
        assert rule.name in ZERO_GRAD, (
            f"{rule.name} is registered zero_grad: is it piecewise constant in every "
            "argument? If so add it to ZERO_GRAD with the reason, else give templates")
        assert not rule.adjoints, f"{rule.name}: zero_grad with templates that never run"
        return
    if rule.refuses is not None:
        assert rule.name in REFUSES, f"{rule.name} refuses; add it to REFUSES with why"
        return
    if rule.name in CONTAINER_RULES:
        return
    for param in float_capable_params(rule):
        kind = rule.signature.parameters[param].kind
        assert param in rule.adjoints, (
            f"{rule.name}: parameter '{param}' can receive a float but has no adjoint "
            "template (give it one, or list it in STATIC_ONLY if it takes no floats)")
        template = rule.adjoints[param]
        assert isinstance(template, str) or callable(template)
        assert kind is not inspect.Parameter.VAR_KEYWORD


def test_allow_lists_name_existing_rules():
    names = {rule.name for rule in all_rules()}
    zero = {rule.name for rule in all_rules() if rule.zero_grad}
    assert set(ZERO_GRAD) == zero, set(ZERO_GRAD) ^ zero
    assert set(REFUSES) <= names and CONTAINER_RULES <= names
    used = {p for rule in all_rules() if not rule.zero_grad for p in rule.params}
    assert set(STATIC_ONLY) <= used, set(STATIC_ONLY) - used


def test_static_only_parameters_have_no_template():
    """A static-only parameter with a template would mean it is differentiable after all."""
    for rule in all_rules():
        for param in rule.params:
            if param in STATIC_ONLY:
                assert param not in rule.adjoints, (rule.name, param)


# -- an active value reaching a parameter without a template is a located refusal --------

def _line_of(f, text):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


def float_condition(c, x):
    y = x * 2.0
    return np.sum(np.where(c, y, 0.0))


def active_ddof(x, d):
    return np.var(x, ddof=d)


def linspace_axis(a):
    return np.sum(np.linspace(a, 2.0, 5, axis=1) ** 2)


@pytest.mark.parametrize("f, args, argnums, text, message", [
    (float_condition, (np.array([0.0, 1.0]), np.ones(2)), (0, 1), "np.where(c, y, 0.0)",
     "condition of np.where is a number"),
    (active_ddof, (np.arange(4.0), 1.0), 1, "np.var(x, ddof=d)",
     "no derivative rule for numpy.var with respect to its argument 'ddof'"),
    (active_ddof, (np.arange(4.0), 1.0), (0, 1), "np.var(x, ddof=d)",
     "'ddof' must be a literal"),
    (linspace_axis, (np.ones(3),), 0, "axis=1", "along axis=0"),
])
def test_refusal_points_at_the_users_call(f, args, argnums, text, message):
    with pytest.raises(TranslationError) as info:
        grad(f, argnums=argnums)(*args)
    error = info.value
    assert message in error.msg
    assert (error.filename, error.lineno) == (__file__, _line_of(f, text))
    assert text in error.text
