"""np.linalg functions whose result is a tuple: slogdet, eigh, qr, svd with its
factors, lstsq (see tuple_results.py for how a tuple result is lowered).

The adjoints and tangents are functions in s2s_ad/runtime_linalg.py (named `linalg_ad`
in templates). Where a factor has no derivative (eigenvectors at a repeated eigenvalue,
singular vectors at a repeated singular value, or at a zero one for a non-square
matrix, lstsq of a rank-deficient matrix) they raise np.linalg.LinAlgError saying so
when the gradient is computed. Choices:

- slogdet: the sign is piecewise constant (0 derivative); log|det| has a_bar = g a^-T.
- eigh: like eigvalsh, the gradient is with respect to the triangle NumPy reads (UPLO),
  an entry below (above) the diagonal standing for both symmetric positions.
- qr: mode='reduced' (the default) only; any shape, full rank.
- svd: the reduced factors (full_matrices=False), or a square matrix; the full factors
  of a non-square matrix are not unique, and are refused.
- lstsq: x and the residuals for a matrix of full column rank (the solution unique);
  the rank is an integer (0 derivative); the singular values as np.linalg.svd's.
"""
import numpy as np

from .. import runtime_linalg
from . import TEMPLATE_MODULES, Unsupported, _BY_OBJECT, rule_for_call
from .tuple_results import deftuple, part_rule, whole_rule, zero_part

TEMPLATE_MODULES["linalg_ad"] = runtime_linalg


def _square(param="a"):
    def check(info):
        shape = info.shape(param)
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise Unsupported(f"'{param}' must be a square matrix (or a stack of them)")
    return check


def _matrix(info):
    if len(info.shape("a")) < 2:
        raise Unsupported("'a' must be a matrix (or a stack of them)")


def _uplo(info):
    uplo = info.get("UPLO", "?")
    if uplo not in ("L", "U"):
        raise Unsupported("'UPLO' must be the literal 'L' or 'U'")


def checked(template, *checks):
    """A template string, used once each check of the call site passes."""
    def build(info):
        for check in checks:
            check(info)
        return template
    return build


def _register(fn, spec, parts, checks=None):
    """The rule rule_for_call finds for `fn` is the whole tuple's (zero_grad)."""
    whole = whole_rule(f"numpy.linalg.{fn.__name__}", spec, checks)
    _BY_OBJECT[fn] = (fn, whole)
    deftuple(whole, whole, parts)


# -- slogdet ---------------------------------------------------------------------------

_SLOGDET = [
    zero_part("numpy.linalg.slogdet", 0, "a"),
    part_rule("numpy.linalg.slogdet", 1, "a",
              a=checked("linalg_ad.slogdet_adjoint(a, g)", _square()),
              tangent={"a": "linalg_ad.slogdet_tangent(a, a_dot)"}),
]
_register(np.linalg.slogdet, "a", lambda statics: _SLOGDET)


# -- eigh --------------------------------------------------------------------------------

_EIGH = [
    part_rule("numpy.linalg.eigh", 0, "a, UPLO='L'", discrete=("UPLO",),
              a=checked("linalg_ad.eigh_values_adjoint(whole, g, UPLO)", _square(), _uplo),
              tangent={"a": "linalg_ad.eigh_values_tangent(whole, a_dot, UPLO)"}),
    part_rule("numpy.linalg.eigh", 1, "a, UPLO='L'", discrete=("UPLO",),
              a=checked("linalg_ad.eigh_vectors_adjoint(whole, g, UPLO)", _square(), _uplo),
              tangent={"a": "linalg_ad.eigh_vectors_tangent(whole, a_dot, UPLO)"}),
]
_register(np.linalg.eigh, "a, UPLO='L'", lambda statics: _EIGH)


# -- qr ------------------------------------------------------------------------------------

def _qr_mode(stmt):
    keywords = dict(stmt.call_keywords)
    mode = keywords.get("mode", stmt.call_args[1] if len(stmt.call_args) > 1 else None)
    if mode is not None and getattr(mode, "value", None) != "reduced":
        raise Unsupported("only mode='reduced' (the default) is supported; for R alone "
                          "write np.linalg.qr(a)[1]")


