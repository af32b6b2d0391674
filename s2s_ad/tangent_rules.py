"""The tangent column of the rule table (forward mode), for the built-in rules.

Three ways a rule gets a tangent, besides templates written by hand below:

- `linear`: the primitive is linear in these parameters (jointly), so its tangent is
  the primitive itself applied to their tangents, zeros standing in for the inactive
  ones: `np.reshape(x_dot, shape)`, `x_dot + y_dot`, `np.concatenate([a_dot, b_dot])`.
- PRODUCT: multilinear (matmul, dot, einsum, mul): the tangent through one argument is
  the primitive with that argument replaced by its tangent.
- FIBER: a reduction whose output element j depends only on the input elements reduced
  into it (sum, prod, max, var, norm along an axis). Its adjoint with g = 1 is then
  d out_j / d a_i for each input element i, so the tangent is
  `np.sum(a_dot * adjoint(g=1), axis, keepdims)`. Ties of max/min get the same split as
  the adjoint (the same Clarke-gradient element as reverse mode).
- derived: an elementwise rule (`broadcasts=True`), or one applied to scalars, whose
  adjoint template is linear in g (g times something, g in one arm of a
  `np.where(c, g, 0.0)`) has the tangent `x_dot * something`: tangent.py substitutes
  `x_dot` for g at the call site, where callable templates have been resolved.

Rules with none of these have no tangent; jvp refuses them where they are called.
`annotate()` fills the columns once per rule (the SciPy families register late).
"""
import numpy as np

from . import rules
from .rules import FIBER, PRODUCT

# rule name -> the parameters it is linear in
LINEAR = {
    **{n: ("x", "y") for n in ("add", "sub", "numpy.add", "numpy.subtract")},
    **{n: ("x",) for n in ("neg", "pos", "copy", "transpose (.T)", "numpy.negative",
                           "numpy.positive", "float", "indexing", "numpy.fft.fftshift",
                           "numpy.fft.ifftshift", "sum")},
    **{n: ("a",) for n in (
        "numpy.sum", "numpy.mean", "ndarray.sum", "ndarray.mean", "numpy.trace",
        "numpy.reshape", "ndarray.reshape", "numpy.ravel", "ndarray.ravel",
        "ndarray.flatten", "numpy.squeeze", "ndarray.squeeze", "numpy.expand_dims",
        "numpy.atleast_1d", "numpy.atleast_2d", "numpy.atleast_3d", "numpy.transpose",
        "ndarray.transpose", "numpy.swapaxes", "ndarray.swapaxes", "numpy.moveaxis",
        "numpy.copy", "ndarray.copy", "numpy.cumsum", "ndarray.cumsum", "numpy.diff",
        "numpy.take", "numpy.repeat", "numpy.diagonal", "numpy.roll")},
    **{n: ("m",) for n in ("numpy.flip", "numpy.fliplr", "numpy.flipud", "numpy.triu",
                           "numpy.tril", "numpy.rot90")},
    **{n: ("v",) for n in ("numpy.diag", "numpy.diagflat")},
    **{n: ("arrays",) for n in ("numpy.concatenate", "numpy.stack", "numpy.hstack",
                                "numpy.vstack", "numpy.r_", "numpy.c_")},
    **{n: ("object",) for n in ("numpy.array", "numpy.asarray")},
    "numpy.broadcast_to": ("array",), "numpy.take_along_axis": ("arr",),
    **{n: ("ary",) for n in ("numpy.split", "numpy.array_split", "numpy.hsplit",
                             "numpy.vsplit", "numpy.dsplit")},
    "numpy.tile": ("A",), "numpy.column_stack": ("tup",),
    "numpy.pad": ("array", "constant_values"), "numpy.append": ("arr", "values"),
    "numpy.where": ("x", "y"), "numpy.full": ("fill_value",),
    "numpy.linspace": ("start", "stop"),
    **{f"numpy.{n}": ("ary",) for n in ("split", "array_split", "hsplit", "vsplit",
                                       "dsplit")},
    # runtime helpers that generated gradients call (forward-over-reverse)
    "scatter": ("g",), "scatter_add": ("g",), "unbroadcast": ("x",),
    "index_adjoint": ("g",), "spread": ("g",), "after": ("x",),
}
# Parameters that only give a shape (their tangent contributes nothing).
SHAPE_ONLY = {"unbroadcast": ("like",), "index_adjoint": ("x",), "spread": ("x",),
              "numpy.full_like": ("a",)}

