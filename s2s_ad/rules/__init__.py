"""The derivative rule table: one `Rule` per primitive.

A rule says how its primitive is spelled in the forward sweep and, for each argument,
the adjoint contribution as a readable math template, e.g. for `math.sin(x)`:

    defrule(math.sin, "x", x="g * math.cos(x)")

Template vocabulary: `g` is the adjoint of the result, `ans` the result itself, the
parameter names stand for the arguments, and `np` / `math` for the NumPy and math
modules (renamed at emission to whatever the user's namespace calls them). A template
may instead be a function of a `RuleInfo` (the argument kinds and static values known
at compile time) that returns the template string, for rules whose adjoint depends on
shapes or on static arguments such as `axis`.

Rules live in the modules beside this one, grouped by family: `operators` (Python
operators), `math_rules` (the math module and builtins), `numpy_rules` (NumPy), and
`numpy_scans`, `numpy_layout`, `numpy_elementwise_more`, `numpy_decompositions`,
`numpy_norms`, `numpy_fft`, `numpy_products_more` (more NumPy). The SciPy families
(`scipy_special`, `scipy_stats`, `scipy_linalg`) register once the user's code has
imported SciPy (see `load_optional_families`); their templates name `scipy`, added to
TEMPLATE_MODULES. A rule's `checks` refuses calls it never takes where they are
written, even when no gradient flows through them (tuple results, in-place results).
Forward mode (tangent.py) reads two more columns: `linear`, the parameters in which the
primitive is linear (its tangent is the primitive applied to their tangents, e.g.
reshape, sum, concatenate), and `tangent`, a template per parameter written with
`<param>_dot` for the argument's tangent (math.sin: `x="x_dot * math.cos(x)"`), or one
of the markers PRODUCT (multilinear: the primitive with that argument replaced by its
tangent, as for matmul) and FIBER (a reduction: see tangent_rules.py). The tangent of
the result is the sum over the active arguments. tangent_rules.py fills these columns
for the built-in table, deriving elementwise ones from the adjoint templates.
"""
import ast
import functools
import importlib
import inspect
import sys
from dataclasses import dataclass, field

# How a primitive is written in the forward sweep.
CALL = "call"            # the user's callee, called with the arguments: np.sin(x)
BINOP = "binop"          # x <op> y
UNARY = "unary"          # <op> x
ATTRIBUTE = "attribute"  # x.T
METHOD = "method"        # x.sum(axis=0)
SUBSCRIPT = "subscript"  # x[index]
COMPARE = "compare"      # x < y


class Unsupported(Exception):
    """Raised by a template function for a case its rule does not cover (the reverse
    transform turns it into a located error)."""


