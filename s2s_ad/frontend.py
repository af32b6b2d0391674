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
import inspect
import linecache
import math
import sysconfig
import textwrap
import types
from dataclasses import dataclass, field

from .errors import TranslationError, UsageTypeError


@dataclass(frozen=True)
class Loc:
    """Where a piece of the user's code lives, for error messages and comments."""
    filename: str
    lineno: int
    col: int
    text: str

    def __str__(self):
        return f"{self.filename}:{self.lineno}"


_MISSING = object()


@dataclass(frozen=True, eq=False)
class Dependency:
    """One binding the generated code was built from, and the object it held then.

    `where` is "global" (`holder` is the globals dict), "cell" (`holder` is the closure
    cell), "builtin" (valid while `holder`, the globals dict, does not shadow it) or
    "attribute" (`holder.name`, e.g. an inlined helper's `__defaults__`);
    `attrs` is an attribute path read after the name (`cfg.scale` -> ("scale",))."""
    where: str
    holder: object
    name: str
    attrs: tuple
    value: object

    def current(self):
        """The object the binding holds now, or _MISSING when it is gone."""
        try:
            if self.where == "cell":
                value = self.holder.cell_contents
            elif self.where == "attribute":
                value = getattr(self.holder, self.name)
            elif self.name in self.holder:
                value = self.holder[self.name]
            elif self.where == "builtin":
                value = getattr(builtins, self.name)
            else:
                return _MISSING
            for attr in self.attrs:
                value = getattr(value, attr)
        except (ValueError, AttributeError):
            return _MISSING
        return value

    def describe(self):
        return ".".join((self.name,) + self.attrs)


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
        text = linecache.getline(self.filename, lineno)
        return Loc(self.filename, lineno, getattr(node, "col_offset", 0), text)

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
    node, filename = _read_def(fun)
    parsed = ParsedFunction(fun, node, filename, _namespace(fun))
    if isinstance(node, ast.AsyncFunctionDef):
        raise parsed.error(f"'{fun.__name__}' is an async function: calling it makes a "
                           "coroutine, which has no derivative. Differentiate a plain "
                           "`def` function that computes the value", node)
    node.decorator_list = []
    parsed.defaults_owner = fun
    parsed.signature = _forward_varargs(parsed)
    SubsetChecker(parsed).check()
    _plain_header(parsed)
    parsed.dependencies = _dependencies(parsed)
    return parsed


def _read_def(fun):
    """The `def` of `fun`, with the line and column numbers of the user's file."""
    code = fun.__code__
    try:
        # The code object, not the function: inspect would follow `__wrapped__` and
        # read the function a decorator wraps instead of the wrapper itself.
        lines, first_line = inspect.getsourcelines(code)
        filename = inspect.getsourcefile(code) or code.co_filename
    except (OSError, TypeError) as exc:
        raise UsageTypeError(f"cannot read the source of {fun.__qualname__}: {exc}. "
                             "s2s_ad needs functions defined in a file (not typed at "
                             "the REPL)") from None
    dedented = textwrap.dedent("".join(lines))
    indent = _indent_width(lines[0]) - _indent_width(dedented.splitlines()[0])
    tree = ast.parse(dedented)
    ast.increment_lineno(tree, first_line - 1)
    if indent:
        for node in ast.walk(tree):
            if hasattr(node, "col_offset"):
                node.col_offset += indent
                if getattr(node, "end_col_offset", None) is not None:
                    node.end_col_offset += indent
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != code.co_name:
        raise UsageTypeError(f"cannot find the `def` of {fun.__qualname__} in "
                             f"{filename}:{first_line}")
    return node, filename


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


def _check_is_function(fun):
    """Refuse, with what to write instead, anything that is not a plain function."""
    if isinstance(fun, types.FunctionType):
        if fun.__name__ == "<lambda>":
            raise UsageTypeError(
                "s2s_ad cannot differentiate a lambda yet (defined at "
                f"{fun.__code__.co_filename}:{fun.__code__.co_firstlineno}): write it with "
                "`def`, e.g. `def f(x): return ...`, and pass `f`")
        return
    what = type(fun).__name__
    if isinstance(fun, types.MethodType):
        hint = ("a bound method: differentiate a plain function and pass the object's "
                "values as arguments")
    elif hasattr(fun, "__wrapped__") and not is_library(fun):
        hint = (f"a {what} made by a decorator, which s2s_ad cannot read; apply grad to "
                "the undecorated function, or write the decorator as a `def` wrapper "
                "using functools.wraps")
    elif callable(fun):
        hint = f"a {what}, not a function written in Python with `def`"
    else:
        hint = f"a {what}, which is not callable"
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)
    raise UsageTypeError(f"s2s_ad differentiates Python functions written with `def`; "
                         f"{name} is {hint}")