PRODUCTS = {
    "mul": ("x", "y"), "numpy.multiply": ("x", "y"), "matmul": ("x", "y"),
    "numpy.matmul": ("x", "y"), "numpy.dot": ("a", "b"), "ndarray.dot": ("a", "b"),
    "numpy.inner": ("a", "b"), "numpy.outer": ("a", "b"), "numpy.kron": ("a", "b"),
    "numpy.tensordot": ("a", "b"), "numpy.cross": ("a", "b"),
    "numpy.einsum": ("operands",), "numpy.linalg.multi_dot": ("arrays",),
}

FIBERS = {n: ("a",) for n in (
    "numpy.prod", "ndarray.prod", "numpy.max", "numpy.amax", "ndarray.max", "numpy.min",
    "numpy.amin", "ndarray.min", "numpy.var", "ndarray.var", "numpy.std", "ndarray.std",
    "scipy.special.logsumexp")}
FIBERS["scipy.special.logsumexp"] = ("a", "b")     # both reduced along the same axes
FIBERS["numpy.linalg.norm"] = ("x",)

# Written by hand: x_dot is the argument's tangent, ans the result.
TEMPLATES = {
    "numpy.full_like": {"fill_value": "np.full_like(ans, fill_value_dot)"},
    "numpy.linalg.inv": {"a": "-(ans @ a_dot @ ans)"},
    "numpy.linalg.solve": {"a": "-np.linalg.solve(a, a_dot @ ans)",
                           "b": "np.linalg.solve(a, b_dot)"},
    "numpy.linalg.det": {"a": "ans * np.trace(np.linalg.solve(a, a_dot), axis1=-2, "
                              "axis2=-1)"},
    "numpy.linalg.cholesky": {"a": lambda info: _cholesky(info)},
    "numpy.linalg.eigvalsh": {"a": lambda info: _eigvalsh(info)},
    "numpy.sort": {"a": lambda info: _sort(info)},
    "numpy.linalg.svd": {"a": "np.einsum('...ik,...ij,...kj->...k', "
                              "np.linalg.svd(a, full_matrices=False)[0], a_dot, "
                              "np.linalg.svd(a, full_matrices=False)[2])"},
    "numpy.linalg.pinv": {"a": lambda info: _pinv(info)},
    "numpy.linalg.matrix_power": {"a": lambda info: _matrix_power(info)},
    "scipy.linalg.expm": {"A": "scipy.linalg.expm_frechet(A, A_dot, compute_expm=False)"},
    "scipy.linalg.solve_triangular": {
        "a": lambda info: _solve_triangular_a(info),
        "b": "scipy.linalg.solve_triangular(a, b_dot, trans, lower, unit_diagonal)"},
    "math.fabs": {"x": lambda info: _abs(info)},
    "abs": {"x": lambda info: _abs(info)},
    "scipy.linalg.cho_solve": {"b": "scipy.linalg.cho_solve(c_and_lower, b_dot)",
                               "c_and_lower": lambda info: _cho_solve_factor(info)},
    "scipy.special.softmax": {
        "x": "ans * (x_dot - np.sum(ans * x_dot, axis=axis, keepdims=True))"},
    "scipy.special.log_softmax": {
        "x": "x_dot - np.sum(np.exp(ans) * x_dot, axis=axis, keepdims=True)"},
    "numpy.cumprod": {"a": lambda info: _cumprod(info)},
    "ndarray.cumprod": {"a": lambda info: _cumprod(info)},
    "numpy.arange": {"start": lambda info: _arange(info, "start"),
                     "stop": "np.zeros_like(ans)",
                     "step": "step_dot * np.arange(np.size(ans))"},
    "scipy.stats.multivariate_normal.logpdf": {"x": lambda info: _mvn(info, "x", False),
                                               "mean": lambda info: _mvn(info, "mean", False),
                                               "cov": lambda info: _mvn_cov(info)},
    "scipy.stats.multivariate_normal.pdf": {"x": lambda info: _mvn(info, "x", True),
                                            "mean": lambda info: _mvn(info, "mean", True),
                                            "cov": lambda info: _mvn_cov(info)},
}


