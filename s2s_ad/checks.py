"""Checks of what the user asked for: `argnums`, and the kinds of the arguments, the
values and the output (JAX's rules: real inputs and one real output)."""
import numpy as np

from .errors import TranslationError, UsageTypeError, UsageValueError
from .ir import Stmt, walk_items


def check_kinds(trace, kinds, result_kind, params, wrt):
    """Refuse what grad cannot differentiate: complex values, a differentiated argument
    that is not real, an output that is not one real number."""
    for position, p in enumerate(params):
        kind = kinds.get(p)
        if kind is None:
            continue
        if _is_complex(kind):
            raise UsageTypeError(
                f"argument {position} ('{p}') of {trace.name} is {kind.describe()}; "
                "s2s_ad does not differentiate complex numbers (yet): pass the real "
                "and imaginary parts as separate real arguments")
        if p in wrt and not kind.is_real:
            raise UsageTypeError(
                f"argument {position} ('{p}') of {trace.name} is {kind.describe()}; "
                "grad differentiates real numbers and float arrays only (convert "
                "with float(...) or .astype(float), or leave it out of argnums)")
    for item in walk_items(trace.body):
        if isinstance(item, Stmt) and _is_complex(kinds.get(item.target)):
            raise TranslationError(
                "this makes a complex value, and s2s_ad does not differentiate complex "
                "numbers (yet); keep the computation real (e.g. work with the real "
                "and imaginary parts separately)", item.loc)
    kind = result_kind
    if _is_complex(kind):
        raise TranslationError(f"grad requires real-valued outputs, but {trace.name} "
                               f"returns {kind.describe()}; return a real number "
                               "(e.g. abs(z) ** 2 or z.real)", trace.result_loc)
    if not kind.is_numeric or kind.shape != ():
        what = kind.describe()
        raise TranslationError(f"grad needs a scalar output, but {trace.name} returns "
                               f"{what}; reduce it to a number (for example with "
                               "np.sum) or differentiate one element", trace.result_loc)
    # An integer or boolean output is piecewise constant: its "gradient" would be a
    # silent 0. A Python int is accepted when a differentiated argument is one too
    # (x * x called with x=3), where it is just the float computation on integers.
    int_args = any(kinds.get(p) is not None and kinds[p].pytype is int for p in wrt)
    integral = kind.pytype is bool or (kind.pytype is int and not int_args) or (
        kind.is_array and not np.issubdtype(kind.dtype, np.floating))
    if integral:
        raise TranslationError(f"grad requires real-valued outputs, but {trace.name} "
                               f"returns {kind.describe()}, which has no derivative; "
                               "return a float computed from the arguments",
                               trace.result_loc)


def _is_complex(kind):
    if kind is None:
        return False
    if kind.pytype is complex:
        return True
    return kind.is_array and np.issubdtype(kind.dtype, np.complexfloating)


def check_argnums(argnums, params, parsed):
    """Validate `argnums` as JAX does: an int (one gradient) or a non-empty tuple/list
    of ints (a tuple of gradients), each naming a parameter, none twice."""
    name = parsed.node.name
    single = _is_int(argnums)
    if single:
        numbers = (int(argnums),)
    elif isinstance(argnums, (tuple, list)) and all(_is_int(n) for n in argnums):
        numbers = tuple(int(n) for n in argnums)
        if not numbers:
            raise UsageValueError(f"argnums={argnums!r} asks for no gradient; give the "
                                  f"position of at least one parameter of {name}")
    else:
        raise UsageTypeError(f"argnums must be an int or a tuple of ints (positions of "
                             f"parameters of {name}), not {argnums!r}")
    for n in numbers:
        if not -len(params) <= n < len(params):
            raise UsageValueError(f"argnums={argnums!r} does not fit {name}, which has "
                                  f"{len(params)} parameter(s): {', '.join(params) or 'none'}")
    wrt = [params[n] for n in numbers]
    if len(set(wrt)) != len(wrt):
        raise UsageValueError(f"argnums={argnums!r} names a parameter of {name} twice")
    return (numbers[0] if single else numbers), wrt


def _is_int(n):
    return isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))

