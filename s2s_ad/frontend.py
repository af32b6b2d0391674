"""Read a function's source, parse it, and check it against the supported subset.

The result is a `ParsedFunction`: the `ast.FunctionDef` with line and column numbers
that match the user's file, the namespace its free names resolve in, the signature
callers see, and the `Dependency`s the generated code is built from (so a rebinding
of a global or closure variable after compilation can be detected and recompiled).

What is parsed is the function the user passes, never what it wraps: a decorator's
wrapper is differentiated as itself, and the function it wraps is inlined like any
helper it calls. A wrapper written `def wrapper(*args, **kwargs)` that only forwards
them (`fn(*args, **kwargs)`) gets the wrapped function's parameters instead.
"""
import ast
import builtins
import functools
import inspect
import itertools
import linecache
import math
import types
from dataclasses import dataclass, field

from .errors import TranslationError, UsageTypeError
from .dependencies import dependencies_of, is_library
from .wrappers import forward_varargs
from .desugar import desugar
from .source_reading import read_def
from .walk import all_nodes, children


@dataclass(frozen=True)
class Loc:
    """Where a piece of the user's code lives, for error messages and comments."""
    filename: str
    lineno: int
    col: int
    text: str

    def __str__(self):
        return f"{self.filename}:{self.lineno}"




