"""np.linalg beyond products: solve, inv, det, cholesky, eigvalsh, svd (singular values),
pinv, matrix_power, multi_dot (norm of every order is in numpy_norms).

Functions whose result is a tuple (slogdet, eigh, svd with its factors, qr, lstsq) are
in numpy_factorizations.py; eig (complex eigenvectors) is refused where it is written.

Templates work on stacks of matrices (leading batch axes) unless said otherwise;
T(x) is np.swapaxes(x, -1, -2).

Symmetric input: cholesky and eigvalsh read only one triangle of `a` (NumPy's UPLO),
so the gradient is the derivative of what NumPy computes: with respect to that
triangle, an entry below the diagonal standing for both of its symmetric positions
(the other triangle gets 0).
"""
import ast

import numpy as np

from .. import runtime_linalg
from . import TEMPLATE_MODULES, Unsupported, defrule

# Adjoints of several steps are functions (runtime_linalg.py), named so in templates.
TEMPLATE_MODULES["linalg_ad"] = runtime_linalg


def T(x):
    return f"np.swapaxes({x}, -1, -2)"


def _square(info, param="a"):
    shape = info.shape(param)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise Unsupported(f"'{param}' must be a square matrix (or a stack of them)")
    return shape


def _batch_shape(info):
    """solve: contributions have the broadcast batch axes (summed back)."""
    try:
        a, b = info.shape("a"), info.shape("b")
    except Unsupported:
        return None
    mine = a if info.param == "a" else b
    if len(b) == 1:
        return mine
    return tuple(np.broadcast_shapes(a[:-2], b[:-2])) + mine[-2:]


def _solve(which):
    """x = a^-1 b: b_bar = solve(a^T, g), a_bar = -b_bar x^T."""
    def template(info):
        a, b = _square(info), info.shape("b")
        if len(b) == 1 and len(a) != 2:
            raise Unsupported("np.linalg.solve of a stack of matrices needs b with a "
                              "matching stack (b[..., None] for vectors)")
        b_bar = f"np.linalg.solve({T('a')}, g)"
        if which == "b":
            return b_bar
        if len(b) == 1:
            return f"-np.outer({b_bar}, ans)"
        return f"-({b_bar} @ {T('ans')})"
    return template


defrule(np.linalg.solve, "a, b", broadcasts=_batch_shape, a=_solve("a"), b=_solve("b"))


def _inv(info):
    _square(info)
    return f"-({T('ans')} @ g @ {T('ans')})"


defrule(np.linalg.inv, "a", a=_inv)


def _det(info):
    """d det(a) = det(a) tr(a^-1 da): a_bar = g det(a) a^-T (the cofactor matrix). At a
    singular matrix the cofactors exist but a^-1 does not: NumPy raises LinAlgError
    there (a loud failure, never a wrong value)."""
    shape = _square(info)
    if len(shape) == 2:
        return f"g * ans * {T('np.linalg.inv(a)')}"
    return f"np.expand_dims(g * ans, (-1, -2)) * {T('np.linalg.inv(a)')}"


defrule(np.linalg.det, "a", a=_det)


def _cholesky(info):
    """L = cholesky(A): for symmetric dA, dL = L Phi(L^-1 dA L^-T) with Phi(X) the lower
    triangle with the diagonal halved. Its adjoint: M = L^-T Phi(L^T L_bar) L^-1, on
    the lower triangle (runtime_linalg.cholesky_adjoint: a function, so that M is
    computed once rather than once per use in the template)."""
    _square(info)
    return "linalg_ad.cholesky_adjoint(ans, g)"


defrule(np.linalg.cholesky, "a", a=_cholesky)


def _eigvalsh(info):
    """w = eigvalsh(A): dw_i = v_i^T dA v_i, so M = V diag(g) V^T. At a repeated
    eigenvalue the sorted eigenvalues have a kink; the basis eigh returns for the
    repeated eigenspace is used, an element of the Clarke gradient."""
    _square(info)
    uplo = info.get("UPLO", "?")
    if uplo not in ("L", "U"):
        raise Unsupported("'UPLO' must be the literal 'L' or 'U'")
    return "linalg_ad.eigvalsh_adjoint(a, g, UPLO)"


defrule(np.linalg.eigvalsh, "a, UPLO='L'", discrete=("UPLO",), a=_eigvalsh)


def _svd_check(stmt):
    keywords = dict(stmt.call_keywords)
    value = keywords.get("compute_uv", stmt.call_args[2] if len(stmt.call_args) > 2 else None)
    if getattr(value, "value", True) is not False:
        raise Unsupported("only the singular values, np.linalg.svd(a, compute_uv=False), "
                          "are supported: the factors come as a tuple, which s2s_ad does "
                          "not differentiate through")


