"""Linear algebra: matmul/@, dot, outer, inner, trace, einsum (explicit subscripts)."""
import ast

import numpy as np

from . import BINOP, METHOD, Unsupported, defop, defrule


def _ndims(info, x, y):
    """The operands' numbers of dimensions. The adjoint depends on them, so a version
    compiled without example arguments (shapes unknown) is refused, not guessed."""
    return len(info.shape(x)), len(info.shape(y))


def _matmul_adjoint(x, y, which):
    """Adjoint of x @ y with NumPy's rules: 1-D operands are promoted to a row (x) or
    a column (y) and the promoted axis dropped again; leading axes are batch axes,
    broadcast (the reverse transform sums them back, see _matmul_shape)."""
    def template(info):
        xd, yd = _ndims(info, x, y)
        if xd == 0 or yd == 0:
            raise Unsupported("matmul does not take 0-d operands")
        swap_x, swap_y = f"np.swapaxes({x}, -1, -2)", f"np.swapaxes({y}, -1, -2)"
        if which == x:
            if yd == 1:
                return f"g * {y}" if xd == 1 else f"np.expand_dims(g, -1) * {y}"
            if xd == 1:
                axes = tuple(range(yd - 2)) + (yd - 1,)        # batch axes and m
                return f"{y} @ g" if yd == 2 else \
                    f"np.sum({y} @ np.expand_dims(g, -1), axis={axes!r})"
            return f"g @ {y}.T" if (xd, yd) == (2, 2) else f"g @ {swap_y}"
        if xd == 1:
            return f"g * {x}" if yd == 1 else f"np.expand_dims({x}, -1) * np.expand_dims(g, -2)"
        if yd == 1:
            return f"{x}.T @ g" if xd == 2 else f"np.tensordot(g, {x}, {xd - 1})"
        return f"{x}.T @ g" if (xd, yd) == (2, 2) else f"{swap_x} @ g"
    return template


def _matmul_shape(x, y):
    """The shape of each contribution before it is summed over broadcast batch axes."""
    def shape(info):
        try:
            xs, ys = info.shape(x), info.shape(y)
        except Unsupported:
            return None
        mine = xs if info.param == x else ys
        if len(mine) < 2 or len(xs) < 2 or len(ys) < 2:
            return mine
        return np.broadcast_shapes(xs[:-2], ys[:-2]) + mine[-2:]
    return shape


defop(BINOP, ast.MatMult, "matmul", "x, y", broadcasts=_matmul_shape("x", "y"),
      x=_matmul_adjoint("x", "y", "x"), y=_matmul_adjoint("x", "y", "y"))
defrule(np.matmul, "x, y", broadcasts=_matmul_shape("x", "y"),
        x=_matmul_adjoint("x", "y", "x"), y=_matmul_adjoint("x", "y", "y"))


def _dot_adjoint(which):
    def template(info):
        ad, bd = _ndims(info, "a", "b")
        if ad == 0 or bd == 0:          # np.dot with a scalar is multiplication
            return "g * b" if which == "a" else "g * a"
        if ad > 2 or bd > 2:
            raise Unsupported("np.dot of arrays with more than 2 dimensions is not "
                              "supported; use np.matmul, @ or np.einsum")
        return _matmul_adjoint("a", "b", which)(info)
    return template


def _own_shape(info):
    """Contributions have the operand's own shape, except with a 0-d operand, where
    the product broadcasts and is summed back."""
    try:
        a, b = (info.shape(p) for p in sorted(info.kinds) if "[" not in p)
    except (Unsupported, ValueError):
        return None
    return info.result_kind.shape if a == () or b == () else info.shape(info.param)


defrule(np.dot, "a, b", broadcasts=_own_shape, a=_dot_adjoint("a"), b=_dot_adjoint("b"))
defop(METHOD, "dot", "ndarray.dot", "a, b", broadcasts=_own_shape,
      a=_dot_adjoint("a"), b=_dot_adjoint("b"))


# outer flattens its arguments: g[i, j] = d/d(a.ravel()[i] * b.ravel()[j]).
defrule(np.outer, "a, b",
        a=lambda info: f"np.reshape(g @ np.ravel(b), {info.shape('a')!r})",
        b=lambda info: f"np.reshape(np.ravel(a) @ g, {info.shape('b')!r})")


def _inner_adjoint(which):
    """inner contracts the last axes: ans[I, J] = sum_k a[I, k] b[J, k]."""
    def template(info):
        ad, bd = _ndims(info, "a", "b")
        if ad == 0 or bd == 0:
            return "g * b" if which == "a" else "g * a"
        if ad == 1 and bd == 1:
            return "g * b" if which == "a" else "g * a"
        if which == "a":        # contract g's J axes with b's leading axes
            return f"np.tensordot(g, b, ({list(range(ad - 1, ad + bd - 2))}, {list(range(bd - 1))}))"
        return f"np.tensordot(g, a, ({list(range(ad - 1))}, {list(range(ad - 1))}))"
    return template


defrule(np.inner, "a, b", broadcasts=_own_shape,
        a=_inner_adjoint("a"), b=_inner_adjoint("b"))


def _trace(info):
    shape = info.shape("a")
    if len(shape) != 2:
        raise Unsupported("np.trace is supported for 2-D arrays (offset 0)")
    return f"g * np.eye({shape[0]}, {shape[1]})"


defrule(np.trace, "a", a=_trace)


def _einsum_adjoint(info):
    """For ans = einsum('ij,jk->ik', a, b): a_bar = einsum('ik,jk->ij', g, b), and so
    on; indices that only the operand itself has (summed away) are put back by
    broadcasting."""
    spec = info.get("subscripts")
    if not isinstance(spec, str) or "->" not in spec or "." in spec:
        raise Unsupported("einsum needs literal explicit subscripts ('ij,jk->ik'), "
                          "without '...'")
    inputs, output = spec.replace(" ", "").split("->")
    inputs = inputs.split(",")
    i = info.element[0]
    mine = inputs[i]
    if len(set(mine)) != len(mine):
        raise Unsupported("einsum with a repeated index in one operand ('ii') is not "
                          "supported; use np.trace or np.diagonal")
    others = [f"operands[{j}]" for j in range(len(inputs)) if j != i]
    available = set(output).union(*[inputs[j] for j in range(len(inputs)) if j != i])
    kept = "".join(c for c in mine if c in available)
    subs = ",".join([output] + [inputs[j] for j in range(len(inputs)) if j != i])
    expr = f"np.einsum('{subs}->{kept}', g, {', '.join(others)})" if others else \
        f"np.einsum('{subs}->{kept}', g)"
    if kept != mine:
        shape = info.shape(f"operands[{i}]")
        kept_shape = tuple(n if c in available else 1 for c, n in zip(mine, shape))
        expr = f"np.broadcast_to(np.reshape({expr}, {kept_shape!r}), {shape!r})"
    return expr


defrule(np.einsum, "subscripts, *operands", operands=_einsum_adjoint)
