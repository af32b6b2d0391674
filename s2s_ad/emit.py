"""Generated AST -> source text -> a live Python function.

The source is printed with astor (behind `to_source`, the one place that knows the
printer) and compiled under a filename that `linecache` knows, so tracebacks and pdb
show the generated lines.
"""
import ast
import builtins
import itertools
import linecache
import warnings

_counter = itertools.count(1)


def to_source(node):
    """Print an AST as Python source. astor is the printer; on Pythons where it fails
    (it predates ast.Constant-only trees) the standard library's unparser takes over."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import astor
            text = astor.to_source(node, pretty_source="".join)  # no line wrapping
    except Exception:           # any astor failure: the stdlib printer is always right
        text = ast.unparse(node) + "\n"
    return text


def statements_source(statements):
    """Print simple statements, one per line, in one call of the printer (a call per
    statement costs about as much again as the printing itself). Where astor fails on
    the run, each statement is printed by `to_source` as it would be alone."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import astor
            return astor.to_source(ast.Module(statements, []), pretty_source="".join)
    except Exception:
        return "".join(to_source(s) for s in statements)


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
