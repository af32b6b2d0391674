"""Read a function's source, parse it, and check it against the supported subset.

The result is a `ParsedFunction`: the `ast.FunctionDef` with line and column numbers
that match the user's file, plus the namespace its free names resolve in.
"""
import ast
import builtins
import inspect
import linecache
import textwrap
from dataclasses import dataclass

from .errors import TranslationError


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
    node: ast.FunctionDef       # its definition, decorators stripped
    filename: str
    namespace: dict             # globals, then closure cells on top

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
    """Parse `fun` into a ParsedFunction, or raise a located TranslationError."""
    if not inspect.isfunction(fun):
        raise TypeError(f"s2s_ad differentiates Python functions, not {type(fun).__name__}")
    if fun.__name__ == "<lambda>":
        raise TypeError("s2s_ad needs a function written with `def`; a lambda has no "
                        "source of its own to transform")
    try:
        lines, first_line = inspect.getsourcelines(fun)
        filename = inspect.getsourcefile(fun) or fun.__code__.co_filename
    except (OSError, TypeError) as exc:
        raise TypeError(f"cannot read the source of {fun.__qualname__}: {exc}. s2s_ad "
                        "needs functions defined in a file (not typed at the REPL)") from None
    source = "".join(lines)
    dedented = textwrap.dedent(source)
    indent = _indent_width(lines[0]) - _indent_width(dedented.splitlines()[0])
    tree = ast.parse(dedented)
    ast.increment_lineno(tree, first_line - 1)
    if indent:
        for node in ast.walk(tree):
            if hasattr(node, "col_offset"):
                node.col_offset += indent
                if getattr(node, "end_col_offset", None) is not None:
                    node.end_col_offset += indent
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"cannot find the `def` of {fun.__qualname__}")
    node.decorator_list = []

    namespace = dict(fun.__globals__)
    if fun.__closure__:
        for name, cell in zip(fun.__code__.co_freevars, fun.__closure__):
            try:
                namespace[name] = cell.cell_contents
            except ValueError:      # a closure cell not filled yet
                pass
    parsed = ParsedFunction(fun, node, filename, namespace)
    SubsetChecker(parsed).check()
    return parsed


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


class SubsetChecker:
    """Rejects syntax outside the subset, before any lowering happens."""

    def __init__(self, parsed):
        self.parsed = parsed

    def check(self):
        fn = self.parsed.node
        args = fn.args
        for bad, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
            if bad is not None:
                raise self.parsed.error(f"{what} parameters are not supported; "
                                        "list the parameters explicitly", bad)
        if args.kwonlyargs:
            raise self.parsed.error("keyword-only parameters are not supported; "
                                    "make them positional", args.kwonlyargs[0])
        # Depth first, in source order, with an explicit stack: a sum of a thousand
        # terms is a tree a thousand deep.
        stack = list(reversed(fn.body))
        while stack:
            node = stack.pop()
            self.check_node(node)
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def check_node(self, node):
        if isinstance(node, ast.FunctionDef):
            raise self.parsed.error("nested function definitions inside a differentiated "
                                    "function are not supported; define the helper outside",
                                    node)
        hint = _UNSUPPORTED.get(type(node))
        if hint is not None:
            raise self.parsed.error(hint, node)
