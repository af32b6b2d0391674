"""The tangent column of the rule table (forward mode, tangent_rules.py).

A walk over the table lists the rules that have a tangent; the set only grows. Every
rule with a tangent is called by at least one case below, and each case's jvp is
checked against the central difference of the function along a random tangent, for
the shapes the rule supports (NumPy's 0-d to 3-d, broadcast pairs, batches)."""
import math

import numpy as np
import pytest
try:                    # the SciPy families register once SciPy is imported
    import scipy.linalg, scipy.special, scipy.stats  # noqa: F401,E401
    HAVE_SCIPY = True
except ImportError:
    scipy, HAVE_SCIPY = None, False

import s2s_ad
import s2s_ad.lower_effects  # noqa: F401
import s2s_ad.runtime_containers  # noqa: F401
from s2s_ad import TranslationError, jvp, rules, runtime
from s2s_ad.runtime_containers import index_adjoint, spread
from s2s_ad.tangent_rules import all_rules, tangent_kind

from .numpy_checks import SHAPES, function_of, random

rules.load_optional_families()

# The rules with a tangent when this test was written: the set may grow, never shrink.
RECORDED = {n.replace("_(", " (") for n in """
    abs add after copy float index_adjoint indexing list math.acos math.asin math.atan
    math.atan2 math.cos math.cosh math.exp math.expm1 math.fabs math.hypot math.log
    math.log10 math.log1p math.log2 math.pow math.sin math.sinh math.sqrt math.tan
    math.tanh matmul max min mod mul ndarray.copy ndarray.cumsum ndarray.dot
    ndarray.flatten ndarray.max ndarray.mean ndarray.min ndarray.prod ndarray.ravel
    ndarray.reshape ndarray.squeeze ndarray.std ndarray.sum ndarray.swapaxes
    ndarray.transpose ndarray.var neg numpy.absolute numpy.add numpy.amax numpy.amin
    numpy.append numpy.arccos numpy.arccosh numpy.arcsin numpy.arcsinh numpy.arctan
    numpy.arctan2 numpy.arctanh numpy.array numpy.asarray numpy.atleast_1d
    numpy.atleast_2d numpy.atleast_3d numpy.broadcast_to numpy.c_ numpy.cbrt numpy.clip
    numpy.column_stack numpy.concatenate numpy.copy numpy.cos numpy.cosh numpy.cross
    numpy.cumsum numpy.deg2rad numpy.degrees numpy.diag numpy.diagflat numpy.diagonal
    numpy.diff numpy.divide numpy.dot numpy.einsum numpy.exp numpy.exp2
    numpy.expand_dims numpy.expm1 numpy.fabs numpy.fft.fftshift numpy.fft.ifftshift
    numpy.flip numpy.fliplr numpy.flipud numpy.float_power numpy.fmax numpy.fmin
    numpy.fmod numpy.full numpy.full_like numpy.heaviside numpy.hstack numpy.hypot
    numpy.inner numpy.kron numpy.linalg.cholesky numpy.linalg.det numpy.linalg.eigvalsh
    numpy.linalg.inv numpy.linalg.matrix_power numpy.linalg.multi_dot numpy.linalg.norm
    numpy.linalg.pinv numpy.linalg.solve numpy.linalg.svd numpy.linspace numpy.log
    numpy.log10 numpy.log1p numpy.log2 numpy.logaddexp numpy.logaddexp2 numpy.matmul
    numpy.max numpy.maximum numpy.mean numpy.min numpy.minimum numpy.moveaxis
    numpy.multiply numpy.nan_to_num numpy.negative numpy.outer numpy.pad numpy.positive
    numpy.power numpy.prod numpy.r_ numpy.rad2deg numpy.radians numpy.ravel
    numpy.reciprocal numpy.remainder numpy.repeat numpy.reshape numpy.roll numpy.rot90
    numpy.sin numpy.sinc numpy.sinh numpy.sort numpy.sqrt numpy.square numpy.squeeze
    numpy.stack numpy.std numpy.subtract numpy.sum numpy.swapaxes numpy.take
    numpy.take_along_axis numpy.tan numpy.tanh numpy.tensordot numpy.tile numpy.trace
    numpy.transpose numpy.tril numpy.triu numpy.var numpy.vstack numpy.where pos pow
    scatter scatter_add scipy.linalg.cho_solve scipy.linalg.expm
    scipy.linalg.solve_triangular scipy.special.beta scipy.special.betaln
    scipy.special.erf scipy.special.erfc scipy.special.erfcinv scipy.special.erfinv
    scipy.special.expit scipy.special.gamma scipy.special.gammaln scipy.special.i0
    scipy.special.i0e scipy.special.i1 scipy.special.i1e scipy.special.log_expit
    scipy.special.log_ndtr scipy.special.log_softmax scipy.special.logit
    scipy.special.logsumexp scipy.special.ndtr scipy.special.ndtri
    scipy.special.polygamma scipy.special.psi scipy.special.softmax
    scipy.special.xlog1py scipy.special.xlogy scipy.stats.beta.logpdf
    scipy.stats.beta.pdf scipy.stats.gamma.logpdf scipy.stats.gamma.pdf
    scipy.stats.norm.cdf scipy.stats.norm.logcdf scipy.stats.norm.logpdf
    scipy.stats.norm.logsf scipy.stats.norm.pdf scipy.stats.norm.sf
    scipy.stats.poisson.logpmf scipy.stats.poisson.pmf scipy.stats.t.cdf
    scipy.stats.t.logpdf scipy.stats.t.pdf spread sub sum transpose_(.T) truediv
    unbroadcast numpy.cumprod ndarray.cumprod numpy.arange numpy.split numpy.array_split
    numpy.hsplit numpy.vsplit numpy.dsplit scipy.stats.multivariate_normal.logpdf
    scipy.stats.multivariate_normal.pdf
""".split()}   # ('transpose (.T)' is written transpose_(.T) here)

