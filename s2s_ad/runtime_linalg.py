"""Adjoints and tangents of the matrix factorisations whose results are tuples (eigh's
eigenvectors, qr, svd with its factors, lstsq), as functions the generated code calls
(templates name this module `linalg_ad`, see rules/numpy_factorizations.py).

They are functions rather than templates because each needs several steps and a test
of its data: at a repeated eigenvalue or singular value the factors are not even
continuous, so their derivative does not exist. There a function raises
`np.linalg.LinAlgError` saying so, rather than return the infinities or NaNs the
formulas would give (never a wrong gradient). A value that depends only on the
invariant subspace (V @ V.T, or the eigenvalues) is differentiated through
np.linalg.eigvalsh or the singular values instead.

All work on stacks of matrices (leading batch axes). T(x) swaps the last two axes.
Formulas: eigh and svd as in M. Giles, "An extended collection of matrix derivative
results" (2008) and J. Townsend, "Differentiating the singular value decomposition"
(2016); qr as in M. Seeger et al., "Auto-differentiating linear algebra" (2017), with
the wide case split as A = Q [R1 R2].
"""
import numpy as np


def T(x):
    return np.swapaxes(x, -1, -2)


def _gaps(values, what, function):
    """F[i, j] = 1 / (values[j] - values[i]) off the diagonal, 0 on it; refused where two
    values coincide to rounding (the factor's derivative does not exist there)."""
    diff = values[..., None, :] - values[..., :, None]
    n = values.shape[-1]
    scale = np.max(np.abs(values), axis=-1, keepdims=True)[..., None]
    close = np.abs(diff) <= 8 * n * np.finfo(values.dtype).eps * np.maximum(scale, 1e-300)
    close = close & ~np.eye(n, dtype=bool)
    if np.any(close):
        raise np.linalg.LinAlgError(
            f"{function}: two {what} are equal (to rounding), where the {what[:-1]} "
            "vectors are not differentiable (not even continuous); differentiate a value "
            "that depends only on the eigenvalues or singular values instead")
    with np.errstate(divide="ignore"):
        f = 1.0 / np.where(np.eye(n, dtype=bool), 1.0, diff)
    return np.where(np.eye(n, dtype=bool), 0.0, f)


def symmetric_part_lower(m):
    """The gradient with respect to the lower triangle NumPy reads of a symmetric input,
    from M with <M, dA> the first-order change for a symmetric dA: tril(M + M^T) -
    diag(M)."""
    s = m + T(m)
    n = m.shape[-1]
    return np.tril(s) - 0.5 * np.eye(n) * s


def read_triangle(a_dot, uplo):
    """The symmetric change NumPy sees when it reads one triangle of a_dot."""
    if uplo == "U":
        return np.triu(a_dot) + T(np.triu(a_dot, 1))
    return np.tril(a_dot) + T(np.tril(a_dot, -1))


def on_triangle(m, uplo):
    lower = symmetric_part_lower(m)
    return lower if uplo == "L" else T(lower)


# -- eigh -----------------------------------------------------------------------------

def eigh_values_adjoint(whole, g, uplo):
    """w_bar -> a_bar: dw_i = v_i^T dA v_i, so M = V diag(g) V^T. (At a repeated
    eigenvalue the sorted eigenvalues have a kink; eigh's basis is used there, an
    element of the Clarke gradient, as for np.linalg.eigvalsh.)"""
    v = whole[1]
    return on_triangle((v * g[..., None, :]) @ T(v), uplo)


def eigvalsh_adjoint(a, g, uplo):
    """np.linalg.eigvalsh: as eigh's values, with the vectors computed here."""
    return eigh_values_adjoint(np.linalg.eigh(a, uplo), g, uplo)


def eigh_vectors_adjoint(whole, g, uplo):
    """V_bar -> a_bar: dV = V (F o (V^T dA V)) with F[i, j] = 1/(w_j - w_i), so
    M = V (F o (V^T V_bar)) V^T."""
    w, v = whole
    f = _gaps(w, "eigenvalues", "np.linalg.eigh")
    return on_triangle(v @ (f * (T(v) @ g)) @ T(v), uplo)


def eigh_values_tangent(whole, a_dot, uplo):
    v = whole[1]
    return np.sum(v * (read_triangle(a_dot, uplo) @ v), axis=-2)


