"""Reading the `def` of a function: the syntax tree of its source, with the line and
column numbers of the user's file (messages, notes and tracebacks point there).

The file's tree is parsed once per file (while linecache keeps its lines) to find the
def by its first line and name; the def is then parsed again from its own lines, which
is faster than copying it. Where that is not possible, the def's lines are read as
inspect reads them, dedented, parsed and moved to the file's positions.
"""
import ast
import collections
import inspect
import linecache
import textwrap

from .errors import UsageTypeError
from .lambdas import read_lambda
from .walk import all_nodes


def read_def(fun):
    """The `def` of `fun`, with the line and column numbers of the user's file."""
    code = fun.__code__
    if code.co_name == "<lambda>":
        return read_lambda(fun)
    found = _def_in_module_source(code, fun.__globals__)
    if found is not None:
        return found
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
    _shift_positions(tree, first_line - 1, indent)
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != code.co_name:
        raise UsageTypeError(f"cannot find the `def` of {fun.__qualname__} in "
                             f"{filename}:{first_line}")
    return node, filename


def _def_in_module_source(code, module_globals):
    """(a fresh tree of the `def` of `code`, its filename), found in the syntax tree of
    the whole file it came from, or None (then _read_def reads the lines of the def
    alone, as inspect does). The file is parsed once while linecache keeps its lines:
    parsing a whole file costs less than tokenizing one long def, and the positions are
    the file's own. What is kept is where each def is; the first def read from a new
    parse is that tree's own node (no one else holds it), later ones are parsed again
    from their lines."""
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        return None
    key = (code.co_firstlineno, code.co_name)
    cached = _MODULE_DEFS.get(filename)
    if cached is not None and cached[0] is lines:
        where = cached[1].get(key)
        if where is None:
            return None
        fresh = _parse_again(lines, code.co_firstlineno, where)
        if fresh is not None:
            return fresh, filename
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    defs = _defs(tree.body)
    _MODULE_DEFS[filename] = (lines, {k: _Where(type(n), n.name, n.lineno, n.col_offset,
                                                n.end_lineno) for k, n in defs.items()})
    node = defs.get(key)
    return None if node is None else (node, filename)


# Where a def is in its file, all _parse_again needs to find it again.
_Where = collections.namedtuple("_Where", "type name lineno col_offset end_lineno")


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _defs(statements):
    """{(first line, decorators included, name): def node} for every def among
    `statements` and the blocks nested in them, the first of each key kept. Only
    statements are visited: a def is never inside an expression."""
    defs, stack = {}, list(reversed(statements))
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFS):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            defs.setdefault((first, node.name), node)
        for field in _BLOCKS:
            inner = getattr(node, field, None)
            if type(inner) is list:
                stack.extend(reversed(inner))
    return defs


def _parse_again(lines, first, where):
    """A fresh tree of the def `where` names (which starts at line `first`, decorators
    included), parsed from its own lines with the file's line and column numbers kept:
    blank lines before it, and an enclosing `class` line where it is indented. None if
    that fails."""
    segment = lines[first - 1:where.end_lineno]
    indent = len(segment[0]) - len(segment[0].lstrip())
    try:
        if indent == 0:
            fresh = ast.parse("\n" * (first - 1) + "".join(segment)).body[0]
        elif first >= 2:
            text = "\n" * (first - 2) + "class _:\n" + "".join(segment)
            fresh = ast.parse(text).body[0].body[0]
        else:
            return None
    except (SyntaxError, ValueError, IndexError, AttributeError):
        return None
    same = type(fresh) is where.type and fresh.name == where.name \
        and fresh.lineno == where.lineno and fresh.col_offset == where.col_offset
    return fresh if same else None


_MODULE_DEFS = {}       # filename -> (linecache's lines, {(first line, name): _Where})


def _shift_positions(tree, lines, columns):
    """Move every node's position down `lines` and right `columns`, in one walk (what
    ast.increment_lineno does for lines, plus the indentation textwrap.dedent removed)."""
    for node in all_nodes(tree):
        if "lineno" not in node._attributes:
            continue
        node.lineno += lines
        if getattr(node, "end_lineno", None) is not None:
            node.end_lineno += lines
        node.col_offset += columns
        if getattr(node, "end_col_offset", None) is not None:
            node.end_col_offset += columns


def _indent_width(line):
    return len(line) - len(line.lstrip())
