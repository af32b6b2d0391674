"""NumPy calls without their Python-level wrappers, in the generated code that runs
(never in the code shown or read back): whole-array sums and means, and expand_dims.

`np.mean(x)` and `np.sum(x)` check their arguments in Python before calling the
reduction, a few microseconds per call: about a tenth of the logistic loss, whose jvp
takes two means. For a float64 array of known non-zero size, NumPy computes them as

    np.sum(x)   = np.add.reduce(x, axis=None)
    np.mean(x)  = np.add.reduce(x, axis=None) / x.size

(numpy/_core/_methods.py: the same pairwise sum, then one division by the count), so
the code that runs says that: the same numbers, bit for bit. Likewise
`np.expand_dims(x, -1)` (several microseconds: it normalises its axes in Python) is
the view `x[..., None]`, and `np.expand_dims(x, 0)` the view `x[None]`.
"""
import ast

import numpy as np

ENABLED = True


def direct_calls(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    return [_statement(s, kind_of, np_name) for s in statements]


def _statement(s, kind_of, np_name):
    if not (isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)):
        return s
    call = s.value
    func = call.func
    view = _expand_dims(call, kind_of, np_name)
    if view is not None:
        return _like(ast.Assign(s.targets, view, lineno=0), s)
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and
            func.value.id == np_name and func.attr in ("sum", "mean") and
            len(call.args) == 1 and not call.keywords and
            isinstance(call.args[0], ast.Name)):
        return s
    kind = kind_of(call.args[0].id)
    if kind is None or not kind.is_array or kind.array_type is not np.ndarray or \
            kind.dtype != np.float64 or kind.shape == ():
        return s
    size = int(np.prod(kind.shape))
    if size == 0:
        return s                        # (the mean of nothing warns: left to NumPy)
    reduce = ast.Attribute(ast.Attribute(ast.Name(np_name, ast.Load()), "add", ast.Load()),
                           "reduce", ast.Load())
    value = ast.Call(reduce, [call.args[0]], [ast.keyword("axis", ast.Constant(None))])
    if func.attr == "mean":
        value = ast.BinOp(value, ast.Div(), ast.Constant(size))
    return _like(ast.Assign(s.targets, value, lineno=0), s)


def _expand_dims(call, kind_of, np_name):
    """x[..., None] or x[None] for np.expand_dims(x, -1 or 0) of an ndarray, else None."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and
            func.value.id == np_name and func.attr == "expand_dims" and
            len(call.args) == 2 and not call.keywords and
            isinstance(call.args[0], ast.Name)):
        return None
    try:
        axis = ast.literal_eval(call.args[1])
    except ValueError:
        return None
    kind = kind_of(call.args[0].id)
    if kind is None or not kind.is_array or kind.array_type is not np.ndarray or \
            type(axis) is not int:
        return None
    ndim = len(kind.shape)
    if axis in (-1, ndim):
        index = ast.Tuple([ast.Constant(Ellipsis), ast.Constant(None)], ast.Load())
    elif axis in (0, -ndim - 1):
        index = ast.Constant(None)
    else:
        return None
    return ast.Subscript(call.args[0], index, ast.Load())


def _like(new, old):
    for key, item in vars(old).items():
        if key.startswith("_s2s"):
            setattr(new, key, item)
    return new