def _svd(info):
    """s = svd(a, compute_uv=False): ds_i = u_i^T da v_i, so a_bar = U diag(g) V^T with
    the reduced factors. Where singular values are repeated or 0 they have a kink; the
    factors NumPy returns there are used (an element of the Clarke gradient)."""
    if len(info.shape("a")) < 2:
        raise Unsupported("np.linalg.svd takes a matrix (or a stack of them)")
    u = "np.linalg.svd(a, full_matrices=False)[0]"
    vh = "np.linalg.svd(a, full_matrices=False)[2]"
    return f"({u} * np.expand_dims(g, -2)) @ {vh}"


defrule(np.linalg.svd, "a, full_matrices=True, compute_uv=True", checks=_svd_check, a=_svd)


def _pinv(info):
    """X = pinv(A) (Golub and Pereyra), where the rank does not change:
    dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X, whose adjoint is
    -X^T G X^T + (I - A X) G^T X X^T + X^T X G^T (I - X A)."""
    m, n = info.shape("a") if len(info.shape("a")) == 2 else (None, None)
    if m is None:
        raise Unsupported("np.linalg.pinv is supported for one matrix")
    return (f"-(ans.T @ g @ ans.T) + (np.eye({m}) - a @ ans) @ g.T @ ans @ ans.T"
            f" + ans.T @ ans @ g.T @ (np.eye({n}) - ans @ a)")


defrule(np.linalg.pinv, "a", a=_pinv)


def _matrix_power(info):
    """a^n: the adjoint of a product of n factors is the sum over factors of
    (a^T)^k g (a^T)^(n-1-k); a negative power is that power of inv(a), whose adjoint
    -B^T B_bar B^T follows."""
    _square(info)
    n = info.get("n", "?")
    if not isinstance(n, int):
        raise Unsupported("the exponent of np.linalg.matrix_power must be a literal int")
    if n == 0:
        return "np.zeros_like(a)"
    base = "a" if n > 0 else "np.linalg.inv(a)"
    bt = T(base)
    terms = []
    for k in range(abs(n)):
        left = "" if k == 0 else f"np.linalg.matrix_power({bt}, {k}) @ "
        right = "" if k == abs(n) - 1 else f" @ np.linalg.matrix_power({bt}, {abs(n) - 1 - k})"
        terms.append(f"{left}g{right}")
    total = " + ".join(terms)
    return f"({total})" if n > 0 else f"-({bt} @ ({total}) @ {bt})"


def _power_check(stmt):
    """matrix_power(a, 1) returns a itself (later writes into a would reach it): the
    exponent must be a literal other than 1."""
    keywords = dict(stmt.call_keywords)
    n = keywords.get("n", stmt.call_args[1] if len(stmt.call_args) > 1 else None)
    value = getattr(n, "value", None)
    if isinstance(n, ast.UnaryOp) and isinstance(n.operand, ast.Constant):
        value = -n.operand.value
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unsupported("the exponent of np.linalg.matrix_power must be a literal int")
    if value == 1:
        raise Unsupported("matrix_power(a, 1) returns a itself; use a")


defrule(np.linalg.matrix_power, "a, n", checks=_power_check, a=_matrix_power)


def _multi_dot(info):
    """ans = L @ A_i @ R: A_i_bar = L^T g R^T, with a 1-D first (last) array a row
    (column) and g shaped to match."""
    shapes, j = [], 0
    while f"arrays[{j}]" in info.kinds:
        shapes.append(info.shape(f"arrays[{j}]"))
        j += 1
    i, last = info.element[0], len(shapes) - 1

    def promoted(k):
        if k == 0 and len(shapes[0]) == 1:
            return f"np.reshape(arrays[0], (1, {shapes[0][0]}))"
        if k == last and len(shapes[last]) == 1:
            return f"np.reshape(arrays[{last}], ({shapes[last][0]}, 1))"
        return f"arrays[{k}]"

    def chain(ks):
        parts = [promoted(k) for k in ks]
        return parts[0] if len(parts) == 1 else f"np.linalg.multi_dot([{', '.join(parts)}])"

    rows = 1 if len(shapes[0]) == 1 else shapes[0][0]
    cols = 1 if len(shapes[last]) == 1 else shapes[last][-1]
    expr = f"np.reshape(g, ({rows}, {cols}))"
    if i > 0:
        expr = f"{chain(range(i))}.T @ {expr}"
    if i < last:
        expr = f"{expr} @ {chain(range(i + 1, last + 1))}.T"
    return f"np.reshape({expr}, {shapes[i]!r})"


defrule(np.linalg.multi_dot, "arrays", elements=True, arrays=_multi_dot)


# -- eig: refused where it is written --------------------------------------------------

def _refuse(message):
    def check(stmt):
        raise Unsupported(message)
    return check


for _fn, _why in [
        (np.linalg.eig, "eigenvectors of a non-symmetric matrix are complex, which s2s_ad "
                        "does not support; for a symmetric matrix use np.linalg.eigvalsh")]:
    defrule(_fn, "*args, **kwargs", refuses=_why, checks=_refuse(_why))
