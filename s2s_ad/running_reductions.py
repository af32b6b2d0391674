"""Whole-array sums and means without NumPy's Python-level wrappers, in the generated
code that runs (never in the code shown or read back).

`np.mean(x)` and `np.sum(x)` check their arguments in Python before calling the
reduction, a few microseconds per call: about a tenth of the logistic loss, whose jvp
takes two means. For a float64 array of known non-zero size, NumPy computes them as

    np.sum(x)   = np.add.reduce(x, axis=None)
    np.mean(x)  = np.add.reduce(x, axis=None) / x.size

(numpy/_core/_methods.py: the same pairwise sum, then one division by the count), so
the code that runs says that: the same numbers, bit for bit.
"""
import ast

import numpy as np

ENABLED = True


def direct_reductions(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    return [_statement(s, kind_of, np_name) for s in statements]


def _statement(s, kind_of, np_name):
    if not (isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)):
        return s
    call = s.value
    func = call.func
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
    new = ast.Assign(s.targets, value, lineno=0)
    for key, item in vars(s).items():
        if key.startswith("_s2s"):
            setattr(new, key, item)
    return new
