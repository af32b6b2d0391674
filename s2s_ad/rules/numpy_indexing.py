"""Indexing reads `x[index]`, with the index kept as written.

The adjoint writes g into zeros of x's shape at the same index; it needs a statement,
so it is the runtime primitive `scatter` (basic indices and boolean masks) or
`scatter_add` (integer-array indices, where a repeated position must accumulate, as
`np.add.at` does). The index is passed as `np.s_[...]`, which spells it as written.
"""
import ast

import numpy as np

from . import SUBSCRIPT, defop, defrule
from .. import runtime


def accumulates(index, info):
    """Can the index read a position twice? Yes for integer arrays and lists; no for
    ints, slices, None, Ellipsis and boolean masks."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        if isinstance(part, (ast.Slice, ast.Constant)):
            continue
        if isinstance(part, ast.List):
            return True
        kind = info.kind_of(part)
        if kind is None or kind.pytype in (list, tuple):
            return True
        if kind.is_array and kind.shape != () and kind.dtype != np.bool_:
            return True
    return False


def _getitem(info):
    kind = info.kind("x")
    if kind is None or not kind.is_array:       # a list, or a shape not known
        return "index_adjoint(x, index, g)"
    helper = "scatter_add" if accumulates(info.operands["index"], info) else "scatter"
    return f"{helper}(g, {kind.shape!r}, np.s_[index])"


# The reverse transform turns this into `x_bar[index] += g` (or np.add.at) when x has
# an adjoint container; the template is for when it has none.
GETITEM = defop(SUBSCRIPT, None, "indexing", "x, index", discrete=("index",), x=_getitem)
defrule(runtime.scatter, "g, shape, index", name="scatter", discrete=("shape", "index"),
        g="g[index]")
defrule(runtime.scatter_add, "g, shape, index", name="scatter_add",
        discrete=("shape", "index"), g="g[index]")