def _cumprod(info):
    """d ans[i] = sum over k <= i of prod(a[j] for j <= i, j != k) da[k]: the table of
    the adjoint (rules/numpy_scans.py), read along its other axis; exact at zeros."""
    from .rules.numpy_scans import _axis, cumprod_table
    shape, axis = info.shape("a"), _axis(info, default=None)
    rows = "np.ravel(a)" if axis is None else f"np.moveaxis(a, {axis}, -1)"
    dots = "np.ravel(a_dot)" if axis is None else f"np.moveaxis(a_dot, {axis}, -1)"
    n = int(np.prod(shape)) if axis is None else shape[axis]
    if n == 0:
        return "np.zeros_like(ans)"
    table = cumprod_table(rows, n)
    moved = f"np.sum({table} * np.expand_dims({dots}, -1), axis=-2)"
    return moved if axis is None else f"np.moveaxis({moved}, -1, {axis})"


def _cho_solve_factor(info):
    """The factor's tangent (element 0 of the pair; the flag is a literal)."""
    lower = info.get("c_and_lower[1]", "?")
    if lower not in (True, False):
        raise rules.Unsupported("write the factor as a tuple literal with a literal flag: "
                                "cho_solve((c, True), b)")
    return f"linalg_ad.cho_solve_factor_tangent(c_and_lower[0], {lower}, c_and_lower_dot[0], ans)"


def _arange(info, param):
    """arange(start, stop, step) = start + step * k; with one argument it is the stop."""
    if info.get("stop", 0) is None:
        return "np.zeros_like(ans)"
    return "start_dot * np.ones_like(ans)"


def _mvn_cov(info):
    """Refused as in reverse mode (rules/scipy_stats.py), with the same message."""
    from .rules.scipy_stats import _mvn_cov as refuse
    return refuse(info)


def _mvn(info, param, density):
    """d logpdf = -(x - mean)^T P (dx - dmean), P the inverse of the covariance SciPy
    reads (cov's lower triangle); a density is multiplied by itself."""
    cov = info.shape("cov")
    if len(cov) != 2:
        raise rules.Unsupported("multivariate_normal is supported with a 2-D cov matrix")
    centred = "x" if info.get("mean", 0) is None else "(x - mean)"
    precision = "np.linalg.inv(np.tril(cov) + np.tril(cov, -1).T)"
    sign = "-" if param == "x" else ""
    change = f"{sign}np.sum(({centred} @ {precision}) * {param}_dot, axis=-1)"
    return f"ans * {change}" if density else change


def _symmetric(uplo):
    """The symmetric change NumPy sees when it reads one triangle of a_dot."""
    if uplo == "U":
        return "(np.triu(a_dot) + np.swapaxes(np.triu(a_dot, 1), -1, -2))"
    return "(np.tril(a_dot) + np.swapaxes(np.tril(a_dot, -1), -1, -2))"


def _cholesky(info):
    """dL = L Phi(L^-1 dA L^-T), Phi: the lower triangle with the diagonal halved, for the
    symmetric dA NumPy reads (its lower triangle); a function (runtime_linalg), so the
    solves run once."""
    return "linalg_ad.cholesky_tangent(ans, a_dot)"


def _eigvalsh(info):
    """dw_i = v_i^T dA v_i (distinct eigenvalues; at a repeated one, eigh's basis)."""
    uplo = info.get("UPLO", "?")
    if uplo not in ("L", "U"):
        raise rules.Unsupported("'UPLO' must be the literal 'L' or 'U'")
    return "linalg_ad.eigh_values_tangent(np.linalg.eigh(a, UPLO), a_dot, UPLO)"


def _abs(info):
    """abs'(x) = sign(x), abs'(0) = 0 (the adjoint's choice)."""
    if info.lib == "math":
        return "x_dot * float(x > 0) - x_dot * float(x < 0)"
    return "x_dot * np.sign(x)"


def _solve_triangular_a(info):
    """op(A) x = b: op(A) dx = -op(dA) x, dA the triangle SciPy reads (without its
    diagonal when unit_diagonal)."""
    lower, trans = info.get("lower", "?"), info.get("trans", "?")
    unit = info.get("unit_diagonal", "?")
    if lower not in (True, False) or unit not in (True, False) or \
            trans not in (0, 1, 2, "N", "T", "C"):
        raise rules.Unsupported("'trans', 'lower' and 'unit_diagonal' must be literals")
    part = "np.tril" if lower else "np.triu"
    shift = (", -1" if lower else ", 1") if unit else ""
    change = f"{part}(a_dot{shift})"
    if trans not in (0, "N"):
        change = f"{change}.T"
    return "-scipy.linalg.solve_triangular(a, " + change + " @ ans, trans, lower, unit_diagonal)"