_QR = [
    part_rule("numpy.linalg.qr", 0, "a, mode='reduced'", discrete=("mode",),
              a=checked("linalg_ad.qr_adjoint(a, whole, g, None)", _matrix),
              tangent={"a": "linalg_ad.qr_tangent(a, whole, a_dot, 0)"}),
    part_rule("numpy.linalg.qr", 1, "a, mode='reduced'", discrete=("mode",),
              a=checked("linalg_ad.qr_adjoint(a, whole, None, g)", _matrix),
              tangent={"a": "linalg_ad.qr_tangent(a, whole, a_dot, 1)"}),
]
_register(np.linalg.qr, "a, mode='reduced'", lambda statics: _QR, checks=_qr_mode)


# -- svd with its factors ----------------------------------------------------------------

def _reduced_factors(info):
    """The full factors of a non-square matrix are not unique (any basis of the
    complement would do): refused unless full_matrices=False or the matrix is square."""
    _matrix(info)
    full = info.get("full_matrices", "?")
    if full not in (True, False):
        raise Unsupported("'full_matrices' must be a literal True or False")
    m, n = info.shape("a")[-2:]
    if full and m != n:
        raise Unsupported("the full factors of a non-square matrix are not unique, so "
                          "they have no derivative; write np.linalg.svd(a, "
                          "full_matrices=False)")


def _compute_uv(stmt):
    keywords = dict(stmt.call_keywords)
    value = keywords.get("compute_uv", stmt.call_args[2] if len(stmt.call_args) > 2 else None)
    if value is not None and getattr(value, "value", None) not in (True, False):
        raise Unsupported("'compute_uv' must be a literal True or False")


_SVD_SPEC = "a, full_matrices=True, compute_uv=True"
_SVD = [
    part_rule("numpy.linalg.svd", k, _SVD_SPEC, discrete=("full_matrices", "compute_uv"),
              a=checked(f"linalg_ad.svd_adjoint(a, whole, {bars})", _reduced_factors),
              tangent={"a": f"linalg_ad.svd_tangent(a, whole, a_dot, {k})"})
    for k, bars in enumerate(("g, None, None", "None, g, None", "None, None, g"))]


def _svd_parts(statics):
    return None if statics.get("compute_uv", True) is False else _SVD


_svd_values = rule_for_call(np.linalg.svd)      # compute_uv=False (numpy_decompositions)
deftuple(_svd_values, whole_rule("numpy.linalg.svd (tuple)", _SVD_SPEC, checks=_compute_uv),
         _svd_parts)


# -- lstsq -----------------------------------------------------------------------------------

def _lstsq(function, param):
    def build(info):
        if len(info.shape("a")) != 2 or len(info.shape("b")) not in (1, 2):
            raise Unsupported("np.linalg.lstsq takes a matrix a and a vector or matrix b")
        return f"linalg_ad.{function}(a, b, whole, g, '{param}')"
    return build


_LSTSQ_SPEC = "a, b, rcond=None"
_LSTSQ = [
    part_rule("numpy.linalg.lstsq", 0, _LSTSQ_SPEC, discrete=("rcond",),
              a=_lstsq("lstsq_x_adjoint", "a"), b=_lstsq("lstsq_x_adjoint", "b"),
              tangent={"a": "linalg_ad.lstsq_x_tangent(a, b, whole, a_dot=a_dot)",
                       "b": "linalg_ad.lstsq_x_tangent(a, b, whole, b_dot=b_dot)"}),
    part_rule("numpy.linalg.lstsq", 1, _LSTSQ_SPEC, discrete=("rcond",),
              a=_lstsq("lstsq_residuals_adjoint", "a"),
              b=_lstsq("lstsq_residuals_adjoint", "b"),
              tangent={"a": "linalg_ad.lstsq_residuals_tangent(a, b, whole, a_dot=a_dot)",
                       "b": "linalg_ad.lstsq_residuals_tangent(a, b, whole, b_dot=b_dot)"}),
    zero_part("numpy.linalg.lstsq", 2, _LSTSQ_SPEC),
    part_rule("numpy.linalg.lstsq", 3, _LSTSQ_SPEC, discrete=("rcond",),
              a="(np.linalg.svd(a, full_matrices=False)[0] * np.expand_dims(g, -2)) @ "
                "np.linalg.svd(a, full_matrices=False)[2]",
              b="np.zeros_like(b)",
              tangent={"a": "np.einsum('...ik,...ij,...kj->...k', "
                            "np.linalg.svd(a, full_matrices=False)[0], a_dot, "
                            "np.linalg.svd(a, full_matrices=False)[2])",
                       "b": "0.0 * whole[3]"}),
]
_register(np.linalg.lstsq, _LSTSQ_SPEC, lambda statics: _LSTSQ)
