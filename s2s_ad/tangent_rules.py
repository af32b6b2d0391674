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
    "numpy.tile": ("A",), "numpy.column_stack": ("tup",),
    "numpy.pad": ("array", "constant_values"), "numpy.append": ("arr", "values"),
    "numpy.where": ("x", "y"), "numpy.full": ("fill_value",),
    "numpy.linspace": ("start", "stop"),
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
FIBERS["numpy.linalg.norm"] = ("x",)

# Written by hand: x_dot is the argument's tangent, ans the result.
TEMPLATES = {
    "numpy.full_like": {"fill_value": "np.full_like(ans, fill_value_dot)"},
    "numpy.linalg.inv": {"a": "-(ans @ a_dot @ ans)"},
    "numpy.linalg.solve": {"a": "-np.linalg.solve(a, a_dot @ ans)",
                           "b": "np.linalg.solve(a, b_dot)"},
    "numpy.linalg.det": {"a": "ans * np.trace(np.linalg.solve(a, a_dot), axis1=-2, "
                              "axis2=-1)"},
    "scipy.special.softmax": {
        "x": "ans * (x_dot - np.sum(ans * x_dot, axis=axis, keepdims=True))"},
    "scipy.special.log_softmax": {
        "x": "x_dot - np.sum(np.exp(ans) * x_dot, axis=axis, keepdims=True)"},
}


def annotate():
    """Fill the tangent columns of every registered rule (idempotent; the SciPy
    families register when SciPy is first imported)."""
    rules.load_optional_families()
    for rule in all_rules():
        if getattr(rule, "_tangents_annotated", False):
            continue
        rule._tangents_annotated = True
        if rule.name in LINEAR and not rule.linear:
            rule.linear = LINEAR[rule.name] + SHAPE_ONLY.get(rule.name, ())
            rule.shape_only = SHAPE_ONLY.get(rule.name, ())
        for p in PRODUCTS.get(rule.name, ()):
            rule.tangent.setdefault(p, PRODUCT)
        for p in FIBERS.get(rule.name, ()):
            rule.tangent.setdefault(p, FIBER)
        for p, template in TEMPLATES.get(rule.name, {}).items():
            rule.tangent.setdefault(p, template)
        for p in SHAPE_ONLY.get(rule.name, ()):
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
    if rule.linear:
        return "linear"
    if rule.tangent and all(p in rule.tangent for p in rule.adjoints):
        return "template"
    if is_derivable(rule):
        return "derived"
    return None