SCOPE = {"C": np.linalg.cholesky(np.eye(3) * 3 + 0.5), "math": math, "scipy": scipy,
         "unbroadcast": runtime.unbroadcast,
         "scatter": runtime.scatter, "scatter_add": runtime.scatter_add,
         "index_adjoint": index_adjoint, "spread": spread}


def coverage():
    kinds = {}
    for rule in all_rules():
        if getattr(rule, "user_supplied", False):   # custom_jvp etc. other tests register
            continue
        kinds.setdefault(tangent_kind(rule), set()).add(rule.name)
    return kinds


def test_tangent_coverage_only_grows():
    kinds = coverage()
    now = set().union(*(kinds.get(k, set()) for k in ("linear", "template", "derived",
                                                       "partial")))
    recorded = {n for n in RECORDED if HAVE_SCIPY or not n.startswith("scipy.")}
    assert recorded <= now, sorted(recorded - now)
    differentiable = [r for r in all_rules() if r.adjoints and r.refuses is None
                      and not r.zero_grad]
    print(f"rules with a tangent: {len(now & {r.name for r in differentiable})} of the "
          f"{len(differentiable)} reverse mode differentiates (+{len(kinds['zero'])} "
          "piecewise constant)")


# -- cases: (rule name, expression, parameters, arguments) --------------------------------

def A(shape, low=-1.5, high=1.5, seed=0):
    return random(shape, low, high, seed)


def P(shape, low=0.3, high=2.0, seed=0):
    return random(shape, low, high, seed)


