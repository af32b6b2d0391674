"""Rules for NumPy, one module per family; importing this module registers them all.

    numpy_elementwise   ufuncs, where, clip, piecewise-constant functions
    numpy_reductions    sum, mean, prod, max/min, var, std, linalg.norm
    numpy_linalg        matmul/@, dot, outer, inner, trace, einsum
    numpy_shapes        reshape, transpose, concatenate, stack, ..., constructors
    numpy_indexing      x[index] and its runtime primitives scatter/scatter_add
"""
import builtins

from . import defrule
from . import numpy_elementwise, numpy_reductions, numpy_linalg  # noqa: F401
from . import numpy_shapes, numpy_indexing  # noqa: F401
from .. import runtime

# Runtime helpers that generated code may call (primitives with their own rules).
defrule(runtime.unbroadcast, "x, like", name="unbroadcast", x="np.broadcast_to(g, np.shape(x))",
        like="zeros_like(like)")            # `like` only gives the shape
# Its derivative would need products of all but two factors: a second derivative of
# np.prod is refused rather than approximated.
defrule(runtime.product_of_others, "a, axes", name="product_of_others",
        refuses="second derivatives of np.prod are not supported")
defrule(runtime.zeros_like, "x", name="zeros_like", zero_grad=True)
defrule(builtins.len, "obj", zero_grad=True)