def eigh_vectors_tangent(whole, a_dot, uplo):
    w, v = whole
    f = _gaps(w, "eigenvalues", "np.linalg.eigh")
    return v @ (f * (T(v) @ read_triangle(a_dot, uplo) @ v))


# -- slogdet --------------------------------------------------------------------------

def slogdet_adjoint(a, g):
    """log|det a|: d = tr(a^-1 da), so a_bar = g a^-T."""
    return np.asarray(g)[..., None, None] * T(np.linalg.inv(a))


def slogdet_tangent(a, a_dot):
    return np.trace(np.linalg.solve(a, a_dot), axis1=-2, axis2=-1)


# -- qr (mode='reduced') ----------------------------------------------------------------

def _copy_lower_to_upper(m):
    return np.tril(m) + T(np.tril(m, -1))


def _right_solve_rt(x, r):
    """x R^-T for an upper triangular R (a stack)."""
    return T(np.linalg.solve(r, T(x)))


def qr_adjoint(a, whole, q_bar, r_bar):
    """A = QR, reduced. For m >= n: M = R R_bar^T - Q_bar^T Q and
    A_bar = (Q_bar + Q copyltu(M)) R^-T. For m < n, A = Q [R1 R2] with A1 = Q R1 square
    and R2 = Q^T A2: Q_bar gains A2 R2_bar^T, A1_bar follows the square case and
    A2_bar = Q R2_bar. (A rank-deficient R raises LinAlgError in the solve.)"""
    q, r = whole
    m, n = a.shape[-2], a.shape[-1]
    q_bar = np.zeros_like(q) if q_bar is None else q_bar
    r_bar = np.zeros_like(r) if r_bar is None else r_bar
    if m >= n:
        return _qr_square_or_tall(q, r, q_bar, r_bar)
    r1, r1_bar, r2_bar = r[..., :, :m], r_bar[..., :, :m], r_bar[..., :, m:]
    a2 = a[..., :, m:]
    a1_bar = _qr_square_or_tall(q, r1, q_bar + a2 @ T(r2_bar), r1_bar)
    return np.concatenate([a1_bar, q @ r2_bar], axis=-1)


def _qr_square_or_tall(q, r, q_bar, r_bar):
    m = r @ T(r_bar) - T(q_bar) @ q
    return _right_solve_rt(q_bar + q @ _copy_lower_to_upper(m), r)


def qr_tangent(a, whole, a_dot, part):
    """With C = Q^T dA R^-1 and X = tril(C, -1) (Seeger et al.):
    dQ = Q (X - X^T) + (I - Q Q^T) dA R^-1 and dR = (C - (X - X^T)) R. A wide matrix
    through A = Q [R1 R2]: R1 as the square case, dR2 = dQ^T A2 + Q^T dA2."""
    q, r = whole
    m, n = a.shape[-2], a.shape[-1]
    if m < n:
        r1, da1, da2 = r[..., :, :m], a_dot[..., :, :m], a_dot[..., :, m:]
        dq, dr1 = _qr_tangent_tall(q, r1, da1)
        if part == 0:
            return dq
        dr2 = T(dq) @ a[..., :, m:] + T(q) @ da2
        return np.concatenate([dr1, dr2], axis=-1)
    dq, dr = _qr_tangent_tall(q, r, a_dot)
    return dq if part == 0 else dr


def _qr_tangent_tall(q, r, a_dot):
    da_rinv = T(np.linalg.solve(T(r), T(a_dot)))         # dA R^-1
    c = T(q) @ da_rinv
    x = np.tril(c, -1)
    omega = x - T(x)
    dq = q @ omega + da_rinv - q @ (T(q) @ da_rinv)
    dr = (c - omega) @ r
    return dq, dr


# -- svd (full_matrices=False, or square) ------------------------------------------------