def spd(n, batch=(), seed=0):
    a = random(batch + (n, n), seed=seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


CASES = []


def case(name, expr, params, *args):
    if HAVE_SCIPY or not name.startswith("scipy."):
        CASES.append((name, expr, params, args))


_UNARY = [("sin", A), ("cos", A), ("tan", A), ("arcsin", lambda s: A(s, -0.9, 0.9)),
          ("arccos", lambda s: A(s, -0.9, 0.9)), ("arctan", A), ("sinh", A), ("cosh", A),
          ("tanh", A), ("arcsinh", A), ("arccosh", lambda s: P(s, 1.2, 3.0)),
          ("arctanh", lambda s: A(s, -0.9, 0.9)), ("exp", A), ("exp2", A), ("expm1", A),
          ("log", P), ("log2", P), ("log10", P), ("log1p", P), ("sqrt", P), ("cbrt", P),
          ("square", A), ("reciprocal", P), ("negative", A), ("positive", A),
          ("absolute", A), ("fabs", A), ("deg2rad", A), ("radians", A), ("rad2deg", A),
          ("degrees", A), ("sinc", A), ("nan_to_num", A)]
for _fn, _gen in _UNARY:
    for _shape in SHAPES:
        case(f"numpy.{_fn}", f"np.{_fn}(x)", "x", _gen(_shape))

_PAIRS = [((3, 4), (4,)), ((4,), ()), ((2, 3, 4), (3, 1)), ((), (3,))]
_BINARY = [("add", A, A), ("subtract", A, A), ("multiply", A, A), ("divide", A, P),
           ("power", P, A), ("float_power", P, A), ("arctan2", A, P), ("hypot", A, A),
           ("logaddexp", A, A), ("logaddexp2", A, A), ("maximum", A, A), ("fmax", A, A),
           ("minimum", A, A), ("fmin", A, A), 
           ("remainder", P, lambda s, seed=0: P(s, 2.1, 3.0, seed)),
           ("fmod", P, lambda s, seed=0: P(s, 2.1, 3.0, seed))]
for _fn, _gx, _gy in _BINARY:
    for _sx, _sy in _PAIRS:
        case(f"numpy.{_fn}", f"np.{_fn}(x, y)", "x, y", _gx(_sx), _gy(_sy, seed=1))
case("numpy.heaviside", "np.heaviside(x, y)", "x, y", A((4,)), A((4,), seed=1))
for _op, _name, _gy in [("+", "add", A), ("-", "sub", A), ("*", "mul", A),
                        ("/", "truediv", P), ("%", "mod", lambda s, seed=0: P(s, 2.1, 3.0, seed))]:
    for _sx, _sy in _PAIRS:
        case(_name, f"x {_op} y", "x, y", A(_sx) if _op != "%" else P(_sx),
             _gy(_sy, seed=1))
for _sx, _sy in _PAIRS:
    case("pow", "x ** y", "x, y", P(_sx), A(_sy, seed=1))
case("pow", "x ** 3", "x", A((3, 4)))
case("pow", "x ** 2.5", "x", P((4,)))
case("pow", "2.0 ** x", "x", A((4,)))
case("neg", "-x", "x", A((3, 4)))
case("pos", "+x", "x", A((3,)))
case("transpose (.T)", "x.T", "x", A((3, 4)))
case("copy", "np.sin(y)", "x", A((3,)))     # replaced below: a copy statement
CASES.pop()
case("copy", "(lambda: x)()", "x", A((3,)))
CASES.pop()
case("indexing", "x[1:3, ::2]", "x", A((3, 4)))
case("indexing", "x[1]", "x", A((3, 4)))
case("indexing", "x[np.array([0, 2, 2])]", "x", A((4,)))

_MATH = [("sin", 0.7), ("cos", 0.7), ("tan", 0.7), ("asin", 0.3), ("acos", 0.3),
         ("atan", 0.7), ("sinh", 0.7), ("cosh", 0.7), ("tanh", 0.7), ("exp", 0.7),
         ("expm1", 0.7), ("log1p", 0.7), ("log2", 0.7), ("log10", 0.7), ("sqrt", 0.7),
         ("fabs", -0.7), ("log", 0.7)]
for _fn, _x in _MATH:
    case(f"math.{_fn}", f"math.{_fn}(x)", "x", _x)
case("math.atan2", "math.atan2(x, y)", "x, y", 0.3, -0.8)
case("math.hypot", "math.hypot(x, y)", "x, y", 0.3, -0.8)
case("math.pow", "math.pow(x, y)", "x, y", 1.3, -0.8)
case("math.log", "math.log(x, y)", "x, y", 1.3, 2.5)
case("pow", "pow(x, y)", "x, y", 1.3, -0.8)
case("abs", "abs(x)", "x", -0.8)
case("float", "float(x)", "x", np.float64(0.8))
case("min", "min(x, y)", "x, y", 0.3, -0.8)
case("max", "max(x, y)", "x, y", 0.3, -0.8)
case("sum", "sum([x, y, x])", "x, y", A((3,)), A((3,), seed=1))

case("numpy.where", "np.where(x > 0, x, y)", "x, y", A((3, 4)), A((4,), seed=1))
case("numpy.where", "np.where(x > 0, x, 2.0)", "x", A((3, 4)))
case("numpy.clip", "np.clip(x, -0.5, 0.5)", "x", A((3, 4)))
case("numpy.clip", "np.clip(x, y, 0.9)", "x, y", A((3, 4)), A((4,), -0.6, -0.4, seed=1))
case("ndarray.clip", "x.clip(-0.5, 0.5)", "x", A((3, 4)))
case("ndarray.clip", "x.clip(min=y, max=0.9)", "x, y", A((3, 4)), A((4,), -0.6, -0.4, seed=1))
# methods that are NumPy functions of their array take the function's tangent
case("ndarray.take", "x.take([0, 2, 2], axis=1)", "x", A((3, 4)))
case("ndarray.trace", "x.trace(offset=1)", "x", A((3, 4)))
case("ndarray.diagonal", "x.diagonal()", "x", A((3, 4)))
case("ndarray.repeat", "x.repeat(2, axis=0)", "x", A((3, 4)))
case("ndarray.astype", "x.astype(np.float64)", "x", A((3, 4)))
case("ndarray.item", "x.item(1, 2)", "x", A((3, 4)))

for _fn in ("sum", "mean", "prod", "max", "amax", "min", "amin", "var", "std"):
    case(f"numpy.{_fn}", f"np.{_fn}(x)", "x", A((3, 4)))
    case(f"numpy.{_fn}", f"np.{_fn}(x, axis=0)", "x", A((3, 4)))
    case(f"numpy.{_fn}", f"np.{_fn}(x, axis=-1, keepdims=True)", "x", A((2, 3, 4)))
    case(f"numpy.{_fn}", f"np.{_fn}(x, axis=(0, 2))", "x", A((2, 3, 4)))
for _fn in ("sum", "mean", "prod", "max", "min", "var", "std"):
    case(f"ndarray.{_fn}", f"x.{_fn}()", "x", A((3, 4)))
    case(f"ndarray.{_fn}", f"x.{_fn}(axis=1)", "x", A((3, 4)))
case("numpy.var", "np.var(x, ddof=1)", "x", A((5,)))
case("numpy.linalg.norm", "np.linalg.norm(x)", "x", A((3, 4)))
case("numpy.linalg.norm", "np.linalg.norm(x, axis=1)", "x", A((3, 4)))
case("numpy.linalg.norm", "np.linalg.norm(x, ord=1)", "x", A((4,)))
case("numpy.trace", "np.trace(x)", "x", A((3, 3)))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x)", "x", A((3, 4)))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x, axis=1)", "x", A((3, 4)))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x, axis=1, b=y)", "x, y",
     A((3, 4)), P((3, 4), seed=1))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x, b=y)", "x, y", A((3, 4)),
     P((4,), seed=1))