def _indent_width(line):
    return len(line) - len(line.lstrip())


# What the subset does not support, with a hint for each.
_UNSUPPORTED = {
    ast.Try: "'try' blocks are not supported; move error handling outside the differentiated function",
    ast.With: "'with' blocks are not supported",
    ast.Lambda: "lambda expressions are not supported; define a function with `def` instead",
    ast.Global: "'global' is not supported; pass the value as an argument",
    ast.Nonlocal: "'nonlocal' is not supported; pass the value as an argument",
    ast.Yield: "generators ('yield') are not supported",
    ast.YieldFrom: "generators ('yield from') are not supported",
    ast.Await: "'await' is not supported",
    ast.AsyncFunctionDef: "async functions are not supported",
    ast.ClassDef: "class definitions are not supported inside a differentiated function",
    ast.ListComp: "list comprehensions are not supported yet; write a loop or use NumPy",
    ast.SetComp: "set comprehensions are not supported",
    ast.DictComp: "dict comprehensions are not supported",
    ast.GeneratorExp: "generator expressions are not supported yet; use NumPy or a loop",
    ast.Import: "imports inside a differentiated function are not supported; import at module level",
    ast.ImportFrom: "imports inside a differentiated function are not supported; import at module level",
    ast.Delete: "'del' is not supported",
    ast.Raise: "'raise' is not supported inside a differentiated function",
    ast.Assert: "'assert' is not supported inside a differentiated function",
    ast.NamedExpr: "the walrus operator ':=' is not supported",
    ast.Starred: "star-unpacking is not supported",
    ast.JoinedStr: "f-strings are not supported inside a differentiated function",
}


class SubsetChecker(ast.NodeVisitor):
    """Rejects syntax outside the subset, before any lowering happens."""

    def __init__(self, parsed):
        self.parsed = parsed

    def check(self):
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
        for statement in fn.body:
            self.visit(statement)

    def generic_visit(self, node):
        hint = _UNSUPPORTED.get(type(node))
        if hint is not None:
            raise self.parsed.error(hint, node)
        super().generic_visit(node)

    def visit_FunctionDef(self, node):
        raise self.parsed.error("nested function definitions inside a differentiated "
                                "function are not supported; define the helper outside", node)


# -- decorators: a wrapper that forwards *args, **kwargs ---------------------------------