def svd_adjoint(a, whole, u_bar, s_bar, vt_bar):
    """Townsend (2016), with F[i, j] = 1/(s_j^2 - s_i^2):
    A_bar = U [(F o (U^T U_bar - U_bar^T U)) S + diag(S_bar) + S (F o (V^T V_bar -
    V_bar^T V))] V^T + (I - U U^T) U_bar S^-1 V^T + U S^-1 V_bar^T (I - V V^T).
    The last two terms exist for a non-square matrix, and need every singular value
    nonzero."""
    u, s, vt = whole
    m, n = a.shape[-2], a.shape[-1]
    k = s.shape[-1]
    v = T(vt)
    f = _gaps(s * s, "singular values", "np.linalg.svd")
    inner = np.zeros(a.shape[:-2] + (k, k))
    if s_bar is not None:
        inner = inner + s_bar[..., None] * np.eye(k)
    if u_bar is not None:
        j = T(u) @ u_bar
        inner = inner + (f * (j - T(j))) * s[..., None, :]
    v_bar = None if vt_bar is None else T(vt_bar)
    if v_bar is not None:
        j = T(v) @ v_bar
        inner = inner + s[..., :, None] * (f * (j - T(j)))
    out = u @ inner @ vt
    if (u_bar is not None and m > k) or (v_bar is not None and n > k):
        s_inv = _inverse_values(s)
        if u_bar is not None and m > k:
            out = out + (u_bar - u @ (T(u) @ u_bar)) * s_inv[..., None, :] @ vt
        if v_bar is not None and n > k:
            out = out + (u * s_inv[..., None, :]) @ (T(v_bar) - (T(v_bar) @ v) @ vt)
    return out


def _inverse_values(s):
    if np.any(s <= np.finfo(s.dtype).eps * np.max(s, initial=0.0) * max(s.shape[-1], 1)):
        raise np.linalg.LinAlgError(
            "np.linalg.svd: a singular value is 0 (to rounding), where the singular "
            "vectors of a non-square matrix are not differentiable; differentiate the "
            "singular values alone (compute_uv=False) instead")
    return 1.0 / s


def svd_tangent(a, whole, a_dot, part):
    """dP = U^T dA V; dS = diag(dP); dU = U (F o (dP S + S dP^T)) + (I - UU^T) dA V S^-1;
    dV = V (F o (S dP + dP^T S)) + (I - VV^T) dA^T U S^-1 (Townsend 2016)."""
    u, s, vt = whole
    m, n = a.shape[-2], a.shape[-1]
    k = s.shape[-1]
    v = T(vt)
    dp = T(u) @ a_dot @ v
    if part == 1:
        return np.diagonal(dp, axis1=-2, axis2=-1).copy()
    f = _gaps(s * s, "singular values", "np.linalg.svd")
    if part == 0:
        du = u @ (f * (dp * s[..., None, :] + s[..., :, None] * T(dp)))
        if m > k:
            du = du + (a_dot @ v - u @ (T(u) @ a_dot @ v)) * _inverse_values(s)[..., None, :]
        return du
    dv = v @ (f * (s[..., :, None] * dp + T(dp) * s[..., None, :]))
    if n > k:
        dv = dv + (T(a_dot) @ u - v @ (vt @ T(a_dot) @ u)) * _inverse_values(s)[..., None, :]
    return T(dv)


# -- lstsq -------------------------------------------------------------------------------

def _full_column_rank(a, whole):
    m, n = a.shape[-2], a.shape[-1]
    if m < n or whole[2] < n:
        raise np.linalg.LinAlgError(
            "np.linalg.lstsq: the derivative is supported for a matrix of full column "
            f"rank (here {m}x{n} of rank {whole[2]}), where the solution is unique; write "
            "np.linalg.pinv(a) @ b for the minimum-norm solution of a wide or "
            "rank-deficient system")


def lstsq_x_adjoint(a, b, whole, g, param):
    """x = (A^T A)^-1 A^T b with r = b - A x and z = (A^T A)^-1 g:
    b_bar = A z, A_bar = r z^T - A z x^T."""
    _full_column_rank(a, whole)
    x = whole[0]
    z = np.linalg.solve(T(a) @ a, g)
    if param == "b":
        return a @ z
    r = b - a @ x
    if b.ndim == 1:
        return np.outer(r, z) - np.outer(a @ z, x)
    return r @ T(z) - (a @ z) @ T(x)


def lstsq_x_tangent(a, b, whole, a_dot=None, b_dot=None):
    """dx = (A^T A)^-1 (dA^T r + A^T (db - dA x))."""
    _full_column_rank(a, whole)
    x = whole[0]
    if a_dot is None:
        return np.linalg.solve(T(a) @ a, T(a) @ b_dot)
    r = b - a @ x
    return np.linalg.solve(T(a) @ a, T(a_dot) @ r - T(a) @ (a_dot @ x))


