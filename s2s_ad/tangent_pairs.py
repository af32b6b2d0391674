"""A matrix times a vector and times that vector's tangent, as one product, in the
generated code that runs (never in the code shown or read back).

Forward mode writes the tangent of `z = X @ w` beside it: `z_dot = X @ w_dot`. Each is
a matrix-vector product that reads all of X from memory for two flops per entry; for
the logistic loss's 1000 x 100 data that is the whole cost of the function. One
product with the two vectors side by side reads X once:

    z, z_dot = (X @ np.column_stack((w, w_dot))).T    # X @ w and X @ w_dot
    g, g_dot = np.array((r, r_dot)) @ X               # X.T @ r and X.T @ r_dot

`paired(statements, kind_of, np_name)` rewrites two assignments `a = M @ u` and
`b = M @ v` that follow each other (only `del`s between them, moved after the pair)
with the same matrix M (a name, or a name's .T), u and v float64 vectors of one length
and M a float64 matrix. The two results are rows of one new array: each owns its
own memory, so writing into one (tangent_inplace.py) never reaches the other. The
products are the same sums, added in BLAS's order for a matrix (the last bits may
differ from the matrix-vector product's).
"""
import ast

import numpy as np

ENABLED = True


def paired(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    out = list(statements)
    i = 0
    while i < len(out):
        first = _product(out[i])
        if first is None:
            i += 1
            continue
        j = i + 1
        while j < len(out) and isinstance(out[j], ast.Delete):
            j += 1
        second = _product(out[j]) if j < len(out) else None
        pair = _pair(first, second, kind_of, np_name) if second is not None else None
        if pair is None:
            i += 1
            continue
        for key, value in vars(out[i]).items():
            if key.startswith("_s2s"):
                setattr(pair, key, value)
        out[i:j + 1] = [pair] + out[i + 1:j]
        i += 1
    return out


def _product(s):
    """(target, matrix, vector) of `target = matrix @ vector`, else None."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and
            isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.BinOp) and
            isinstance(s.value.op, ast.MatMult) and isinstance(s.value.right, ast.Name)):
        return None
    matrix = s.value.left
    if isinstance(matrix, ast.Name) or (isinstance(matrix, ast.Attribute) and
                                        matrix.attr == "T" and
                                        isinstance(matrix.value, ast.Name)):
        return s.targets[0].id, matrix, s.value.right.id
    return None


def _pair(first, second, kind_of, np_name):
    (a, matrix, u), (b, matrix2, v) = first, second
    if ast.dump(matrix) != ast.dump(matrix2) or len({a, b, u, v}) != 4:
        return None
    base = matrix.id if isinstance(matrix, ast.Name) else matrix.value.id
    if base in (a, b):
        return None
    kinds = [kind_of(n) for n in (base, u, v, a, b)]
    if any(k is None or not k.is_array or k.array_type is not np.ndarray or
           k.dtype != np.float64 for k in kinds):
        return None
    m, ku, kv, ka, kb = kinds
    if len(m.shape) != 2 or ku.shape != kv.shape or len(ku.shape) != 1 or \
            ka.shape != kb.shape or len(ka.shape) != 1:
        return None
    transposed = isinstance(matrix, ast.Attribute)
    rows, cols = m.shape[::-1] if transposed else m.shape
    if ku.shape[0] != cols or ka.shape[0] != rows:
        return None
    np_ = ast.Name(np_name, ast.Load())
    pair = ast.Tuple([_load(u), _load(v)], ast.Load())
    if transposed:      # M.T @ u, M.T @ v = rows of [u; v] @ M (C-ordered rows)
        stacked = ast.Call(ast.Attribute(np_, "array", ast.Load()), [pair], [])
        value = ast.BinOp(stacked, ast.MatMult(), _load(base))
    else:               # M @ u, M @ v = columns of M @ [u v] ([u v] C-ordered: BLAS's
        # fast case; M @ [u; v].T is several times slower)
        stacked = ast.Call(ast.Attribute(np_, "column_stack", ast.Load()), [pair], [])
        value = ast.Attribute(ast.BinOp(_load(base), ast.MatMult(), stacked), "T",
                              ast.Load())
    target = ast.Tuple([ast.Name(a, ast.Store()), ast.Name(b, ast.Store())], ast.Store())
    return ast.Assign([target], value, lineno=0)


def _load(name):
    return ast.Name(name, ast.Load())