case("scipy.stats.multivariate_normal.logpdf",
     "scipy.stats.multivariate_normal.logpdf(x, y, C @ C.T)", "x, y", A((4, 3)),
     A((3,), seed=1))
case("scipy.stats.multivariate_normal.pdf",
     "scipy.stats.multivariate_normal.pdf(x, y, C @ C.T)", "x, y", A((3,)), A((3,), seed=1))

for _sx, _sy in [((3, 4), (4, 2)), ((3, 4), (4,)), ((4,), (4, 2)), ((2, 3, 4), (4, 2)),
                 ((4,), (4,))]:
    case("matmul", "x @ y", "x, y", A(_sx), A(_sy, seed=1))
    case("numpy.matmul", "np.matmul(x, y)", "x, y", A(_sx), A(_sy, seed=1))
    case("numpy.dot", "np.dot(x, y)", "x, y", A(_sx), A(_sy, seed=1))
    case("ndarray.dot", "x.dot(y)", "x, y", A(_sx), A(_sy, seed=1))
case("numpy.dot", "np.dot(x, 2.0)", "x", A((3,)))
case("numpy.inner", "np.inner(x, y)", "x, y", A((3, 4)), A((2, 4), seed=1))
case("numpy.outer", "np.outer(x, y)", "x, y", A((3,)), A((4,), seed=1))
case("numpy.kron", "np.kron(x, y)", "x, y", A((2, 2)), A((3, 2), seed=1))
case("numpy.tensordot", "np.tensordot(x, y, axes=1)", "x, y", A((3, 4)), A((4, 2), seed=1))
case("numpy.tensordot", "np.tensordot(x, y, axes=2)", "x, y", A((2, 3, 4)), A((3, 4), seed=1))
case("numpy.cross", "np.cross(x, y)", "x, y", A((2, 3)), A((3,), seed=1))
case("numpy.einsum", "np.einsum('ij,jk->ik', x, y)", "x, y", A((3, 4)), A((4, 2), seed=1))
case("numpy.einsum", "np.einsum('ij,ij->i', x, x)", "x", A((3, 4)))
case("numpy.linalg.multi_dot", "np.linalg.multi_dot([x, y, x.T])", "x, y",
     A((3, 4)), A((4, 4), seed=1))

case("numpy.reshape", "np.reshape(x, (4, 3))", "x", A((3, 4)))
case("ndarray.reshape", "x.reshape(2, 6)", "x", A((3, 4)))
case("numpy.ravel", "np.ravel(x)", "x", A((3, 4)))
case("ndarray.ravel", "x.ravel()", "x", A((3, 4)))
case("ndarray.flatten", "x.flatten()", "x", A((3, 4)))
case("numpy.squeeze", "np.squeeze(x)", "x", A((3, 1, 4)))
case("ndarray.squeeze", "x.squeeze(axis=1)", "x", A((3, 1, 4)))
case("numpy.expand_dims", "np.expand_dims(x, 1)", "x", A((3, 4)))
case("numpy.atleast_1d", "np.atleast_1d(x)", "x", A(()))
case("numpy.atleast_2d", "np.atleast_2d(x)", "x", A((4,)))
case("numpy.atleast_3d", "np.atleast_3d(x)", "x", A((3, 4)))
case("numpy.transpose", "np.transpose(x, (2, 0, 1))", "x", A((2, 3, 4)))
case("ndarray.transpose", "x.transpose()", "x", A((3, 4)))
case("numpy.swapaxes", "np.swapaxes(x, 0, 2)", "x", A((2, 3, 4)))
case("ndarray.swapaxes", "x.swapaxes(0, 1)", "x", A((3, 4)))
case("numpy.moveaxis", "np.moveaxis(x, 0, -1)", "x", A((2, 3, 4)))
case("numpy.flip", "np.flip(x, 0)", "x", A((3, 4)))
case("numpy.fliplr", "np.fliplr(x)", "x", A((3, 4)))
case("numpy.flipud", "np.flipud(x)", "x", A((3, 4)))
case("numpy.broadcast_to", "np.broadcast_to(x, (3, 4))", "x", A((4,)))
case("numpy.copy", "np.copy(x)", "x", A((3, 4)))
case("ndarray.copy", "x.copy()", "x", A((3, 4)))
case("numpy.concatenate", "np.concatenate([x, y, x], axis=0)", "x, y", A((3, 4)),
     A((2, 4), seed=1))