def lstsq_residuals_adjoint(a, b, whole, g, param):
    """residuals = |b - A x|^2 per column (empty unless m > n and A has full rank). At
    the minimum A^T r = 0, so d residuals = 2 r^T (db - dA x): b_bar = 2 r g and
    A_bar = -2 (r g) x^T."""
    x = whole[0]
    if g.size == 0:
        return np.zeros_like(a if param == "a" else b)
    r = b - a @ x
    weighted = 2.0 * (r * g if b.ndim == 2 else r * g[0])
    if param == "b":
        return weighted
    return -np.outer(weighted, x) if b.ndim == 1 else -(weighted @ T(x))


def lstsq_residuals_tangent(a, b, whole, a_dot=None, b_dot=None):
    x = whole[0]
    if whole[1].size == 0:
        return np.zeros_like(whole[1])
    r = b - a @ x
    change = b_dot if a_dot is None else -(a_dot @ x)
    return np.reshape(2.0 * np.sum(r * change, axis=0), whole[1].shape)


# -- scipy.linalg.cho_factor ---------------------------------------------------------------

def cholesky_adjoint(l, l_bar):
    """L = cholesky(A) from A's lower triangle: M = L^-T Phi(L^T L_bar) L^-1, Phi the
    lower triangle with the diagonal halved; the gradient on the lower triangle."""
    n = l.shape[-1]
    p = T(l) @ l_bar
    p = np.tril(p) - 0.5 * np.eye(n) * p
    m = np.linalg.solve(T(l), T(np.linalg.solve(T(l), T(p))))
    return symmetric_part_lower(m)


def cholesky_tangent(l, a_dot):
    """np.linalg.cholesky (the lower triangle read): dL = L Phi(L^-1 dA L^-T)."""
    n = l.shape[-1]
    m = np.linalg.solve(l, T(np.linalg.solve(l, read_triangle(a_dot, "L"))))
    return l @ (np.tril(m) - 0.5 * np.eye(n) * m)


def _other_triangle_is_copied():
    """Does this SciPy's cho_factor leave a's entries in the other strict triangle (up
    to 1.17), or zeros (1.18 on)? Asked of SciPy itself, once."""
    if not _COPIED:
        import scipy.linalg
        c, _ = scipy.linalg.cho_factor(np.array([[4.0, 1.0], [1.0, 3.0]]))
        _COPIED.append(bool(c[1, 0] == 1.0))
    return _COPIED[0]


_COPIED = []


def cho_factor_adjoint(whole, g, lower):
    """c = the factor's triangle, and in the other strict triangle either a's entries
    as they are (that part passes g through to a) or zeros (no derivative), as this
    SciPy writes it."""
    c = whole[0]
    copied = _other_triangle_is_copied()
    if lower:
        return cholesky_adjoint(np.tril(c), np.tril(g)) + (np.triu(g, 1) if copied else 0.0)
    return T(cholesky_adjoint(T(np.triu(c)), T(np.triu(g)))) + \
        (np.tril(g, -1) if copied else 0.0)


def cho_factor_tangent(whole, a_dot, lower):
    """dL = L Phi(L^-1 dA L^-T), dA the symmetric change of the triangle SciPy reads."""
    c = whole[0]
    n = c.shape[-1]
    l = np.tril(c) if lower else T(np.triu(c))
    change = read_triangle(a_dot, "L" if lower else "U")
    m = np.linalg.solve(l, T(np.linalg.solve(l, change)))
    dl = l @ (np.tril(m) - 0.5 * np.eye(n) * m)
    copied = _other_triangle_is_copied()
    if lower:
        return dl + (np.triu(a_dot, 1) if copied else 0.0)
    return T(dl) + (np.tril(a_dot, -1) if copied else 0.0)


def cho_solve_factor_tangent(c, lower, c_dot, x):
    """x = (L L^T)^-1 b (or (U^T U)^-1 b): dx = -(L L^T)^-1 (dL L^T + L dL^T) x, dL the
    triangle cho_solve reads."""
    if lower:
        l, dl = np.tril(c), np.tril(c_dot)
    else:
        l, dl = T(np.triu(c)), T(np.triu(c_dot))
    change = dl @ (T(l) @ x) + l @ (T(dl) @ x)
    return -np.linalg.solve(l @ T(l), change)
