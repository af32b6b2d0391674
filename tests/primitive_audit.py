"""The primitives issue 9 lists (item 3), checked against the rule table: which have a
rule, which have a tangent (forward mode), and which a test file calls (an
approximation of "has finite-difference tests": the spelling appears in tests/).

    python tests/primitive_audit.py      # prints a table, one row per primitive

tests/test_primitive_audit.py asserts that every listed primitive has a rule (or a
located refusal that is documented) and a tangent."""
import os
import re
import sys

import numpy as np

LISTED = {
    "np.linalg": ["np.linalg.solve", "np.linalg.inv", "np.linalg.det", "np.linalg.slogdet",
                  "np.linalg.cholesky", "np.linalg.eigh", "np.linalg.eigvalsh",
                  "np.linalg.svd", "np.linalg.qr", "np.linalg.pinv", "np.linalg.lstsq",
                  "np.linalg.matrix_power", "np.linalg.multi_dot", "np.linalg.norm"],
    "scipy.linalg": ["scipy.linalg.solve_triangular", "scipy.linalg.cho_factor",
                     "scipy.linalg.cho_solve", "scipy.linalg.expm"],
    "scans and sorting": ["np.cumsum", "np.cumprod", "np.diff", "np.sort", "np.take",
                          "np.take_along_axis", "np.max", "np.min", "np.argsort",
                          "np.argmax", "np.searchsorted"],
    "shapes": ["np.tile", "np.repeat", "np.pad", "np.diag", "np.diagonal", "np.diagflat",
               "np.triu", "np.tril", "np.tensordot", "np.kron", "np.roll", "np.rot90",
               "np.flip", "np.split", "np.array_split", "np.hsplit", "np.vsplit",
               "np.append", "np.column_stack", "np.atleast_1d", "np.atleast_2d",
               "np.atleast_3d", "np.r_", "np.c_", "np.einsum", "np.trace", "np.dot",
               "np.linspace"],
    "elementwise": ["np.remainder", "np.fmod", "np.deg2rad", "np.rad2deg", "np.sinc",
                    "np.nan_to_num", "np.cross", "np.heaviside"],
    "scipy.special": ["scipy.special." + n for n in (
        "erf erfc erfinv erfcinv expit logit log_expit logsumexp softmax log_softmax "
        "gammaln gamma digamma polygamma beta betaln xlogy xlog1py ndtr log_ndtr ndtri "
        "i0 i1 i0e i1e").split()],
    "scipy.stats": ["scipy.stats." + n for n in (
        "norm.pdf norm.logpdf norm.cdf norm.logcdf norm.sf norm.logsf "
        "multivariate_normal.logpdf multivariate_normal.pdf t.pdf t.logpdf t.cdf "
        "gamma.pdf gamma.logpdf beta.pdf beta.logpdf poisson.logpmf").split()],
    "np.fft": ["np.fft." + n for n in "fft ifft rfft irfft fft2 ifft2 fftn ifftn".split()],
}


def have_scipy():
    try:
        import scipy.linalg, scipy.special, scipy.stats  # noqa: F401,E401
    except ImportError:
        return False
    return True


def resolve(spelling):
    scope = {"np": np, "scipy": sys.modules.get("scipy")}
    obj = scope[spelling.split(".")[0]]
    for part in spelling.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_sources():
    here = os.path.dirname(os.path.abspath(__file__))
    texts = []
    for name in sorted(os.listdir(here)):
        if name.startswith("test_") and name.endswith(".py"):
            with open(os.path.join(here, name)) as f:
                texts.append(f.read())
    return "\n".join(texts)


def audit():
    """Rows (family, spelling, status, tangent kind, tested)."""
    from s2s_ad import rules
    from s2s_ad.tangent_rules import tangent_kind
    scipy_here = have_scipy()       # (SciPy is optional: its rows are left out without it)
    rules.load_optional_families()
    sources = test_sources()
    rows = []
    for family, spellings in LISTED.items():
        for spelling in spellings:
            if spelling.startswith("scipy.") and not scipy_here:
                continue
            rule = rules.rule_for_call(resolve(spelling))
            if rule is None:
                status, tangent = "missing", "-"
            elif rule.refuses is not None:
                status, tangent = "refused", "-"
            elif getattr(rule, "tuple_parts", None) is not None and rule.zero_grad:
                # a tuple result: the tangents of its parts (tuple_results.py)
                parts = [p for p in rule.tuple_parts[1]({}) if isinstance(p, rules.Rule)]
                kinds = {tangent_kind(p) for p in parts} - {"zero"}
                status = "tuple"
                tangent = None if kinds & {None, "partial"} else "/".join(sorted(kinds))
            else:
                status, tangent = ("zero-grad" if rule.zero_grad else "rule"), \
                    tangent_kind(rule)
            short = re.sub(r"^(np|scipy\.special|scipy\.stats|scipy)\.", "", spelling)
            tested = bool(re.search(r"[.\s(\[]" + re.escape(short) + r"\b", sources))
            rows.append((family, spelling, status, tangent, tested))
    return rows


def main():
    rows = audit()
    print(f"{'family':18} {'primitive':36} {'rule':9} {'tangent':9} tested")
    for family, spelling, status, tangent, tested in rows:
        print(f"{family:18} {spelling:36} {status:9} {str(tangent):9} "
              f"{'yes' if tested else 'NO'}")
    missing = [r[1] for r in rows if r[2] == "missing" or r[3] is None or not r[4]]
    print(f"\n{len(rows)} primitives; lacking something: {missing}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