case("numpy.concatenate", "np.concatenate([x, np.ones(4)])", "x", A((3,)))
case("numpy.stack", "np.stack([x, y], axis=1)", "x, y", A((3,)), A((3,), seed=1))
case("numpy.hstack", "np.hstack([x, y])", "x, y", A((3,)), A((2,), seed=1))
case("numpy.vstack", "np.vstack([x, y])", "x, y", A((3,)), A((3,), seed=1))
case("numpy.r_", "np.r_[x, y]", "x, y", A((3,)), A((2,), seed=1))
case("numpy.c_", "np.c_[x, y]", "x, y", A((3,)), A((3,), seed=1))
case("numpy.array", "np.array([x, y, 1.0])", "x, y", 0.3, 0.8)
case("numpy.asarray", "np.asarray(x)", "x", A((3,)))
case("numpy.linspace", "np.linspace(x, y, 5)", "x, y", 0.3, 1.8)
case("numpy.full", "np.full((2, 3), x)", "x", 0.3)
case("numpy.full_like", "np.full_like(y, x)", "x, y", 0.3, A((2, 3), seed=1))
case("numpy.cumsum", "np.cumsum(x, axis=1)", "x", A((3, 4)))
case("numpy.cumsum", "np.cumsum(x)", "x", A((3, 4)))
case("ndarray.cumsum", "x.cumsum(axis=0)", "x", A((3, 4)))
case("numpy.diff", "np.diff(x, axis=0)", "x", A((3, 4)))
case("numpy.cumprod", "np.cumprod(x, axis=1)", "x", A((3, 4)))
case("numpy.cumprod", "np.cumprod(x)", "x", A((2, 3)))
case("numpy.cumprod", "np.cumprod(x * np.array([1.0, 0.0, 1.0, 1.0]))", "x", A((4,)))
case("ndarray.cumprod", "x.cumprod(axis=0)", "x", A((3, 2)))
case("numpy.arange", "np.arange(x, 4.0, y) * y", "x, y", 0.3, 0.7)
case("numpy.arange", "np.arange(x) * x", "x", 5.5)
case("numpy.arange", "np.arange(0.5, x, 0.25)", "x", 2.1)
case("numpy.split", "np.split(x, 2)[0] * np.split(x, 2)[1]", "x", A((4, 3)))
case("numpy.split", "np.split(x, [1], axis=1)[1]", "x", A((2, 3)))
case("numpy.array_split", "np.array_split(x, 2)[1]", "x", A((5,)))
case("numpy.hsplit", "np.hsplit(x, [1, 3])[1]", "x", A((2, 4)))
case("numpy.vsplit", "np.vsplit(x, 2)[1]", "x", A((4, 2)))
case("numpy.dsplit", "np.dsplit(x, 2)[0]", "x", A((2, 2, 4)))
case("numpy.take", "np.take(x, [0, 2, 2], axis=1)", "x", A((3, 4)))
case("numpy.take_along_axis", "np.take_along_axis(x, np.argsort(x, axis=1), axis=1)", "x",
     A((3, 4)))
case("numpy.tile", "np.tile(x, (2, 1))", "x", A((3, 4)))
case("numpy.repeat", "np.repeat(x, 2, axis=0)", "x", A((3, 4)))
case("numpy.pad", "np.pad(x, 1)", "x", A((3, 4)))
case("numpy.pad", "np.pad(x, 1, mode='constant', constant_values=y)", "x, y", A((3,)), 0.7)
case("numpy.diag", "np.diag(x)", "x", A((3,)))
case("numpy.diag", "np.diag(x)", "x", A((3, 3)))
case("numpy.diagflat", "np.diagflat(x)", "x", A((3,)))
case("numpy.diagonal", "np.diagonal(x)", "x", A((3, 4)))
case("numpy.triu", "np.triu(x)", "x", A((3, 4)))
case("numpy.tril", "np.tril(x, -1)", "x", A((3, 4)))
case("numpy.roll", "np.roll(x, 1, axis=1)", "x", A((3, 4)))
case("numpy.rot90", "np.rot90(x)", "x", A((3, 4)))
case("numpy.append", "np.append(x, y)", "x, y", A((3,)), A((2,), seed=1))
case("numpy.column_stack", "np.column_stack([x, y])", "x, y", A((3,)), A((3,), seed=1))
case("numpy.fft.fftshift", "np.fft.fftshift(x)", "x", A((5,)))
case("numpy.fft.ifftshift", "np.fft.ifftshift(x)", "x", A((5,)))
case("numpy.sort", "np.sort(x)", "x", A((3, 4)))
case("numpy.sort", "np.sort(x, axis=0)", "x", A((3, 4)))
case("numpy.sort", "np.sort(x, axis=None)", "x", A((3, 4)))