@dataclass
class Rule:
    name: str                       # shown in messages: 'numpy.sin', 'mul'
    signature: inspect.Signature    # binds the user's arguments to template names
    adjoints: dict                  # parameter name -> template (str or callable)
    spelling: str = CALL
    symbol: object = None           # ast operator class (BINOP/UNARY) or attribute/method name
    broadcasts: bool = False        # elementwise with NumPy broadcasting
    zero_grad: bool = False         # piecewise constant: the derivative is 0 everywhere
    selects: tuple = None           # where-like: (condition param, {param: taken if true})
    elements: bool = False          # its templates handle list elements (info.element)
    discrete: frozenset = frozenset()   # parameters never differentiated (an index)
    refuses: str = None             # why no argument may be active (every one is refused)
    tangent: dict = field(default_factory=dict)   # forward mode: param -> template/marker
    linear: tuple = ()              # forward mode: the parameters it is linear in
    checks: object = None           # a function of the call's Stmt that raises Unsupported
                                    # for a call the rule never takes (a tuple result)
    pure: bool = True               # the same operands give the same value and nothing
                                    # else changes; False for random draws and effects,
                                    # which are never shared, moved, folded or dropped

    @property
    def params(self):
        return list(self.signature.parameters)

    def spell(self, stmt):
        """The forward expression of a statement of this rule: the same operation the
        user wrote."""
        a = stmt.call_args
        if self.checks is not None:
            _check_call(self, stmt)
        if callable(self.spelling):     # rules that build their own syntax (x[i], a < b)
            return self.spelling(a)
        if self.spelling == BINOP:
            return ast.BinOp(a[0], self.symbol(), a[1])
        if self.spelling == UNARY:
            return ast.UnaryOp(self.symbol(), a[0])
        if self.spelling == ATTRIBUTE:
            return ast.Attribute(a[0], self.symbol, ast.Load())
        if self.spelling == SUBSCRIPT:
            return ast.Subscript(a[0], a[1], ast.Load())
        if self.spelling == COMPARE:
            return ast.Compare(a[0], [self.symbol()], [a[1]])
        if self.spelling == "copy":
            return a[0]
        keywords = [ast.keyword(k, v) for k, v in stmt.call_keywords]
        if self.spelling == METHOD:
            return ast.Call(ast.Attribute(a[0], self.symbol, ast.Load()), a[1:], keywords)
        return ast.Call(stmt.callee, a, keywords)

    def handles_elements(self, param):
        """Does the template of `param` give each element of a list argument its own
        adjoint (np.concatenate([a, b]), *operands)? If not, the reverse transform
        reads the element's part out of the whole argument's adjoint."""
        p = self.signature.parameters.get(param)
        return self.elements or (p is not None and p.kind is p.VAR_POSITIONAL)

    def template(self, param, info):
        """The adjoint template for `param` as an expression AST, or None. For an
        element of a list argument ('arrays[1]') it is the template of 'arrays', with
        `info.element` the element's index path, e.g. (1,)."""
        if self.refuses is not None:
            raise Unsupported(self.refuses)
        base, bracket, rest = param.partition("[")
        template = self.adjoints.get(base)
        if template is None:
            return None
        info.param = param
        info.element = tuple(int(i) for i in rest.rstrip("]").split("][")) if bracket else None
        if callable(template):
            template = template(info)
        return _parse_template(template)


def _check_call(rule, stmt):
    """Run the rule's check of a call as written: checked when the forward sweep is
    spelled, so even a call whose result never gets an adjoint is refused (a tuple
    result is not followed by activity analysis: its gradient would be lost, not
    refused)."""
    from ..errors import TranslationError
    try:
        rule.checks(stmt)
    except Unsupported as exc:
        raise TranslationError(f"cannot differentiate this call of {rule.name}: {exc}",
                               stmt.loc) from None


@functools.lru_cache(maxsize=None)
def _parse_template(text):
    return ast.parse(text, mode="eval").body


def _signature(spec):
    """'x, axis=None' -> an inspect.Signature, parsed the way Python parses a def."""
    namespace = {}
    exec(f"def _spec({spec}): pass", {}, namespace)
    return inspect.signature(namespace["_spec"])


# Tangent markers (forward mode, see the module docstring and tangent_rules.py).
PRODUCT = "<product>"   # multilinear: the primitive with this argument's tangent in its place
FIBER = "<fiber>"       # a reduction: sum over the reduced axes of arg_dot * adjoint(g=1)

_BY_OBJECT = {}      # the callable itself -> Rule (resolved by object, not by spelling)

# Modules that templates may name, by their conventional names (the emitter renames
# each to whatever the user's namespace calls it). Families add optional ones, such as
# scipy, when they import.
TEMPLATE_MODULES = {"np": __import__("numpy"), "math": __import__("math")}
_OPERATORS = {}      # (spelling, ast operator class or attribute name) -> Rule


def defrule(fn, spec, *, name=None, broadcasts=False, zero_grad=False, selects=None,
            elements=False, discrete=(), refuses=None, checks=None, linear=(), tangent=None,
            **adjoints):
    """Register the rule for calls of the callable `fn`. `broadcasts` is True for an
    elementwise rule (each contribution has the result's shape and is summed back to its
    argument's shape), or a function of the RuleInfo giving the contribution's shape.
    `refuses` is the message for a primitive that must never be differentiated."""
    rule = Rule(name or describe(fn), _signature(spec), adjoints,
                broadcasts=broadcasts, zero_grad=zero_grad, selects=selects,
                elements=elements, discrete=frozenset(discrete), refuses=refuses,
                checks=checks, tangent=dict(tangent or {}), linear=tuple(linear))
    _BY_OBJECT[_key(fn)] = (fn, rule)
    return rule