@dataclass
class ParsedFunction:
    fun: object                 # the Python function itself
    node: ast.FunctionDef       # its definition, decorators stripped; positional-only
                                # parameters listed with the others, defaults literal
    filename: str
    namespace: dict             # globals, then closure cells on top
    signature: inspect.Signature = None    # the parameters as callers see them
    defaults_owner: object = None   # the function whose __defaults__ the signature shows
    dependencies: list = field(default_factory=list)   # shared with inlined callees
    walked: list = None         # every node of `node`, once desugared (see `nodes`)
    locs: dict = field(default_factory=dict, repr=False)    # (line, column) -> its Loc

    def nodes(self):
        """Every node of the def, in ast.walk's order. Walked once, on the first call
        after desugaring: the passes after it (dependencies, lowering) read the tree
        and never change it, and on a long function each full walk costs as much as
        the subset check."""
        if self.walked is None:
            self.walked = all_nodes(self.node)
        return self.walked

    @property
    def params(self):
        return [a.arg for a in self.node.args.args]

    @property
    def defaults(self):
        """Default values of the trailing parameters, as `__defaults__` holds them."""
        values = tuple(p.default for p in self.signature.parameters.values()
                       if p.default is not p.empty)
        return values or None

    @property
    def posonly(self):
        """How many leading parameters are positional-only."""
        return sum(p.kind is p.POSITIONAL_ONLY for p in self.signature.parameters.values())

    def loc(self, node):
        lineno = getattr(node, "lineno", self.node.lineno)
        col = getattr(node, "col_offset", 0)
        loc = self.locs.get((lineno, col))
        if loc is None:
            loc = self.locs[lineno, col] = Loc(self.filename, lineno, col,
                                               linecache.getline(self.filename, lineno))
        return loc

    def error(self, message, node):
        return TranslationError(message, self.loc(node))

    def lookup(self, name):
        """The object a free name denotes: closure, then globals, then builtins."""
        if name in self.namespace:
            return self.namespace[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise KeyError(name)


def parse_function(fun):
    """Parse `fun` into a ParsedFunction, or raise a located TranslationError (or a
    UsageTypeError when `fun` is not a Python function with readable source)."""
    _check_is_function(fun)
    node, filename = read_def(fun)
    parsed = ParsedFunction(fun, node, filename, _namespace(fun))
    if isinstance(node, ast.AsyncFunctionDef):
        raise parsed.error(f"'{fun.__name__}' is an async function: calling it makes a "
                           "coroutine, which has no derivative. Differentiate a plain "
                           "`def` function that computes the value", node)
    node.decorator_list = []
    parsed.defaults_owner = fun
    parsed.signature = forward_varargs(parsed)
    unchanged = desugar(parsed)     # every node, when desugaring changed nothing
    SubsetChecker(parsed).check(unchanged)
    replaced = _annotated(parsed.node)
    _plain_header(parsed)
    if unchanged is not None and not replaced:
        parsed.walked = unchanged   # (the header kept its nodes: no second walk of the def)
    parsed.dependencies = dependencies_of(parsed)
    return parsed


def _namespace(fun):
    """A snapshot of what free names denote: globals, then closure cells on top."""
    namespace = dict(fun.__globals__)
    if fun.__closure__:
        for name, cell in zip(fun.__code__.co_freevars, fun.__closure__):
            try:
                namespace[name] = cell.cell_contents
            except ValueError:      # a closure cell not filled yet
                pass
    return namespace


def _plain_header(parsed):
    """Positional-only parameters listed with the others (the dispatcher keeps the
    user's signature and passes every argument by position), defaults as literals, no
    annotations: the generated functions' headers are evaluated in the function's
    globals, where names of an enclosing function do not exist."""
    args = parsed.node.args
    args.args, args.posonlyargs = args.posonlyargs + args.args, []
    args.defaults = _literal_defaults(parsed.signature)
    for a in args.args:
        a.annotation = None
    parsed.node.returns = None


def _annotated(node):
    """Does the header hold nodes that _plain_header replaces (annotations, defaults)?"""
    args = node.args
    return node.returns is not None or bool(args.defaults) or any(
        a.annotation is not None for a in args.posonlyargs + args.args)


def _check_is_function(fun):
    """Refuse, with what to write instead, anything that is not a plain function."""
    if isinstance(fun, types.FunctionType):
        return
    what = type(fun).__name__
    if isinstance(fun, types.MethodType):
        hint = ("a bound method: differentiate a plain function and pass the object's "
                "values as arguments")
    elif hasattr(fun, "__wrapped__") and not is_library(fun):
        hint = (f"a {what} made by a decorator, which s2s_ad cannot read; apply grad to "
                "the undecorated function, or write the decorator as a `def` wrapper "
                "using functools.wraps")
    elif isinstance(fun, functools.partial):
        inner = getattr(fun.func, "__name__", "f")
        fixed = ", ".join([f"{k}=..." for k in fun.keywords])
        hint = (f"a functools.partial, which s2s_ad cannot read; differentiate a function "
                f"that fixes the arguments itself, e.g. grad(lambda x: {inner}(x"
                f"{', ' + fixed if fixed else ''})), or a `def`")
    elif callable(fun):
        hint = f"a {what}, not a function written in Python with `def`"
    else:
        hint = f"a {what}, which is not callable"
    from .rules import public_name
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or \
        public_name(fun)
    raise UsageTypeError(f"s2s_ad differentiates Python functions written with `def`; "
                         f"{name} is {hint}")


# What the subset does not support, with a hint for each.
_UNSUPPORTED = {
    ast.Try: "'try' blocks are not supported; move error handling outside the differentiated function",
    ast.With: "'with' blocks are not supported",
    ast.Global: "'global' is not supported; pass the value as an argument",
    ast.Nonlocal: "'nonlocal' is not supported; pass the value as an argument",
    ast.Yield: "generators ('yield') are not supported",
    ast.YieldFrom: "generators ('yield from') are not supported",
    ast.Await: "'await' is not supported",
    ast.AsyncFunctionDef: "async functions are not supported",
    ast.ClassDef: "class definitions are not supported inside a differentiated function",
    ast.ListComp: "a list comprehension evaluated only on some paths (inside 'a if c "
                  "else b', after 'and'/'or', in a 'while' test) is not supported; assign "
                  "it to a variable before",
    ast.SetComp: "set comprehensions are not supported; use a list",
    ast.GeneratorExp: "a generator expression evaluated only on some paths (inside 'a if "
                      "c else b', after 'and'/'or', in a 'while' test) is not supported; "
                      "assign it to a variable before",
    ast.Import: "imports inside a differentiated function are not supported; import at module level",
    ast.ImportFrom: "imports inside a differentiated function are not supported; import at module level",
    ast.Delete: "'del' is not supported",
    ast.Raise: "'raise' is not supported inside a differentiated function",
    ast.NamedExpr: "the walrus operator ':=' is not supported",
    ast.Set: "set displays ({a, b}) are not supported; use a tuple or a list",
    ast.JoinedStr: "f-strings are not supported inside a differentiated function",
    ast.Match: "the 'match' statement is not supported; write it with if/elif/else",
}


class SubsetChecker:
    """Rejects syntax outside the subset, before any lowering happens."""

    def __init__(self, parsed):
        self.parsed = parsed

    def check(self, every_node=None):
        """Raise the problems found; `every_node`, all nodes of the def if the caller
        has them, lets a def with nothing that check_node looks at (most) skip the walk."""
        fn = self.parsed.node
        args = fn.args
        name = self.parsed.fun.__name__
        for bad, what in ((args.vararg, "*"), (args.kwarg, "**")):
            if bad is not None:
                raise self.parsed.error(
                    f"'{name}' takes '{what}{bad.arg}', which s2s_ad does not support: "
                    f"list the parameters explicitly (def {name}(x, y): ...)", bad)
        if args.kwonlyargs:
            bad = args.kwonlyargs[0]
            raise self.parsed.error(
                f"the keyword-only parameter '{bad.arg}' of '{name}' is not supported; "
                "make it positional (drop the '*' before it)", bad)
        # Depth first, in source order, with an explicit stack: a sum of a thousand
        # terms is a tree a thousand deep. Every problem is collected, so that one
        # compile reports them all rather than one per round of fixing.
        if every_node is not None and every_node[0] is fn and \
                _LOOKED_AT.isdisjoint(map(type, itertools.islice(every_node, 1, None))):
            return
        problems = []
        stack = list(reversed(fn.body))
        while stack:
            node = stack.pop()
            try:
                self.check_node(node)
            except TranslationError as problem:
                problems.append(problem)
            stack.extend(reversed(children(node)))
        if problems:
            raise all_problems(problems, name)

    def check_node(self, node):     # (the types it looks at are _LOOKED_AT's)
        hint = _UNSUPPORTED.get(type(node))
        if hint is not None:
            raise self.parsed.error(hint, node)
        if isinstance(node, ast.FunctionDef):       # inlined where called (inline.py)
            self.check_nested(node, f"the nested function '{node.name}'")
            if node.decorator_list:
                raise self.parsed.error(f"the nested function '{node.name}' is decorated; "
                                        "s2s_ad inlines nested functions as written, so "
                                        "define it without decorators",
                                        node.decorator_list[0])
        elif isinstance(node, ast.Lambda):
            self.check_nested(node, "a lambda")
        elif isinstance(node, ast.Starred) and not isinstance(node.ctx, ast.Store):
            raise self.parsed.error("'*' unpacking in a call or a display is not "
                                    "supported; pass the elements one by one, or use "
                                    "np.concatenate", node)

    def check_nested(self, node, what):
        args = node.args
        for bad, star in ((args.vararg, "*"), (args.kwarg, "**")):
            if bad is not None:
                raise self.parsed.error(f"{what} takes '{star}{bad.arg}', which s2s_ad does "
                                        "not support: list its parameters explicitly", bad)


def all_problems(problems, name):
    """One TranslationError located at the first problem, listing the others with their
    lines."""
    first = problems[0]
    if len(problems) == 1:
        return first
    lines = [f"{first.msg}", f"'{name}' has {len(problems) - 1} more problem"
             f"{'s' if len(problems) > 2 else ''} to fix:"]
    lines += [f"  line {p.lineno}: {p.msg}" for p in problems[1:]]
    error = TranslationError("\n".join(lines))
    error.filename, error.lineno, error.offset, error.text = \
        first.filename, first.lineno, first.offset, first.text
    return error


# -- defaults ----------------------------------------------------------------------------

def literal(value):
    """An AST that prints and evaluates back to `value` (a Python number, bool, str or
    None), or None. A negative number is a unary minus over a literal, as Python
    parses `-1.4`, so every printer parenthesizes it as an operand: `(-1.4) ** 2`."""
    if value is None or type(value) in (bool, str):
        return ast.Constant(value)
    if type(value) in (int, float):
        if type(value) is float and not math.isfinite(value):
            return None
        if math.copysign(1, value) < 0:
            return ast.UnaryOp(ast.USub(), ast.Constant(-value))
        return ast.Constant(value)
    return None


def _literal_defaults(signature):
    """The header's default expressions, rebuilt from the values (the user's
    expressions may name variables of an enclosing function, which the generated code
    cannot see). The generated functions are always called with every argument, so a
    default that cannot be written as a literal is simply left out of the header."""
    values = [p.default for p in signature.parameters.values() if p.default is not p.empty]
    nodes = [literal(v) for v in values]
    return [] if any(n is None for n in nodes) else nodes


# -- dependencies ------------------------------------------------------------------------


# The node types check_node raises for or looks into: a def without any is in the subset.
_LOOKED_AT = set(_UNSUPPORTED) | {ast.FunctionDef, ast.Lambda, ast.Starred}