case("numpy.linalg.solve", "np.linalg.solve(x, y)", "x, y", spd(3), A((3,), seed=1))
case("numpy.linalg.solve", "np.linalg.solve(x, y)", "x, y", spd(3), A((3, 2), seed=1))
case("numpy.linalg.inv", "np.linalg.inv(x)", "x", spd(3))
case("numpy.linalg.inv", "np.linalg.inv(x)", "x", spd(3, (2,)))
case("numpy.linalg.det", "np.linalg.det(x)", "x", spd(3) / 3)
case("numpy.linalg.det", "np.linalg.det(x)", "x", spd(3, (2,)) / 3)
case("numpy.linalg.cholesky", "np.linalg.cholesky(x)", "x", spd(3))
case("numpy.linalg.cholesky", "np.linalg.cholesky(x)", "x", spd(3, (2,)))
case("numpy.linalg.eigvalsh", "np.linalg.eigvalsh(x)", "x", spd(3))
case("numpy.linalg.eigvalsh", "np.linalg.eigvalsh(x, 'U')", "x", spd(3, (2,)))
case("numpy.linalg.svd", "np.linalg.svd(x, compute_uv=False)", "x", A((3, 4)))
case("numpy.linalg.svd", "np.linalg.svd(x, compute_uv=False)", "x", A((2, 4, 3)))
case("numpy.linalg.pinv", "np.linalg.pinv(x)", "x", A((3, 4)))
case("numpy.linalg.pinv", "np.linalg.pinv(x)", "x", A((4, 3)))
case("numpy.linalg.matrix_power", "np.linalg.matrix_power(x, 3)", "x", A((3, 3)))
case("numpy.linalg.matrix_power", "np.linalg.matrix_power(x, -2)", "x", spd(3))
case("numpy.cumprod", "np.cumprod(x)", "x", A((4,)))
case("numpy.cumprod", "np.cumprod(x, axis=1)", "x", np.array([[1.0, 0.0, 2.0], [0.5, 3.0, 0.0]]))
case("ndarray.cumprod", "x.cumprod(axis=0)", "x", A((3, 2)))
case("numpy.arange", "np.arange(x, 4.0, y)", "x, y", 0.3, 0.7)
case("numpy.arange", "np.arange(x)", "x", 3.5)
case("numpy.split", "np.split(x, 2)", "x", A((4, 3)))
case("numpy.array_split", "np.array_split(x, 3, axis=1)[0]", "x", A((2, 5)))
case("numpy.hsplit", "np.hsplit(x, [1])[1]", "x", A((2, 3)))
case("numpy.vsplit", "np.vsplit(x, 2)", "x", A((4, 3)))
case("numpy.dsplit", "np.dsplit(x, 2)", "x", A((2, 2, 4)))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x, axis=1, b=y)", "x, y",
     A((2, 3)), P((2, 3), seed=1))
case("scipy.special.logsumexp", "scipy.special.logsumexp(x, b=y, keepdims=True)", "x, y",
     A((3,)), P((3,), seed=1))
for _fn in ("logpdf", "pdf"):
    case(f"scipy.stats.multivariate_normal.{_fn}",
         f"scipy.stats.multivariate_normal.{_fn}(x, y, C @ C.T)", "x, y",
         A((4, 3)), A((3,), seed=1))
    case(f"scipy.stats.multivariate_normal.{_fn}",
         f"scipy.stats.multivariate_normal.{_fn}(x, cov=C @ C.T)", "x", A((3,)))
case("scipy.linalg.cho_factor[0]", "scipy.linalg.cho_factor(x)[0]", "x", spd(3))
case("scipy.linalg.cho_factor[0]", "scipy.linalg.cho_factor(x, lower=True)[0]", "x", spd(3))
case("scipy.linalg.cho_solve", "scipy.linalg.cho_solve((x, True), y)", "x, y",
     np.linalg.cholesky(spd(3)), A((3,), seed=1))
case("scipy.linalg.cho_solve", "scipy.linalg.cho_solve((x, False), y)", "x, y",
     np.linalg.cholesky(spd(3)).T, A((3, 2), seed=1))
case("scipy.linalg.cho_solve", "scipy.linalg.cho_solve(scipy.linalg.cho_factor(x), y)",
     "x, y", spd(3), A((3,), seed=1))
