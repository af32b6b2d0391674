"""np.linalg.norm of every order. The existing rule (numpy_reductions) keeps the 2-norm
and the Frobenius norm; its template is wrapped here for the other orders, so the rule
itself (and anything else attached to it) stays as it is.

Kinks: |x|'(0) = 0 (an element of the Clarke gradient [-1, 1]); where a max/min order
(inf, -inf, matrix 1/-1/inf/-inf) is attained by several elements or columns/rows,
the adjoint is split evenly among them; for 'nuc' and 2/-2 the singular vectors NumPy
returns are used at repeated or zero singular values.
"""
import numpy as np

from . import Unsupported, rule_for_call
from .numpy_reductions import nonzero, reduced_axes, spread


_NORM = rule_for_call(np.linalg.norm)
_two_norms = _NORM.adjoints["x"]


def _ties(hit, share_of):
    """g split evenly among the positions where `hit` holds (max-like kinks)."""
    return f"np.where({hit}, {share_of} / np.sum({hit}, axis=axes, keepdims=True), 0.0)"


def _vector_norm(info, order):
    axes = reduced_axes(info, "x")
    g, ans = spread(info, "g", "x"), spread(info, "ans", "x")
    if order == 1:      # |x|'(0) = 0, an element of the Clarke gradient [-1, 1]
        return f"{g} * np.sign(x)"
    if order == 0:      # the number of nonzero elements: piecewise constant
        return "np.zeros_like(x)"
    if order in (np.inf, -np.inf):  # max/min |x|: ties split the adjoint evenly
        hit = f"(np.abs(x) == {ans})"
        return (f"np.where({hit}, {g} * np.sign(x) / np.sum({hit}, axis={axes!r}, "
                "keepdims=True), 0.0)")
    if isinstance(order, (int, float)) and order > 1:
        p = float(order)
        return (f"{g} * np.sign(x) * np.abs(x) ** {p - 1.0!r} / "
                f"{nonzero(ans)} ** {p - 1.0!r}")
    raise Unsupported(f"the vector norm of order {order!r} is not supported: orders "
                      "0, 1, 2, inf, -inf and p > 1 are")


def _matrix_norm(info, order):
    """Matrix norms of one 2-D matrix. 'nuc' = sum of singular values (U V^T), 2/-2 =
    the largest/smallest singular value (u v^T of its pair), 1/-1 = max/min column sum
    of |x|, inf/-inf = max/min row sum (ties split evenly, |x|'(0) = 0)."""
    if len(info.shape("x")) != 2 or info.get("keepdims", False):
        raise Unsupported(f"the matrix norm ord={order!r} is supported for one 2-D matrix "
                          "without keepdims")
    svd = "np.linalg.svd(x, full_matrices=False)"
    if order == "nuc":
        return f"g * ({svd}[0] @ {svd}[2])"
    if order in (2, -2):
        k = 0 if order == 2 else -1
        return f"g * np.outer({svd}[0][:, {k}], {svd}[2][{k}])"
    if order in (1, -1, np.inf, -np.inf):
        axis = 0 if order in (1, -1) else 1        # columns sums for 1, row sums for inf
        sums = f"np.sum(np.abs(x), axis={axis}, keepdims=True)"
        hit = f"({sums} == ans)"
        return f"np.where({hit}, g * np.sign(x) / np.sum({hit}), 0.0)"
    raise Unsupported(f"the matrix norm ord={order!r} is not supported")


def _norm(info):
    order = info.get("ord", "?")
    if order == "?":
        raise Unsupported("'ord' must be a literal or a module-level constant (-np.inf is "
                          "computed inside the function: define NEG_INF = -np.inf at "
                          "module level and write ord=NEG_INF)")
    if order is None or order == "fro" or order == 2 and info.get("axis") is not None \
            and not isinstance(info.get("axis"), tuple):
        return _two_norms(info)
    axis, ndim = info.get("axis", "?"), len(info.shape("x"))
    matrix = isinstance(axis, tuple) and len(axis) == 2 or (axis is None and ndim == 2)
    if matrix:
        if isinstance(axis, tuple) and tuple(a % ndim for a in axis) != (0, 1):
            raise Unsupported("matrix norms are supported over axis=(0, 1) of a 2-D array")
        return _matrix_norm(info, order)
    if axis is None and ndim != 1:
        raise Unsupported("a norm of order other than None/'fro' needs a 1-D or 2-D array "
                          "or an axis")
    return _vector_norm(info, order)


_NORM.adjoints["x"] = _norm
