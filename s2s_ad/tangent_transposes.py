"""A small transposed matrix copied before it is the right operand of a few products,
in the generated code that runs (never in the code shown or read back).

Backpropagating through `A @ W` multiplies by `W.T` (`A_bar = z_bar @ W.T`), and the
Hessian-vector product does so three times per layer (the adjoint, its tangent, and
`z_bar @ W_dot.T`). OpenBLAS packs a transposed right operand more slowly than a
C-ordered one: measured with one thread on the machine this was written on, a
(128, 64) @ (64, 64).T product takes 18 µs and copying the transpose (2 µs) then
multiplying takes 15. The gain is there for small matrices (at most 64 x 64) times up to
a few hundred rows and turns into a loss beyond, so only that case is rewritten:

    z24 = W2.T                  ->      z24 = np.ascontiguousarray(W2.T)

when z24 is read only as the right operand of `@` with a float64 matrix of 32 to 256
rows on the left (and in `del`), W2 is a float64 matrix with both sides 16 to 64, and
nothing between z24's statement and its last reader writes into any array (the copy
must read what the view would have read). The products are the same sums (BLAS's
kernel adds the same terms in the same order whichever way the operand is packed: the
results compared bit for bit in every case of this band we measured).
"""
import ast

from .tangent_inplace import is_float64_array, is_simple_assign
from .tangent_reuse import writes_nothing

ENABLED = True
SIDES = (16, 64)
ROWS = (32, 256)


def contiguous_transposes(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    out = list(statements)
    candidates = [(i, _transpose(s)) for i, s in enumerate(out) if _transpose(s)]
    if not candidates:
        return out
    # one pass over the list: where each name occurs, and how many statements before
    # each position might write into an array
    mentions = {}
    for k, s in enumerate(out):
        for node in ast.walk(s):
            if isinstance(node, ast.Name):
                places = mentions.setdefault(node.id, [])
                if not places or places[-1] != k:
                    places.append(k)
    writers_before = [0]
    for s in out:
        writers_before.append(writers_before[-1] + (not _writes_nothing(s, np_name)))
    for i, (name, matrix) in candidates:
        later = [k for k in mentions.get(name, ()) if k > i]
        if _worth_copying(out, later, name, matrix, kind_of) and \
                writers_before[later[-1]] == writers_before[i + 1]:
            s = out[i]
            call = ast.Call(ast.Attribute(ast.Name(np_name, ast.Load()),
                                          "ascontiguousarray", ast.Load()),
                            [s.value], [])
            new = ast.Assign(s.targets, call, lineno=0)
            for key, value in vars(s).items():
                if key.startswith("_s2s"):
                    setattr(new, key, value)
            out[i] = new
    return out


def _transpose(s):
    """(t, M) of `t = M.T` with names t and M, else None."""
    if is_simple_assign(s) and isinstance(s.value, ast.Attribute) \
            and s.value.attr == "T" and isinstance(s.value.value, ast.Name):
        return s.targets[0].id, s.value.value.id
    return None


def _worth_copying(out, later, name, matrix, kind_of):
    """Is t (`name`) read, in the statements at positions `later`, only as the right
    operand of products with a matrix of the band's rows on the left (or deleted)?"""
    kind = _float_matrix(kind_of(matrix))
    if kind is None or not all(SIDES[0] <= n <= SIDES[1] for n in kind.shape):
        return False
    read = False
    for j in later:
        s = out[j]
        if isinstance(s, ast.Delete):
            continue
        mentions = [n for n in ast.walk(s) if isinstance(n, ast.Name) and n.id == name]
        if any(isinstance(n.ctx, ast.Store) for n in mentions):
            return False
        right = [node for node in ast.walk(s) if isinstance(node, ast.BinOp) and
                 isinstance(node.op, ast.MatMult) and isinstance(node.right, ast.Name)
                 and node.right.id == name]
        if len(right) != len(mentions):
            return False
        for product in right:
            left = _float_matrix(kind_of(product.left.id)) \
                if isinstance(product.left, ast.Name) else None
            if left is None or not ROWS[0] <= left.shape[0] <= ROWS[1]:
                return False
        read = True
    return read


def _float_matrix(kind):
    return kind if is_float64_array(kind) and len(kind.shape) == 2 else None


def _writes_nothing(s, np_name):
    """A `del`, or an assignment to a name whose value writes into no array
    (tangent_reuse.writes_nothing)."""
    if isinstance(s, ast.Delete):
        return True
    return is_simple_assign(s) and writes_nothing(s.value, np_name)