# tuple results (rules/numpy_factorizations.py): each part
case("numpy.linalg.slogdet[1]", "np.linalg.slogdet(x)[1]", "x", spd(3))
case("numpy.linalg.slogdet[1]", "np.linalg.slogdet(x)[1]", "x", -spd(3, (2,)))
case("numpy.linalg.eigh[0]", "np.linalg.eigh(x)[0]", "x", A((3, 3)))
case("numpy.linalg.eigh[1]", "np.linalg.eigh(x, 'U')[1]", "x", spd(3, (2,)))
case("numpy.linalg.qr[0]", "np.linalg.qr(x)[0]", "x", A((4, 3)))
case("numpy.linalg.qr[0]", "np.linalg.qr(x)[0]", "x", A((3, 5)))
case("numpy.linalg.qr[1]", "np.linalg.qr(x)[1]", "x", A((2, 3, 5)))
case("numpy.linalg.qr[1]", "np.linalg.qr(x)[1]", "x", A((4, 3)))
case("numpy.linalg.svd[0]", "np.linalg.svd(x, full_matrices=False)[0]", "x", A((4, 3)))
case("numpy.linalg.svd[0]", "np.linalg.svd(x, full_matrices=False)[0]", "x", A((3, 4)))
case("numpy.linalg.svd[1]", "np.linalg.svd(x)[1]", "x", A((2, 3, 3)))
case("numpy.linalg.svd[2]", "np.linalg.svd(x, full_matrices=False)[2]", "x", A((3, 5)))
case("numpy.linalg.svd[2]", "np.linalg.svd(x, full_matrices=False)[2]", "x", A((5, 3)))
case("numpy.linalg.lstsq[0]", "np.linalg.lstsq(x, y)[0]", "x, y", A((5, 3)), A((5,), seed=1))
case("numpy.linalg.lstsq[0]", "np.linalg.lstsq(x, y)[0]", "x, y", A((5, 3)), A((5, 2), seed=1))
case("numpy.linalg.lstsq[1]", "np.linalg.lstsq(x, y)[1]", "x, y", A((5, 3)), A((5,), seed=1))
case("numpy.linalg.lstsq[1]", "np.linalg.lstsq(x, y)[1]", "x, y", A((5, 3)), A((5, 2), seed=1))
case("numpy.linalg.lstsq[3]", "np.linalg.lstsq(x, y)[3]", "x, y", A((5, 3)), A((5,), seed=1))
case("scipy.linalg.expm", "scipy.linalg.expm(x)", "x", A((3, 3)))
case("scipy.linalg.solve_triangular", "scipy.linalg.solve_triangular(a, x, lower=True)",
     "a, x", np.tril(spd(3)), A((3,), seed=1))
case("scipy.linalg.solve_triangular",
     "scipy.linalg.solve_triangular(a, x, trans=1, lower=False, unit_diagonal=True)",
     "a, x", np.triu(spd(3)), A((3,), seed=1))
case("scipy.linalg.cho_solve", "scipy.linalg.cho_solve((C, True), x)", "x", A((3, 2), seed=1))

_SPECIAL = [("erf", A), ("erfc", A), ("erfinv", lambda s: A(s, -0.9, 0.9)),
            ("erfcinv", lambda s: P(s, 0.2, 1.8)), ("expit", A),
            ("logit", lambda s: P(s, 0.1, 0.9)), ("log_expit", A), ("gammaln", P),
            ("gamma", P), ("psi", P), ("ndtr", A), ("log_ndtr", A),
            ("ndtri", lambda s: P(s, 0.1, 0.9)), ("i0", A), ("i0e", A), ("i1", A),
            ("i1e", A)]
for _fn, _gen in _SPECIAL:
    for _shape in ((), (3, 4)):
        case(f"scipy.special.{_fn}", f"scipy.special.{_fn}(x)", "x", _gen(_shape))
case("scipy.special.polygamma", "scipy.special.polygamma(1, x)", "x", P((3,)))
for _fn in ("beta", "betaln"):
    case(f"scipy.special.{_fn}", f"scipy.special.{_fn}(x, y)", "x, y", P((3,)),
         P((3,), seed=1))
for _fn in ("xlogy", "xlog1py"):
    case(f"scipy.special.{_fn}", f"scipy.special.{_fn}(x, y)", "x, y", A((3,)),
         P((3,), seed=1))
for _fn in ("softmax", "log_softmax"):
    case(f"scipy.special.{_fn}", f"scipy.special.{_fn}(x)", "x", A((3, 4)))
    case(f"scipy.special.{_fn}", f"scipy.special.{_fn}(x, axis=1)", "x", A((3, 4)))
for _fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"):
    case(f"scipy.stats.norm.{_fn}", f"scipy.stats.norm.{_fn}(x, m, s)", "x, m, s",
         A((4,)), A((), seed=1), P((), 0.5, 2.0, seed=2))
for _fn in ("logpdf", "pdf", "cdf"):
    case(f"scipy.stats.t.{_fn}", f"scipy.stats.t.{_fn}(x, d, m, s)", "x, d, m, s",
         A((4,)), P((), 2.0, 5.0, seed=3), A((), seed=1), P((), 0.5, 2.0, seed=2))
    CASES[-1:] = CASES[-1:] if _fn != "cdf" or not HAVE_SCIPY else [(
        "scipy.stats.t.cdf", "scipy.stats.t.cdf(x, 3.0, m, s)", "x, m, s",
        (A((4,)), A((), seed=1), P((), 0.5, 2.0, seed=2)))]