def defop(spelling, symbol, name, spec, *, broadcasts=False, zero_grad=False, discrete=(),
          refuses=None, linear=(), tangent=None, **adjoints):
    """Register the rule for an operator (BINOP/UNARY), attribute or method."""
    rule = Rule(name, _signature(spec), adjoints, spelling=spelling, symbol=symbol,
                broadcasts=broadcasts, zero_grad=zero_grad, discrete=frozenset(discrete),
                refuses=refuses, tangent=dict(tangent or {}), linear=tuple(linear))
    _OPERATORS[(spelling, symbol)] = rule
    return rule


def rule_for_call(fn):
    entry = _BY_OBJECT.get(_key(fn))
    if entry is None and load_optional_families():
        entry = _BY_OBJECT.get(_key(fn))
    return entry[1] if entry is not None and _same(entry[0], fn) else None


# Families for optional libraries, registered once the user's code has imported the
# library (so importing s2s_ad never imports SciPy): library module -> family module.
_OPTIONAL = {"scipy.special": "scipy_special", "scipy.linalg": "scipy_linalg",
             "scipy.stats": "scipy_stats"}


def load_optional_families():
    """Register the families whose library is imported now; True if any was."""
    loaded = False
    for library, family in list(_OPTIONAL.items()):
        if library in sys.modules:
            del _OPTIONAL[library]
            importlib.import_module(f"{__name__}.{family}")
            loaded = True
    return loaded


def rule_for_operator(spelling, symbol):
    return _OPERATORS.get((spelling, symbol))


def _key(fn):
    if inspect.ismethod(fn):
        # A bound method (scipy.stats.norm.cdf) is a new object at every access: key it
        # by its instance and function, which every access shares.
        return ("method", id(fn.__self__), fn.__func__)
    try:
        hash(fn)
        return fn
    except TypeError:
        return id(fn)


def _same(registered, fn):
    if inspect.ismethod(fn):
        return (inspect.ismethod(registered) and registered.__self__ is fn.__self__
                and registered.__func__ is fn.__func__)
    return registered is fn


def describe(fn):
    """'numpy.linalg.eigvalsh' for np.linalg.eigvalsh, 'math.sin' for math.sin."""
    if inspect.ismethod(fn) and not inspect.isclass(fn.__self__):
        owner = getattr(fn.__self__, "name", type(fn.__self__).__name__)
        return f"{owner}.{fn.__name__}"     # scipy.stats.norm.cdf -> 'norm.cdf'
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if module in ("builtins", ""):
        return name
    return f"{module}.{name}"


def public_name(fn):
    """How the user's code spells `fn`, for messages: 'scipy.stats.laplace.cdf' rather
    than the private 'scipy.stats._distn_infrastructure.rv_continuous.cdf', and a
    partial by its function and arguments, without memory addresses."""
    if isinstance(fn, functools.partial):
        given = [public_name(a) if callable(a) else _short_repr(a) for a in fn.args]
        given += [f"{k}={_short_repr(v)}" for k, v in fn.keywords.items()]
        return f"functools.partial({', '.join([public_name(fn.func)] + given)})"
    if inspect.ismethod(fn) and not inspect.isclass(fn.__self__):
        owner = fn.__self__
        found = _public_path(type(owner).__module__, getattr(owner, "name", None), owner)
        if found:
            return f"{found}.{fn.__name__}"
        return describe(fn)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", None) or ""
    if name and module and module != "builtins":
        head = name.split(".")[0]
        found = _public_path(module, head, getattr(sys.modules.get(module), head, None))
        if found:
            return found + name[len(head):]
    return describe(fn) if name else _short_repr(fn)


