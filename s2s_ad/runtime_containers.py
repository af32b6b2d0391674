"""Runtime helpers for adjoints of containers (lists and arrays written element by
element). Each is registered as a primitive below, so generated code that calls
them stays inside the subset.
"""
import numpy as np

from .rules import defrule
from .runtime import product_of_others


def index_adjoint(x, index, g):
    """The adjoint of x[index] as a whole container: zeros with g at index. Used only
    where x has no adjoint container to add into (O(size) per read)."""
    if isinstance(x, list):
        out = [0.0] * len(x)
    else:
        out = np.zeros(np.shape(x), dtype=np.result_type(np.asarray(x).dtype, np.float64))
    if isinstance(out, list):
        out[index] = out[index] + g
    else:
        np.add.at(out, index, g)        # a repeated position adds up
    return out


def spread(x, g):
    """The adjoint of sum(x) for a list (or any sequence): g for every element."""
    if isinstance(x, np.ndarray):
        return np.full(x.shape, g)
    return [g] * len(x)


def add_each(acc, g):
    """acc[k] += g for every k: the adjoint of sum(list), added into a list adjoint."""
    for k in range(len(acc)):
        acc[k] += g
    return acc


def add_elements(acc, g):
    """acc[k] += g[k]: the adjoint of np.array(list), added into a list adjoint."""
    for k in range(len(acc)):
        acc[k] += g[k]
    return acc


# compiler.py puts these in the namespace of generated code (with the runtime.py helpers
# it lists itself; product_of_others, the adjoint of np.prod, rides along here).
HELPERS = {f.__name__: f for f in (index_adjoint, spread, add_each,
                                   add_elements, product_of_others)}

# `x` only gives the adjoint its shape (and container type): its own adjoint is 0.
defrule(index_adjoint, "x, index, g", name="index_adjoint", discrete=("index",),
        x="zeros_like(x)", g="g[index]")
defrule(spread, "x, g", name="spread", x="zeros_like(x)", g="sum(g)")