def _forward_varargs(parsed):
    """The signature callers see. A wrapper `def wrapper(*args, **kwargs)` made with
    functools.wraps that only forwards them (`fn(*args, **kwargs)`) is rewritten to take
    the wrapped function's parameters and pass them on by name, so it can be lowered
    like any function; other uses of *args/**kwargs are refused."""
    fun, node = parsed.fun, parsed.node
    args = node.args
    own = inspect.signature(fun, follow_wrapped=False)
    if not hasattr(fun, "__wrapped__") or (args.vararg is None and args.kwarg is None):
        return own      # *args/**kwargs of a plain function: the subset check refuses
    star = args.vararg or args.kwarg
    name = fun.__name__
    if args.posonlyargs or args.args or args.kwonlyargs:
        raise parsed.error(
            f"the decorator's wrapper '{name}' takes named parameters besides *args/"
            "**kwargs; s2s_ad differentiates a wrapper that forwards `*args, **kwargs` "
            "unchanged, or one with explicit parameters (`def wrapper(x, y): ...`)", star)
    try:
        wrapped = inspect.signature(fun)        # follows __wrapped__ (functools.wraps)
    except (TypeError, ValueError) as exc:
        raise parsed.error(f"cannot read the signature of the function '{name}' wraps: "
                           f"{exc}", star) from None
    params = list(wrapped.parameters.values())
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            raise parsed.error(
                f"'{name}' wraps a function with the parameter '{p}', which s2s_ad does "
                "not support; give the wrapped function plain parameters", star)
    forwarded = {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    names = [p.name for p in params]
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - forwarded
    for param in names:
        if param in used:
            raise parsed.error(
                f"the wrapper '{name}' forwards *args to a parameter named '{param}', a "
                "name its own body uses too; rename one of them", star)
    _Forward(args, names).visit(node)
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in forwarded:
            raise parsed.error(
                f"the wrapper '{name}' uses '{n.id}' other than forwarding it as "
                f"`fn(*args, **kwargs)`; s2s_ad cannot differentiate that. Give the "
                "wrapper explicit parameters (`def wrapper(x, y): ...`)", n)
    posonly = sum(p.kind is p.POSITIONAL_ONLY for p in params)
    new = [ast.copy_location(ast.arg(p), star) for p in names]
    node.args = ast.arguments(posonlyargs=new[:posonly], args=new[posonly:], vararg=None,
                              kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    parsed.defaults_owner = inspect.unwrap(fun)     # where the signature's defaults live
    return wrapped


class _Forward(ast.NodeTransformer):
    """`fn(*args, **kwargs)` -> `fn(x, y)` with the wrapped function's parameters."""

    def __init__(self, args, names):
        self.vararg = args.vararg.arg if args.vararg else None
        self.kwarg = args.kwarg.arg if args.kwarg else None
        self.names = names

    def visit_Call(self, node):
        self.generic_visit(node)
        stars = [a for a in node.args if isinstance(a, ast.Starred)
                 and isinstance(a.value, ast.Name) and a.value.id == self.vararg]
        kwargs = [k for k in node.keywords if k.arg is None
                  and isinstance(k.value, ast.Name) and k.value.id == self.kwarg]
        # Only a call that forwards all of them, once, is rewritten: `fn(*args)` alone
        # in a wrapper that also takes **kwargs would drop the caller's keywords. Any
        # other use is left in place and refused.
        wanted = (self.vararg is not None, self.kwarg is not None)
        if (len(stars), len(kwargs)) != wanted:
            return node
        args = []
        for a in node.args:
            if a in stars:
                args += [ast.copy_location(ast.Name(n, ast.Load()), a) for n in self.names]
            else:
                args.append(a)
        node.args = args
        node.keywords = [k for k in node.keywords if k not in kwargs]
        return node


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

def _dependencies(parsed):
    """Every free name (and stable attribute chain) the function reads, with the object
    it denotes now: the generated code is valid while these still hold."""
    fun, node = parsed.fun, parsed.node
    local = set(parsed.params) | {n.id for n in ast.walk(node)
                                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    cells = dict(zip(fun.__code__.co_freevars, fun.__closure__ or ()))
    found = {}
    for n in ast.walk(node):
        chain = _chain(n)
        if chain is None or chain[0] in local or chain in found:
            continue
        dependency = _dependency(fun, cells, *chain)
        if dependency is not None:
            found[chain] = dependency
    return list(found.values())


def _chain(node):
    """('cfg', ('scale',)) for `cfg.scale`, ('x', ()) for a name read; else None."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        return node.id, tuple(reversed(attrs))
    return None


def _dependency(fun, cells, name, attrs):
    if name in cells:
        where, holder = "cell", cells[name]
        try:
            value = holder.cell_contents
        except ValueError:          # not bound yet: lowering reports it
            return None
    elif name in fun.__globals__:
        where, holder, value = "global", fun.__globals__, fun.__globals__[name]
    elif hasattr(builtins, name):
        where, holder, value = "builtin", fun.__globals__, getattr(builtins, name)
    else:
        return None
    if attrs:
        # Library modules' attributes are taken as fixed (as rules are); an attribute
        # computed afresh on each read (a property, a bound method) has no identity to
        # compare, and an array's attributes are fixed by the array itself.
        if is_library(value) or isinstance(value, np_ndarray()):
            return None
        try:
            first, second = value, value
            for attr in attrs:
                first, second = getattr(first, attr), getattr(second, attr)
        except AttributeError:
            return None
        if first is not second:
            return None
        value = first
    return Dependency(where, holder, name, attrs, value)


def np_ndarray():
    import numpy
    return numpy.ndarray


# -- libraries ---------------------------------------------------------------------------

# Functions of these packages are primitives (with a rule) or not differentiable here;
# their Python source is an implementation detail, never inlined.
LIBRARIES = {"numpy", "scipy", "math", "pandas", "jax", "torch", "autograd", "s2s_ad"}


def is_library(obj):
    """True for NumPy & co. and the standard library: their modules, functions and
    objects. A Python function is judged by where its code is, not by `__module__`,
    which functools.wraps copies from the function a user's wrapper wraps."""
    import sys
    if isinstance(obj, types.ModuleType):
        path = getattr(obj, "__file__", None)
        return obj.__name__.partition(".")[0] in LIBRARIES or path is None or _in_stdlib(path)
    if isinstance(obj, types.FunctionType):
        path = obj.__code__.co_filename
        if _in_stdlib(path):
            return True
        for top in LIBRARIES:
            module = sys.modules.get(top)
            root = getattr(module, "__file__", None)
            if root and path.startswith(root.rpartition("/")[0] + "/"):
                return True
        return False
    module = getattr(type(obj), "__module__", None) or ""
    return module.partition(".")[0] in LIBRARIES


def _in_stdlib(path):
    stdlib = sysconfig.get_paths()["stdlib"]
    return path.startswith(stdlib) and "site-packages" not in path
