"""Scans, sorting and gathers: cumsum, cumprod, diff, sort, take, take_along_axis,
and searchsorted (an index: zero gradient).

Axes and shapes are compile-time literals in the templates, as for reductions.
"""
import numpy as np

from . import METHOD, Unsupported, defop, defrule


def _axis(info, param="a", name="axis", default="?"):
    """The normalised literal axis, or None for 'flattened first'."""
    axis = info.get(name, default)
    if axis == "?" or not (axis is None or isinstance(axis, int)):
        raise Unsupported(f"'{name}' must be a literal int (or None)")
    return None if axis is None else axis % max(len(info.shape(param)), 1)


def cumprod_table(rows, n):
    """table[..., k, i] = prod(a[j] for j <= i, j != k), kept where i >= k (np.triu), for
    `rows` the expression of a with the scanned axis last: cumprod's partial derivatives,
    read along i by the adjoint and along k by the tangent (tangent_rules.py)."""
    return (f"np.triu(np.cumprod(np.where(np.eye({n}, dtype=bool), 1.0, "
            f"np.expand_dims({rows}, -2)), axis=-1))")


def _cumsum(info):
    """The adjoint of a running sum is the running sum from the other end."""
    axis = _axis(info, default=None)
    if axis is None:            # flattened: the result is 1-D
        return f"np.reshape(np.flip(np.cumsum(np.flip(g))), {info.shape('a')!r})"
    return f"np.flip(np.cumsum(np.flip(g, {axis}), {axis}), {axis})"


def _cumprod(info):
    """d ans[i] / d a[k] = prod(a[j] for j <= i, j != k) for k <= i. Written with each
    a[k] replaced by 1 in its own copy of the row (an n x n table), never dividing by
    a[k], so it is exact where an element is 0 (n * n work along the axis)."""
    shape, axis = info.shape("a"), _axis(info, default=None)
    rows = "np.ravel(a)" if axis is None else f"np.moveaxis(a, {axis}, -1)"
    gs = "np.ravel(g)" if axis is None else f"np.moveaxis(g, {axis}, -1)"
    n = int(np.prod(shape)) if axis is None else shape[axis]
    if n == 0:
        return "np.zeros_like(a)"
    table = cumprod_table(rows, n)
    moved = f"np.sum({table} * np.expand_dims({gs}, -2), axis=-1)"
    if axis is None:
        return f"np.reshape({moved}, {shape!r})"
    return f"np.moveaxis({moved}, -1, {axis})"


_SCAN = "a, axis=None, dtype=None"
for _name, _template in (("cumsum", _cumsum), ("cumprod", _cumprod)):
    defrule(getattr(np, _name), _SCAN, a=_template)
    defop(METHOD, _name, f"ndarray.{_name}", _SCAN, a=_template)


def _diff(info):
    """One difference a[1:] - a[:-1] has the adjoint -diff(g) of g padded with a zero
    on both sides; n differences repeat it n times."""
    order = info.get("n", "?")
    if not isinstance(order, int) or order < 0:
        raise Unsupported("'n' of np.diff must be a literal non-negative int")
    axis = _axis(info, default=-1)
    expr = "g"
    for _ in range(order):
        expr = f"-np.diff({expr}, axis={axis}, prepend=0.0, append=0.0)"
    return expr


def _not_zero_order(stmt):
    """np.diff(a, n=0) returns a itself, not a new array: refused where written, so a
    later write into a cannot reach the result unseen."""
    keywords = dict(stmt.call_keywords)
    order = keywords.get("n", stmt.call_args[1] if len(stmt.call_args) > 1 else None)
    if order is not None and getattr(order, "value", 1) == 0:
        raise Unsupported("n=0 returns the array itself; use the array directly")


defrule(np.diff, "a, n=1, axis=-1", checks=_not_zero_order, a=_diff)


def _sort(info):
    """ans = a taken in the order p = argsort(a); the adjoint puts g back through the
    inverse permutation. Ties: equal elements are matched to their sorted positions in
    stable order (the first occurrence to the first position), which gives an element
    of the Clarke gradient, as sort is continuous and piecewise linear."""
    if info.get("kind", "?") not in (None, "stable", "quicksort", "mergesort", "heapsort"):
        raise Unsupported("'kind' of np.sort must be a literal")
    axis = _axis(info, default=-1)
    if axis is None:
        return (f"np.reshape(g[np.argsort(np.argsort(a, axis=None, kind='stable'))], "
                f"{info.shape('a')!r})")
    inverse = f"np.argsort(np.argsort(a, axis={axis}, kind='stable'), axis={axis})"
    return f"np.take_along_axis(g, {inverse}, axis={axis})"


defrule(np.sort, "a, axis=-1, kind=None", discrete=("kind",), a=_sort)


def _take(info):
    """take reads a[indices] (flattened, or along an axis); a repeated index receives
    the sum of its adjoints (scatter_add)."""
    shape, axis = info.shape("a"), _axis(info, default=None)
    if axis is None:
        size = int(np.prod(shape))
        return f"np.reshape(scatter_add(g, ({size},), indices), {shape!r})"
    index = "(" + "slice(None), " * axis + "indices)" if axis else "indices"
    return f"scatter_add(g, {shape!r}, {index})"


defrule(np.take, "a, indices, axis=None", discrete=("indices",), a=_take)


def _take_along_axis(info):
    """ans[I] = arr[I with the axis position replaced by indices[I]]: the same read as
    arr[grids], with an index grid for every other axis; repeats accumulate."""
    shape, axis = info.shape("arr"), _axis(info, "arr", default="?")
    ishape = info.shape("indices")
    if axis is None or len(ishape) != len(shape) or any(
            i != s for d, (i, s) in enumerate(zip(ishape, shape)) if d != axis):
        raise Unsupported("np.take_along_axis is supported with an int axis and indices "
                          "of the array's shape except along that axis")
    parts = []
    for d, n in enumerate(ishape):
        if d == axis:
            parts.append("indices")
        else:
            grid = tuple(n if e == d else 1 for e in range(len(ishape)))
            parts.append(f"np.reshape(np.arange({n}), {grid!r})")
    return f"scatter_add(g, {shape!r}, ({', '.join(parts)},))"


defrule(np.take_along_axis, "arr, indices, axis", discrete=("indices",),
        arr=_take_along_axis)

# Positions and indices: integers, constant between the points where they jump.
defrule(np.searchsorted, "*args, **kwargs", zero_grad=True)
