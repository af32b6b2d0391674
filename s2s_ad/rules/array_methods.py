"""Array methods that are NumPy functions of their array (`x.clip(lo, hi)` is
`np.clip(x, lo, hi)`), and the few methods with no such function.

A method without a rule of its own gets its function's rule, spelled as the method
the user wrote (so the forward value is exactly theirs) with the function's adjoint
templates; `METHOD_KEYWORDS` renames the method's keywords to the function's
parameters where they differ (`x.clip(min=..., max=...)`). A family that registers
its own method rule later replaces the derived one.

Methods with no function rule: `.all()`/`.any()` (boolean results: zero gradient),
`.astype(dtype)` (a cast: the adjoint cast back to the input's dtype) and `.item()`
(one element as a Python number: the adjoint scattered back to its position).
"""
import dataclasses

import numpy as np

from . import METHOD, Unsupported, _OPERATORS, defop, rule_for_call, rule_for_operator

# method name -> the NumPy function taking the array first, with the same parameters
_AS_FUNCTION = ("clip", "argmax", "argmin", "argsort", "round", "take", "trace",
                "diagonal", "repeat", "searchsorted", "prod", "std", "var", "cumsum",
                "cumprod", "max", "min", "sum", "mean", "dot")

METHOD_KEYWORDS = {"clip": {"min": "a_min", "max": "a_max"}}

for _name in _AS_FUNCTION:
    _function_rule = rule_for_call(getattr(np, _name))
    if rule_for_operator(METHOD, _name) is None and _function_rule is not None:
        _method_rule = _OPERATORS[(METHOD, _name)] = dataclasses.replace(
            _function_rule, name=f"ndarray.{_name}", spelling=METHOD, symbol=_name)
        _method_rule.derived_from = _function_rule.name   # its tangent too (tangent_rules)


_REDUCE = "a, axis=None, out=None, keepdims=False"
defop(METHOD, "all", "ndarray.all", _REDUCE, zero_grad=True)
defop(METHOD, "any", "ndarray.any", _REDUCE, zero_grad=True)


def _astype(info):
    """A cast between float types: the adjoint, cast back to the input's dtype."""
    kind = info.kind("a")
    if kind is None or not kind.is_array:
        raise Unsupported("the dtype of the array '.astype' converts is not known")
    return f"np.asarray(g, dtype=np.{np.dtype(kind.dtype).name})"


defop(METHOD, "astype", "ndarray.astype", "a, dtype, copy=True", discrete=("dtype", "copy"),
      linear=("a",), a=_astype)


def _item(info):
    """`a.item()` of a one-element array, `a.item(k)` (flat index k) or `a.item(i, j)`:
    the adjoint is g at that position, zero elsewhere."""
    shape = info.shape("a")
    size = int(np.prod(shape))
    # (a parameter not passed is the constant None; a passed one is a literal or a name)
    given = [p for p in _INDICES if not (info.has_static(p) and info.get(p) is None)]
    if not given:
        if size != 1:
            raise Unsupported("'.item()' without an index needs a one-element array")
        return f"np.full({shape!r}, g)"
    if len(given) == 1:
        flat = f"{given[0]} % {size}"           # a negative index counts from the end
    elif len(given) == len(shape):
        flat = f"np.ravel_multi_index(({', '.join(given)},), {shape!r}, mode='wrap')"
    else:
        raise Unsupported("'.item(...)' takes one flat index or one index per axis")
    return f"np.reshape(np.where(np.arange({size}) == {flat}, g, 0.0), {shape!r})"


_INDICES = ("index", "index1", "index2", "index3")
defop(METHOD, "item", "ndarray.item", "a, " + ", ".join(f"{p}=None" for p in _INDICES),
      discrete=_INDICES, linear=("a",), a=_item)