def _public_path(module, attribute, obj):
    """'package.module.attribute' for the shortest module path without private parts
    ('_x') whose `attribute` is `obj`, or None."""
    if not attribute or obj is None:
        return None
    parts = module.split(".")
    public = []
    for part in parts:
        if part.startswith("_"):
            break
        public.append(part)
    for end in range(1, len(public) + 1):
        candidate = ".".join(public[:end])
        if getattr(sys.modules.get(candidate), attribute, None) is obj:
            return f"{candidate}.{attribute}"
    return None


def _short_repr(value):
    """A value as a message shows it: without the '<... at 0x...>' of a default repr."""
    text = repr(value)
    if " at 0x" in text:
        return getattr(value, "__qualname__", None) or type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


class RuleInfo:
    """What a template function may ask about one call site at compile time."""

    def __init__(self, kinds, statics, result_kind, active, operands=None):
        self.kinds = kinds              # parameter name -> Kind or None (unknown)
        self.statics = statics          # parameter name -> static Python value
        self.result_kind = result_kind
        self.active = active            # parameter names whose argument is active
        self.operands = operands or {}  # parameter name -> the operand's AST
        self.param = None               # the parameter whose adjoint is asked for
        self.element = None             # its index path when it is a list element
        self.fills = False              # set by a template that returns a scalar to be
                                        # spread over the whole argument (full sum/mean)
        self.names = {}                 # parameter name -> the user's variable (messages)

    def shape(self, param):
        """The compile-time shape of an argument (or 'ans'), or raise Unsupported."""
        kind = self.result_kind if param == "ans" else self.kinds.get(param)
        if kind is None or not kind.is_numeric:
            # the user's variable when the argument is one, else the rule's parameter
            user = self.names.get(param)
            what = "its result" if param == "ans" else f"'{user}'" if user else \
                f"its argument '{param}'"
            raise Unsupported(f"this adjoint needs the shape of {what}, which is not "
                              "known: call the gradient with example arguments so it can "
                              "specialise; if it was, the shape depends on the data (a "
                              "mask, a computed index) or on a branch: give it a fixed "
                              "shape (np.where(mask, x, 0.0) rather than x[mask])")
        return kind.shape

    def get(self, param, default=None):
        """A static argument's value, or `default` when it is not static."""
        return self.statics.get(param, default)

    def is_active(self, param):
        return param in self.active

    def kind(self, param):
        return self.kinds.get(param)

    def static(self, param):
        """The compile-time value of an argument (a literal, default or constant)."""
        return self.statics[param]

    def has_static(self, param):
        return param in self.statics

    @property
    def lib(self):
        """'math' when every argument is a Python number, else 'np'."""
        kinds = [k for k in self.kinds.values() if k is not None]
        if kinds and all(k.is_python_number for k in kinds):
            return "math"
        return "np"


def masked(condition, value, info):
    """`value` where `condition` holds, else 0.0, as a float: the adjoint of a choice
    (max, clip, heaviside). Multiplying by the boolean instead would leave a boolean
    array wherever the value folds to a constant (-1.0 * mask -> -mask, which NumPy
    refuses), and a Python int for numbers."""
    if info.lib == "math":
        return f"{value} * float({condition})"
    return f"np.where({condition}, {value}, 0.0)"


def zero(info):
    """The template of an adjoint that is 0 (a piecewise constant argument of a rule
    that is smooth in another), shaped like the result's adjoint `g`."""
    return "0.0" if info.lib == "math" else "np.zeros_like(g)"


# Importing the families fills the table.
from . import operators, math_rules, numpy_rules  # noqa: E402,F401
from . import numpy_scans, numpy_layout, numpy_elementwise_more  # noqa: E402,F401
from . import numpy_decompositions, numpy_norms, numpy_fft, numpy_products_more  # noqa: E402,F401,E501
from . import numpy_factorizations  # noqa: E402,F401  (tuple results: after numpy_decompositions)
from . import array_methods  # noqa: E402,F401  (methods as their NumPy functions)
