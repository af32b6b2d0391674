"""Reductions: sum, mean, prod, max/min, var, std, linalg.norm (and their methods).

Each adjoint spreads g back over the reduced axes. Shapes and axes are known at
compile time, so the templates are written with literal shapes, e.g. for
`np.sum(a, axis=1)` on a (3, 4) array: `np.broadcast_to(np.reshape(g, (3, 1)), (3, 4))`.
"""
import numpy as np

from . import METHOD, Unsupported, defop, defrule


def reduced_axes(info, param="a"):
    """The reduced axes as a sorted tuple of non-negative ints (all axes for None)."""
    if "axis" not in info.statics:
        raise Unsupported("'axis' must be a literal (an int, a tuple of ints or None)")
    axis, ndim = info.static("axis"), len(info.shape(param))
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def spread(info, name, param="a"):
    """`name` (an array shaped like the result) reshaped so it broadcasts against the
    argument: the reduced axes put back with length 1. A full reduction needs nothing."""
    shape, axes = info.shape(param), reduced_axes(info, param)
    if info.get("keepdims", False) or len(axes) == len(shape):
        return name
    kept = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return f"np.reshape({name}, {kept!r})"


def count(info, param="a"):
    shape = info.shape(param)
    return int(np.prod([shape[i] for i in reduced_axes(info, param)]))


def _generic_spread(info, scale):
    """sum/mean without known shapes (the generic version): runtime shapes."""
    axis = info.get("axis", "?")
    if axis == "?":
        raise Unsupported("'axis' must be a literal (an int, a tuple of ints or None)")
    if axis is None and not info.get("keepdims", False):
        return "np.full_like(a, g)" if not scale else "np.full_like(a, g / np.size(a))"
    g = "g" if info.get("keepdims", False) else f"np.expand_dims(g, {axis!r})"
    g = g if not scale else f"{g} / (np.size(a) / np.size(ans))"
    return f"np.broadcast_to({g}, np.shape(a))"


def _empty(info, param="a"):
    """A reduction of an empty array: its gradient is an empty array of its shape (the
    value of g does not matter, and dividing by the count of 0 elements would raise)."""
    return 0 in info.shape(param)


def _spread_adjoint(mean):
    """sum (mean=False) and mean: g spread over the reduced axes, divided by the
    count for a mean. A full reduction passes back a scalar that NumPy broadcasts."""
    def template(info):
        if info.kind("a") is None:
            return _generic_spread(info, mean)
        if info.shape("a") == ():
            return "g"
        if _empty(info):
            return "np.zeros_like(a)"
        per_element = f"g / {float(count(info))!r}" if mean else "g"
        if len(reduced_axes(info)) == len(info.shape("a")) and not info.get("keepdims", False):
            info.fills = True                   # the same value at every position of a
            return per_element
        spread_g = spread(info, "g")
        if mean:
            spread_g += f" / {float(count(info))!r}"
        return f"np.broadcast_to({spread_g}, {info.shape('a')!r})"
    return template


_sum, _mean = _spread_adjoint(mean=False), _spread_adjoint(mean=True)


def _prod(info):
    """The product of the other factors, from exclusive products on both sides rather
    than ans / a: exact with one zero factor (the product of the rest), and 0 with two."""
    if info.shape("a") == ():
        return "g"
    if _empty(info):
        return "np.zeros_like(a)"
    return f"{spread(info, 'g')} * product_of_others(a, {reduced_axes(info)!r})"


def _extreme(info):
    """max/min: g goes to the positions that attain the extreme; a tie splits it
    evenly among them (an element of the Clarke gradient)."""
    hit = f"a == {spread(info, 'ans')}"
    axes = reduced_axes(info)
    if len(axes) == len(info.shape("a")):
        return f"np.where({hit}, g / np.sum({hit}), 0.0)"
    share = f"{spread(info, 'g')} / np.sum({hit}, axis={axes!r}, keepdims=True)"
    return f"np.where({hit}, {share}, 0.0)"


def _centred(info):
    axes = reduced_axes(info)
    return f"(a - np.mean(a, axis={axes!r}, keepdims=True))"


def _dof(info):
    if "ddof" not in info.statics:
        raise Unsupported("'ddof' must be a literal")
    dof = count(info) - info.static("ddof")
    if dof <= 0:
        raise Unsupported(f"ddof={info.static('ddof')!r} leaves no degrees of freedom for "
                          f"{count(info)} element(s), so the result is not a number; "
                          "lower ddof")
    return float(dof)


def _var(info):
    if _empty(info):
        return "np.zeros_like(a)"
    return f"{spread(info, 'g')} * {2.0 / _dof(info)!r} * {_centred(info)}"


def nonzero(expr):
    """`expr` with its zeros replaced by 1, as the denominator of x / |x|-like adjoints
    (std, norm). Where the norm is 0 so is every term of the numerator, and 0 is the
    gradient there: of std when the elements are equal (one element: std is constant),
    an element of the Clarke gradient of a norm at 0, as abs'(0) = 0."""
    return f"np.where({expr} == 0.0, 1.0, {expr})"


def _std(info):
    if _empty(info):
        return "np.zeros_like(a)"
    return (f"{spread(info, 'g')} * {_centred(info)} / "
            f"({_dof(info)!r} * {nonzero(spread(info, 'ans'))})")


_SPEC = "a, axis=None, keepdims=False"
_VAR_SPEC = "a, axis=None, ddof=0, keepdims=False"
for names, spec, template in [(("sum",), _SPEC, _sum), (("mean",), _SPEC, _mean),
                              (("prod",), _SPEC, _prod),
                              (("max", "amax"), _SPEC, _extreme),
                              (("min", "amin"), _SPEC, _extreme),
                              (("var",), _VAR_SPEC, _var), (("std",), _VAR_SPEC, _std)]:
    for name in names:
        defrule(getattr(np, name), spec, a=template)
    defop(METHOD, names[0], f"ndarray.{names[0]}", spec, a=template)


def _norm(info):
    """The vector 2-norm and the Frobenius norm: d|x| = x / |x| (undefined at 0)."""
    order, axes = info.get("ord", "?"), reduced_axes(info, "x")
    if not (order is None or order == "fro" and len(axes) == 2
            or order == 2 and len(axes) == 1):
        raise Unsupported("only the vector 2-norm and the Frobenius norm are supported "
                          "(ord=None, 2 for vectors, 'fro' for matrices)")
    if _empty(info, "x"):
        return "np.zeros_like(x)"
    return f"{spread(info, 'g', 'x')} * x / {nonzero(spread(info, 'ans', 'x'))}"


defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False", x=_norm)
