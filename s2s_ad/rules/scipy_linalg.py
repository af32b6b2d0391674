"""scipy.linalg: solve_triangular, cho_solve (with the factor as a tuple literal
(c, lower)), expm; cho_factor (a tuple result) is refused when spelled.

Each solver reads one triangle of its matrix: its gradient is confined to that
triangle (without the diagonal for unit_diagonal=True).
"""
import scipy
import scipy.linalg as sl

from . import TEMPLATE_MODULES, Unsupported, defrule

TEMPLATE_MODULES["scipy"] = scipy


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
        product = f"{sym} @ c_and_lower[0]" if lower else f"c_and_lower[0] @ {sym}"
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


def _refuse_cho_factor(stmt):
    raise Unsupported("it returns a tuple (c, lower), which s2s_ad does not differentiate "
                      "through; write c = np.linalg.cholesky(a) and "
                      "scipy.linalg.cho_solve((c, True), b)")


defrule(sl.cho_factor, "*args, **kwargs", name="scipy.linalg.cho_factor", refuses="cho_factor returns a tuple",
        checks=_refuse_cho_factor)
