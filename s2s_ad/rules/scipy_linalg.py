"""scipy.linalg: solve_triangular, cho_solve (with the factor as a tuple literal
(c, lower), or cho_factor's result), expm, and cho_factor, whose result is a tuple
(c, lower) (tuple_results.py): c holds the factor in one triangle and a's other
triangle as SciPy leaves it, the flag is the literal `lower`.

Each solver reads one triangle of its matrix: its gradient is confined to that
triangle (without the diagonal for unit_diagonal=True).
"""
import scipy
import scipy.linalg as sl

from .. import runtime_linalg
from . import TEMPLATE_MODULES, Unsupported, _BY_OBJECT, defrule
from .tuple_results import deftuple, part_rule, whole_rule

TEMPLATE_MODULES["scipy"] = scipy
TEMPLATE_MODULES["linalg_ad"] = runtime_linalg


def _transposed(info):
    trans = info.get("trans", "?")
    if trans not in (0, 1, 2, "N", "T", "C"):
        raise Unsupported("'trans' must be a literal (0, 1, 2, 'N', 'T' or 'C')")
    return trans not in (0, "N")        # real matrices: 'C' is 'T'


def _triangle(info, param, expr, lower):
    if lower not in (True, False):
        raise Unsupported("'lower' must be a literal True or False")
    strict = info.get("unit_diagonal", False)
    if strict not in (True, False):
        raise Unsupported("'unit_diagonal' must be a literal True or False")
    k = (-1 if lower else 1) if strict else 0
    return f"np.{'tril' if lower else 'triu'}({expr}, {k})"


def _solve_triangular(param):
    """x = A^-1 b (A^-T b with trans): b_bar = A^-T g (A^-1 g), and a_bar = -b_bar x^T
    (-x b_bar^T), kept on the triangle A is read from."""
    def template(info):
        transposed = _transposed(info)
        b_bar = (f"scipy.linalg.solve_triangular(a, g, trans={0 if transposed else 1}, "
                 "lower=lower, unit_diagonal=unit_diagonal)")
        if param == "b":
            return b_bar
        if len(info.shape("a")) != 2:
            raise Unsupported("solve_triangular takes one matrix")
        one_d = len(info.shape("b")) == 1
        if transposed:
            outer = f"np.outer(ans, {b_bar})" if one_d else f"ans @ {b_bar}.T"
        else:
            outer = f"np.outer({b_bar}, ans)" if one_d else f"{b_bar} @ ans.T"
        return "-" + _triangle(info, "a", outer, info.get("lower", "?"))
    return template


defrule(sl.solve_triangular, "a, b, trans=0, lower=False, unit_diagonal=False",
        name="scipy.linalg.solve_triangular",
        a=_solve_triangular("a"), b=_solve_triangular("b"))


def _cho_solve(param):
    """x = (L L^T)^-1 b with L = c (lower) or (U^T U)^-1 b with U = c (upper):
    b_bar = cho_solve((c, lower), g); L_bar = -(b_bar x^T + x b_bar^T) L, or
    U_bar = -U (x b_bar^T + b_bar x^T), on the triangle cho_solve reads."""
    def template(info):
        if param == "b":
            return "scipy.linalg.cho_solve(c_and_lower, g)"
        if info.element != (0,):
            return None                         # the flag 'lower' is not differentiated
        lower = info.get("c_and_lower[1]", "?")
        if lower not in (True, False):
            raise Unsupported("write the factor as a tuple literal with a literal flag: "
                              "cho_solve((c, True), b)")
        b_bar = "scipy.linalg.cho_solve(c_and_lower, g)"
        if len(info.shape("b")) == 1:
            sym = f"(np.outer({b_bar}, ans) + np.outer(ans, {b_bar}))"
        else:
            sym = f"({b_bar} @ ans.T + ans @ {b_bar}.T)"
        # Only the triangle cho_solve reads is the factor: the other may hold anything
        # (cho_factor leaves a's entries there).
        factor = f"np.{'tril' if lower else 'triu'}(c_and_lower[0])"
        product = f"{sym} @ {factor}" if lower else f"{factor} @ {sym}"
        return "-" + _triangle(info, "c", product, lower)
    return template


defrule(sl.cho_solve, "c_and_lower, b", name="scipy.linalg.cho_solve", elements=True,
        c_and_lower=_cho_solve("c"), b=_cho_solve("b"))


def _expm(info):
    """The adjoint of the Frechet derivative L(A, .) of expm is L(A^T, .)."""
    if len(info.shape("A")) != 2:
        raise Unsupported("scipy.linalg.expm is supported for one matrix")
    return "scipy.linalg.expm_frechet(A.T, g, compute_expm=False)"


defrule(sl.expm, "A", name="scipy.linalg.expm", A=_expm)


# -- cho_factor: a tuple (c, lower) (tuple_results.py) ---------------------------------

def _cho_factor_check(stmt):
    keywords = dict(stmt.call_keywords)
    lower = keywords.get("lower", stmt.call_args[1] if len(stmt.call_args) > 1 else None)
    if lower is not None and getattr(lower, "value", None) not in (True, False):
        raise Unsupported("'lower' must be a literal True or False (cho_solve reads it)")
    overwrite = keywords.get("overwrite_a", stmt.call_args[2] if len(stmt.call_args) > 2
                             else None)
    if overwrite is not None and getattr(overwrite, "value", None) is not False:
        raise Unsupported("overwrite_a=True may overwrite the matrix in place, which "
                          "s2s_ad does not follow; leave it out")


def _cho_factor_c(info):
    shape = info.shape("a")
    if len(shape) != 2 or shape[0] != shape[1]:
        raise Unsupported("scipy.linalg.cho_factor takes one square matrix")
    return "linalg_ad.cho_factor_adjoint(whole, g, lower)"


_CHO_SPEC = "a, lower=False, overwrite_a=False, check_finite=True"
_CHO_PARTS = [
    part_rule("scipy.linalg.cho_factor", 0, _CHO_SPEC,
              discrete=("lower", "overwrite_a", "check_finite"), a=_cho_factor_c,
              tangent={"a": "linalg_ad.cho_factor_tangent(whole, a_dot, lower)"}),
    lambda statics: bool(statics.get("lower", False)),      # the flag, a constant
]
_cho_whole = whole_rule("scipy.linalg.cho_factor", _CHO_SPEC, checks=_cho_factor_check)
_BY_OBJECT[sl.cho_factor] = (sl.cho_factor, _cho_whole)
deftuple(_cho_whole, _cho_whole, lambda statics: _CHO_PARTS)
