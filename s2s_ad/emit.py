"""Generated AST -> source text -> a live Python function.

The source is printed with astor, or ast.unparse where astor is missing or fails
(behind `to_source`, the one place that knows the printer) and compiled under a filename that `linecache` knows, so tracebacks and pdb
show the generated lines.
"""
import ast
import builtins
import itertools
import linecache
import os
import warnings

_counter = itertools.count(1)


def to_source(node):
    """Print an AST as Python source. astor is the printer where it works; where it is
    missing, fails or warns (it predates ast.Constant-only trees; S2S_AD_PRINTER=unparse
    forces this) the standard library's unparser prints it. Both give the same code:
    tests compare their trees."""
    ast.fix_missing_locations(node)
    astor = _astor()
    if astor is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                return astor.to_source(node, pretty_source="".join)  # no line wrapping
        except Exception:       # any astor failure or warning: the stdlib printer
            pass
    return ast.unparse(node) + "\n"


_ASTOR = []         # [the astor module or None], decided at the first print


def _astor():
    if not _ASTOR:
        module = None
        if os.environ.get("S2S_AD_PRINTER", "") != "unparse":
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    import astor as module
            except Exception:               # missing, or warns on this Python
                module = None
        _ASTOR.append(module)
    return _ASTOR[0]


def printer():
    """Which printer produces the generated source: 'astor' or 'ast.unparse'."""
    return "astor" if _astor() is not None else "ast.unparse"


def statements_source(statements):
    """Print simple statements, one per line, in one call of the printer (a call per
    statement costs about as much again as the printing itself). With astor, the usual
    ones (assignments of arithmetic and calls) are printed by fast_print, which writes
    astor's text several times faster, and astor prints the rest. Where astor is not
    the printer or fails on the run, each statement is printed by `to_source` alone."""
    astor = _astor()
    if astor is not None:
        lines, rest = _fast_lines(statements)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                printed = astor.to_source(ast.Module(rest, []), pretty_source="".join) \
                    if rest else ""
        except Exception:
            return "".join(to_source(s) for s in statements)
        if not rest:
            return "".join(line + "\n" for line in lines)
        printed = printed.rstrip("\n").split("\n")
        if len(printed) != len(rest):
            return "".join(to_source(s) for s in statements)
        printed.reverse()
        return "".join((printed.pop() if line is None else line) + "\n" for line in lines)
    return "".join(to_source(s) for s in statements)


def _fast_lines(statements):
    """([each statement's line from fast_print, or None], [the statements it left])."""
    from . import fast_print        # (it reads astor's tables: imported when astor is)
    lines, rest = [], []
    checking = os.environ.get("S2S_AD_PRINT_CHECK", "") not in ("", "0")
    for s in statements:
        try:
            line = fast_print.line(s)
        except fast_print.Unprintable:
            lines.append(None)
            rest.append(s)
            continue
        if checking:
            expected = to_source(s).rstrip("\n")
            if expected != line:
                raise AssertionError(f"fast_print wrote {line!r} where astor writes "
                                     f"{expected!r}")
        lines.append(line)
    return lines, rest


def function_header(name, args):
    """The `def name(args):` line, printed by the same printer as the body."""
    stub = ast.FunctionDef(name, args, [ast.Pass()], [], None, None, **_type_params())
    return to_source(stub).rstrip().splitlines()[:-1]      # drop the placeholder 'pass'


def _type_params():
    import sys
    return {"type_params": []} if sys.version_info >= (3, 12) else {}


def compile_function(source, name, namespace, origin):
    """Compile `source` (one def of `name`) and return the function object. The text is
    registered with linecache under a unique filename naming where it came from."""
    filename = f"<s2s_ad {name} #{next(_counter)} from {origin}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    code = compile(source, filename, "exec")
    scope = dict(namespace)
    scope.setdefault("__builtins__", builtins)
    exec(code, scope)
    return scope[name]
