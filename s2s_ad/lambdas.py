"""Finding a lambda's source: `grad(lambda x: x ** 2)`.

A lambda has no name to look up, and several may share a line
(`f, g = lambda x: x * 2, lambda x: x + 1`). Python 3.11+ records, for each
instruction of a code object, the line and column span of the source it came from
(`co_positions`). The lambda whose body spans every instruction of `fun`'s code (the
smallest such, for lambdas inside lambdas) with the same parameter names is the one.
It is returned as the equivalent `def lambda_(x): return <body>`, with the user's
line and column numbers, so everything downstream treats it as any function.
"""
import ast
import inspect
import linecache

from .errors import UsageTypeError
from .walk import all_nodes

NAME = "lambda_"        # the name of the `def` a lambda becomes (an identifier)


def read_lambda(fun):
    code = fun.__code__
    filename = inspect.getsourcefile(code) or code.co_filename
    lines = linecache.getlines(filename, fun.__globals__)
    if not lines:
        raise UsageTypeError(f"cannot read the source of the lambda defined at "
                             f"{code.co_filename}:{code.co_firstlineno}. s2s_ad needs "
                             "functions defined in a file (not typed at the REPL)")
    source = "".join(lines)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise UsageTypeError(f"cannot parse {filename} to find the lambda at line "
                             f"{code.co_firstlineno}: {exc}") from None
    node = find_lambda(tree, code)
    if node is None:
        raise UsageTypeError(f"cannot find the lambda of {filename}:{code.co_firstlineno} "
                             "in its source (was the file changed since it was loaded?); "
                             "write it with `def` instead")
    return as_def(node), filename


def find_lambda(tree, code):
    """The ast.Lambda in `tree` that compiled to `code`, or None."""
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    spans = [(l0, c0, l1, c1) for l0, l1, c0, c1 in code.co_positions()
             if None not in (l0, l1, c0, c1) and (l0, c0) != (l1, c1)]
    best = None
    for node in all_nodes(tree):
        if not isinstance(node, ast.Lambda) or node.lineno != code.co_firstlineno:
            continue
        a = node.args
        names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
        if names != params:
            continue
        body = node.body
        start = (body.lineno, body.col_offset)
        end = (body.end_lineno, body.end_col_offset)
        if all(start <= (l0, c0) and (l1, c1) <= end for l0, c0, l1, c1 in spans):
            size = (end[0] - start[0], end[1] - start[1])
            if best is None or size < best[0]:
                best = (size, node)
    return best[1] if best else None


def as_def(node, name=NAME):
    """`lambda args: body` as `def name(args): return body`, at the lambda's place."""
    ret = ast.copy_location(ast.Return(node.body), node.body)
    ret.end_lineno, ret.end_col_offset = node.body.end_lineno, node.body.end_col_offset
    fn = ast.FunctionDef(name, node.args, [ret], [], None, None)
    if "type_params" in ast.FunctionDef._fields:        # Python 3.12+
        fn.type_params = []
    return ast.copy_location(fn, node)
