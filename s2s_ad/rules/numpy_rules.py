"""Rules for NumPy functions.

Elementwise functions are registered with `broadcasts=True`: the reverse transform
reduces each contribution to its argument's shape where NumPy broadcast it.
"""
import numpy as np

from . import defrule

# Elementwise functions of one argument: (function, adjoint template).
_UNARY = [
    (np.sin, "g * np.cos(x)"),
    (np.cos, "-g * np.sin(x)"),
    (np.tan, "g * (1.0 + ans * ans)"),
    (np.arcsin, "g / np.sqrt(1.0 - x * x)"),
    (np.arccos, "-g / np.sqrt(1.0 - x * x)"),
    (np.arctan, "g / (1.0 + x * x)"),
    (np.sinh, "g * np.cosh(x)"),
    (np.cosh, "g * np.sinh(x)"),
    (np.tanh, "g * (1.0 - ans * ans)"),
    (np.exp, "g * ans"),
    (np.expm1, "g * (ans + 1.0)"),
    (np.log, "g / x"),
    (np.log1p, "g / (1.0 + x)"),
    (np.log2, "g / (x * np.log(2.0))"),
    (np.log10, "g / (x * np.log(10.0))"),
    (np.sqrt, "g / (2.0 * ans)"),
    (np.square, "2.0 * g * x"),
    (np.negative, "-g"),
    # abs'(0) = 0, an element of the Clarke gradient [-1, 1].
    (np.abs, "g * np.sign(x)"),
]
for fn, template in _UNARY:
    defrule(fn, "x", broadcasts=True, x=template)


def _max_adjoint(mine, other, strict):
    """maximum/minimum: the gradient goes to the larger (smaller) argument. At a tie
    it is split evenly when both are differentiated; against a constant the tie goes
    to the constant, so relu = maximum(x, 0) has relu'(0) = 0 (Clarke: [0, 1])."""
    def template(info):
        if info.is_active(other):
            return f"g * (({mine} {strict} {other}) + 0.5 * ({mine} == {other}))"
        return f"g * ({mine} {strict} {other})"
    return template


defrule(np.maximum, "x, y", broadcasts=True,
        x=_max_adjoint("x", "y", ">"), y=_max_adjoint("y", "x", ">"))
defrule(np.minimum, "x, y", broadcasts=True,
        x=_max_adjoint("x", "y", "<"), y=_max_adjoint("y", "x", "<"))
defrule(np.power, "x, y", broadcasts=True,
        x="g * y * x ** (y - 1)", y="g * ans * np.log(x)")
defrule(np.add, "x, y", broadcasts=True, x="g", y="g")
defrule(np.subtract, "x, y", broadcasts=True, x="g", y="-g")
defrule(np.multiply, "x, y", broadcasts=True, x="g * y", y="g * x")
defrule(np.divide, "x, y", broadcasts=True, x="g / y", y="-g * ans / y")


def _reduction_adjoint(scale):
    """sum/mean: spread g back over the reduced axes (divided by the count for mean)."""
    def template(info):
        axis = info.static("axis") if info.has_static("axis") else None
        keepdims = info.static("keepdims") if info.has_static("keepdims") else False
        g = "g" if not scale else f"g / {scale(info, axis)}"
        if axis is None and not keepdims:
            return f"np.full_like(a, {g})"
        if not keepdims:
            g = f"np.expand_dims({g}, {axis!r})"
        return f"np.broadcast_to({g}, a.shape)"
    return template


def _count(info, axis):
    """How many elements each output of a mean averages, as a literal when known."""
    kind = info.kind("a")
    if kind is None:
        return "(a.size / ans.size)" if axis is not None else "a.size"
    shape = kind.shape
    axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    return repr(float(np.prod([shape[i] for i in axes])))


defrule(np.sum, "a, axis=None, keepdims=False", a=_reduction_adjoint(None))
defrule(np.mean, "a, axis=None, keepdims=False", a=_reduction_adjoint(_count))


def _dot_adjoint(which):
    def template(info):
        x, y = info.kind("a"), info.kind("b")
        xd = len(x.shape) if x is not None else 2
        yd = len(y.shape) if y is not None else 2
        if xd == 0 or yd == 0:          # np.dot with a scalar is multiplication
            return "g * b" if which == "a" else "g * a"
        if which == "a":
            return {(1, 1): "g * b", (2, 1): "np.outer(g, b)",
                    (1, 2): "b @ g", (2, 2): "g @ b.T"}[(xd, yd)]
        return {(1, 1): "g * a", (2, 1): "a.T @ g",
                (1, 2): "np.outer(a, g)", (2, 2): "a.T @ g"}[(xd, yd)]
    return template


defrule(np.dot, "a, b", a=_dot_adjoint("a"), b=_dot_adjoint("b"))

# Runtime helpers that generated code may call.
from .. import runtime  # noqa: E402

defrule(runtime.unbroadcast, "x, like", name="unbroadcast", x="np.broadcast_to(g, np.shape(x))")
defrule(runtime.zeros_like, "x", name="zeros_like", zero_grad=True)
