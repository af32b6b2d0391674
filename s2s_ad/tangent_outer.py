"""The tangent of an outer product as one matrix product with an inner dimension of
two, in the generated code that runs (never in the code shown or read back).

The reverse rule of `M @ v` writes the adjoint of M as the outer product
`np.expand_dims(g, -1) * v`, and forward mode writes its tangent beside it,
`g_dot[:, None] * v + g[:, None] * v_dot`: two broadcast products and their sum. NumPy
runs a broadcast (n, 1) * (m,) product one row at a time, an inner loop of m elements
per row, so on the sigmoid network's 128 x 64 adjoint those three operations take
about 20 µs where one product of a (128, 2) and a (2, 64) matrix takes 7:

    np.concatenate((g_dot[:, None], g[:, None]), axis=1) @ np.stack((v, v_dot))

(for `a * b - c * d` the row operand of the second product is negated first, which is
exact). The sum of the two products is the same number (BLAS may round the sum of the
two products once, with a fused multiply-add, where NumPy rounds each product).

`outer_sums(statements, kind_of, np_name)` rewrites a top-level `x = p * q + r * s`
(or `-`) whose operands are names of float64 ndarrays, one of each product of shape
(n, 1) and the other of shape (m,) or (1, m), x of shape (n, m), and n * m at least
MIN_SIZE (below that the three calls of the rewrite cost more than they save).
`outer_products` then writes the outer product itself, `x = p * q` with q 1-d, as
`np.einsum("ij,j->ij", p, q)`: each entry the same single product, without the
row-by-row loop.
"""
import ast

from .tangent_inplace import is_float64_array, is_simple_assign

ENABLED = True
MIN_SIZE = 2048


def outer_sums(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    return [_rewrite(s, kind_of, np_name) or s for s in statements]


def outer_products(statements, kind_of, np_name):
    """After tangent_inplace.py (which takes `p * q` for the new array it is, and may
    write into it later: so does it with einsum's): `x = p * q`, one of shape (n, 1)
    and the other (m,), as `np.einsum("ij,j->ij", p, q)`, the same products (each entry
    one product, rounded once, either way) without the row-by-row loop (6 µs instead of
    8-10 at 128 x 64)."""
    if not ENABLED:
        return list(statements)
    return [_product(s, kind_of, np_name) or s for s in statements]


def _matrix_target(s, kind_of):
    """(n, m) when `s` assigns a name a float matrix of at least MIN_SIZE entries, the
    only statements rewritten here; else None."""
    if not is_simple_assign(s):
        return None
    target = kind_of(s.targets[0].id)
    if not is_float64_array(target) or len(target.shape) != 2:
        return None
    n, m = target.shape
    return (n, m) if n * m >= MIN_SIZE else None


def _product(s, kind_of, np_name):
    shape = _matrix_target(s, kind_of)
    if shape is None:
        return None
    n, m = shape
    split = _split(s.value, kind_of, n, m)
    if split is None or not split[2]:
        return None
    column, row, _ = split
    einsum = ast.Attribute(ast.Name(np_name, ast.Load()), "einsum", ast.Load())
    new = ast.Assign([s.targets[0]],
                     ast.Call(einsum, [ast.Constant("ij,j->ij"), column, row], []),
                     lineno=0)
    for key, value in vars(s).items():
        if key.startswith("_s2s"):
            setattr(new, key, value)
    return new


def _rewrite(s, kind_of, np_name):
    if not (isinstance(s, ast.Assign) and isinstance(s.value, ast.BinOp) and
            isinstance(s.value.op, (ast.Add, ast.Sub))):
        return None
    shape = _matrix_target(s, kind_of)
    if shape is None:
        return None
    n, m = shape
    sides = [_split(product, kind_of, n, m) for product in (s.value.left, s.value.right)]
    if None in sides:
        return None
    (column1, row1, flat1), (column2, row2, flat2) = sides
    if flat1 != flat2:
        return None
    np_ = ast.Name(np_name, ast.Load())
    if isinstance(s.value.op, ast.Sub):
        row2 = ast.UnaryOp(ast.USub(), row2)
    columns = ast.Call(ast.Attribute(np_, "concatenate", ast.Load()),
                       [ast.Tuple([column1, column2], ast.Load())],
                       [ast.keyword("axis", ast.Constant(1))])
    rows = ast.Call(ast.Attribute(np_, "stack" if flat1 else "concatenate", ast.Load()),
                    [ast.Tuple([row1, row2], ast.Load())], [])
    new = ast.Assign([s.targets[0]], ast.BinOp(columns, ast.MatMult(), rows), lineno=0)
    for key, value in vars(s).items():
        if key.startswith("_s2s"):
            setattr(new, key, value)
    return new


def _split(product, kind_of, n, m):
    """(the (n, 1) operand, the (m,) or (1, m) one, whether that one is 1-d) of a
    product of two names, else None."""
    if not (isinstance(product, ast.BinOp) and isinstance(product.op, ast.Mult) and
            isinstance(product.left, ast.Name) and isinstance(product.right, ast.Name)):
        return None
    kinds = [kind_of(product.left.id), kind_of(product.right.id)]
    if not all(is_float64_array(k) for k in kinds):
        return None
    operands = [product.left, product.right]
    for i in (0, 1):
        column, row = kinds[i].shape, kinds[1 - i].shape
        if column == (n, 1) and row in ((m,), (1, m)):
            return (ast.Name(operands[i].id, ast.Load()),
                    ast.Name(operands[1 - i].id, ast.Load()), len(row) == 1)
    return None