def _pinv(info):
    """dX = -X dA X + X X^T dA^T (I - A X) + (I - X A) dA^T X^T X (constant rank)."""
    shape = info.shape("a")
    if len(shape) != 2:
        raise rules.Unsupported("np.linalg.pinv is supported for one matrix")
    m, n = shape
    return (f"-(ans @ a_dot @ ans) + ans @ ans.T @ a_dot.T @ (np.eye({m}) - a @ ans)"
            f" + (np.eye({n}) - ans @ a) @ a_dot.T @ ans.T @ ans")


def _matrix_power(info):
    """d(a^n) = sum_k a^k da a^(n-1-k); a negative power is that power of inv(a), whose
    tangent is -inv(a) da inv(a)."""
    n = info.get("n", "?")
    if not isinstance(n, int):
        raise rules.Unsupported("the exponent of np.linalg.matrix_power must be a literal int")
    if n == 0:
        return "np.zeros_like(a_dot)"
    base, change = ("a", "a_dot") if n > 0 else (
        "np.linalg.inv(a)", "(-(np.linalg.inv(a) @ a_dot @ np.linalg.inv(a)))")
    m = abs(n)
    power = lambda k: f"np.linalg.matrix_power({base}, {k})"    # noqa: E731
    return " + ".join(f"{power(k)} @ {change} @ {power(m - 1 - k)}" for k in range(m))


def _sort(info):
    """The tangents taken in the order the values are sorted (stable for ties)."""
    axis = info.get("axis", -1)
    if axis is None:
        return "np.ravel(a_dot)[np.argsort(a, axis=None, kind='stable')]"
    if not isinstance(axis, int):
        raise rules.Unsupported("'axis' must be a literal int (or None)")
    return "np.take_along_axis(a_dot, np.argsort(a, axis=axis, kind='stable'), axis=axis)"


def annotate():
    """Fill the tangent columns of every registered rule (idempotent; the SciPy
    families register when SciPy is first imported)."""
    rules.load_optional_families()
    for rule in all_rules():
        if getattr(rule, "_tangents_annotated", False):
            continue
        rule._tangents_annotated = True
        # (a method that is a NumPy function of its array, x.take(i): the function's)
        name = getattr(rule, "derived_from", rule.name)
        if name in LINEAR and not rule.linear:
            rule.linear = LINEAR[name] + SHAPE_ONLY.get(name, ())
            rule.shape_only = SHAPE_ONLY.get(name, ())
        for p in PRODUCTS.get(name, ()):
            rule.tangent.setdefault(p, PRODUCT)
        for p in FIBERS.get(name, ()):
            rule.tangent.setdefault(p, FIBER)
        for p, template in TEMPLATES.get(name, {}).items():
            rule.tangent.setdefault(p, template)
        for p in SHAPE_ONLY.get(name, ()):
            rule.tangent.setdefault(p, "0.0")


def all_rules():
    by_object = [rule for _, rule in rules._BY_OBJECT.values()]
    return by_object + list(rules._OPERATORS.values())


def is_derivable(rule):
    """Can tangent.py derive this rule's tangents from its adjoint templates? Elementwise
    rules always (at a call site where the adjoint is linear in g), and rules of the
    math module and the numeric builtins, whose arguments are numbers."""
    if rule.selects is not None or rule.zero_grad or rule.refuses:
        return False
    return rule.broadcasts is True or rule.name.startswith("math.") or rule.name in (
        "abs", "pow", "min", "max", "float")


def tangent_kind(rule):
    """How this rule gets its tangent: 'zero' (piecewise constant), 'linear',
    'template' (hand-written or marker), 'derived', or None (jvp refuses it)."""
    annotate()
    if rule.zero_grad:
        return "zero"
    if rule.refuses is not None:
        return None
    if rule.linear or rule.name == "list":
        return "linear"
    if rule.tangent and all(p in rule.tangent for p in rule.adjoints):
        return "template"
    if rule.tangent:
        return "partial"
    if is_derivable(rule):
        return "derived"
    return None