for _fn in ("logpdf", "pdf"):
    case(f"scipy.stats.gamma.{_fn}", f"scipy.stats.gamma.{_fn}(x, a, 0.1, s)", "x, a, s",
         P((4,), 1.0, 3.0), P((), 1.5, 3.0, seed=3), P((), 0.5, 2.0, seed=2))
    case(f"scipy.stats.beta.{_fn}", f"scipy.stats.beta.{_fn}(x, a, b)", "x, a, b",
         P((4,), 0.2, 0.8), P((), 1.5, 3.0, seed=3), P((), 1.5, 3.0, seed=2))
for _fn in ("logpmf", "pmf"):
    case(f"scipy.stats.poisson.{_fn}", f"scipy.stats.poisson.{_fn}(k, m)", "k, m",
         np.array([0, 1, 3]), P((3,), 0.5, 3.0))

# The runtime helpers generated gradients call (forward over reverse needs them).
case("unbroadcast", "unbroadcast(x, y)", "x, y", A((3, 4)), A((4,), seed=1))
case("scatter", "scatter(x, (3, 4), (1, 2))", "x", 0.7)
case("scatter_add", "scatter_add(x, (4,), np.array([0, 2, 2]))", "x", A((3,)))
case("index_adjoint", "index_adjoint(y, 1, x)", "x, y", A((4,)), A((3, 4), seed=1))
case("spread", "spread([y, y], x)", "x, y", 0.7, 0.2)
case("list", "[x, y]", "x, y", 0.7, 0.2)


def directional(f, args, tangents, h=1e-6):
    plus = [a + h * t if t is not None else a for a, t in zip(args, tangents)]
    minus = [a - h * t if t is not None else a for a, t in zip(args, tangents)]
    fp, fm = f(*plus), f(*minus)
    if isinstance(fp, (list, tuple)):
        return [(np.asarray(p) - np.asarray(m)) / (2 * h) for p, m in zip(fp, fm)]
    return (np.asarray(fp) - np.asarray(fm)) / (2 * h)


def _tangent_for(a, seed):
    if isinstance(a, float):
        return float(random((), seed=seed + 7))
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return random(a.shape, seed=seed + 7)
    return None


@pytest.mark.parametrize("name, expr, params, args", CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_tangent_agrees_with_finite_differences(name, expr, params, args):
    f = function_of(expr, params, SCOPE)
    tangents = [_tangent_for(a, k) for k, a in enumerate(args)]
    before = [np.copy(t) for t in tangents]
    out, tangent = jvp(f, args, [t if t is not None else np.zeros(np.shape(a))
                                 for a, t in zip(args, tangents)])
    np.testing.assert_allclose(np.asarray(out, dtype=float), np.asarray(f(*args), dtype=float))
    fd = directional(f, args, tangents)
    if isinstance(fd, list):
        tangent, fd = np.concatenate([np.ravel(t) for t in tangent]), \
            np.concatenate([np.ravel(d) for d in fd])
    assert np.shape(tangent) == np.shape(fd), (np.shape(tangent), np.shape(fd))
    scale = max(np.max(np.abs(fd), initial=0.0), 1e-3)
    error = np.max(np.abs(np.asarray(tangent, dtype=float) - fd), initial=0.0) / scale
    assert error < 1e-5, f"jvp {tangent!r} vs FD {fd!r} (error {error:.1e})"
    for t, b in zip(tangents, before):
        if t is not None:
            np.testing.assert_array_equal(t, b)      # the caller's tangents untouched


def test_every_rule_with_a_tangent_has_a_case():
    kinds = coverage()
    covered = {c[0] for c in CASES}
    missing = set()
    for kind in ("linear", "template", "derived", "partial"):
        missing |= kinds.get(kind, set()) - covered
    # 'after' chains print() effects and 'copy' is `b = a`: both in test_jvp.py.
    assert missing <= {"after", "copy"}, sorted(missing)


def test_every_differentiable_rule_has_a_tangent():
    # (a rule without one is refused where it is called: see test_toolkit's custom_vjp)
    lacking = [r.name for r in all_rules() if r.adjoints and r.refuses is None
               and not r.zero_grad and tangent_kind(r) in (None, "partial")
               and not getattr(r, "user_supplied", False)]    # the user's own rules
    assert lacking == [], lacking

@s2s_ad.custom_vjp
def reverse_only(x):
    return np.sin(x)


reverse_only.defvjp(lambda x: (np.sin(x), x), lambda x, g: (g * np.cos(x),))


@pytest.mark.parametrize("expr, args, message", [
    ("reverse_only(x) * x", (A((4,)),), "custom_vjp reverse_only"),
    ("scipy.stats.multivariate_normal.logpdf(y, y, x)", (spd(3), A((3,))),
     "multivariate_normal"),
])
def test_a_rule_without_tangent_is_a_located_refusal(expr, args, message):
    if "scipy" in expr and not HAVE_SCIPY:
        pytest.skip("needs SciPy")
    f = function_of(expr, "x, y"[:len(args) * 3 - 2], {**SCOPE, "reverse_only": reverse_only})
    with pytest.raises(TranslationError) as info:
        jvp(f, args, args)
    assert message in info.value.msg
    assert expr in info.value.text
