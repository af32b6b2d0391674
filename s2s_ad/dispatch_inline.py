"""The first signature's gradient written into the dispatcher itself, when it is short
straight-line code (the lecture's f: two statements): a call of a small gradient
costs about as much as the gradient, and the dispatcher's fast path (api.py) calls it
on every call. The body runs exactly as in its own function: the names it reads from
its globals are bound to the same objects in the dispatcher's globals, its locals are
the same parameters and generated names (none begins with the dispatcher's private
prefix, which is checked). Loops and branches are never inlined (their cost dwarfs a
call), nor bodies of more than a few statements. `S2S_AD_OPTIMISE=0` turns this off.

One change to the text: adjoints assigned just before the return and read only there
are returned directly (`x1_bar = e1; x2_bar = e2; return x1_bar, x2_bar` becomes
`return e1, e2`). The expressions run in the same order on the same values; a local
stored and read back costs about 10 ns of a 150 ns call, and the gradient's own
source (`.source`) keeps the names.
"""
import ast
import linecache

from .walk import name_nodes

MAX_STATEMENTS = 12


def inlined_lines(function, scope, prefix, dispatcher_name, params, indent):
    """The source lines (indented by `indent` spaces) that do what `return F(*params)`
    does for the generated `function`, after binding its globals in `scope`; or None."""
    code = getattr(function, "__code__", None)
    if code is None or not code.co_filename.startswith("<s2s_ad "):
        return None     # a wrapper (api._keep_scalar_types, a tree's dispatch), not the code
    lines = linecache.getlines(code.co_filename)
    if not lines or len(lines) > 20 * MAX_STATEMENTS + 20:
        return None     # far longer than any body it inlines: not worth parsing (a
        #                 10,000-line gradient took a second to parse here)
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    definition = tree.body[0]
    args = definition.args
    if [a.arg for a in args.posonlyargs + args.args] != list(params) or args.vararg or \
            args.kwarg or args.kwonlyargs:
        return None
    body = definition.body
    if not body or len(body) > MAX_STATEMENTS or not isinstance(body[-1], ast.Return):
        return None
    if not all(isinstance(s, (ast.Assign, ast.Expr)) for s in body[:-1]):
        return None
    names = {n.id for s in body for n in name_nodes(s)}
    if any(n.startswith(prefix) for n in names) or dispatcher_name in names:
        return None
    stored = {n.id for s in body for n in name_nodes(s) if isinstance(n.ctx, ast.Store)}
    free = names - stored - set(params)
    glob = function.__globals__
    if any(n.startswith(prefix) for n in glob):
        return None
    bindings = {n: glob[n] for n in free if n in glob}
    # __builtins__ is a dict in an imported module's globals, the module itself in
    # __main__'s (a script's functions)
    known = glob.get("__builtins__", {})
    known = known if isinstance(known, dict) else vars(known)
    if any(n not in glob and n not in known for n in free):
        return None
    scope.update(bindings)
    # The text between the header and the end: the generated code's own lines, comments
    # included, so the dispatcher's source reads like the gradient's.
    start = definition.lineno                   # the line after `def ...(`
    while start < body[0].lineno - 1 and not lines[start].lstrip().startswith("#"):
        start += 1                              # a signature on several lines
    text = lines[start:]
    direct = _direct_return(body, "".join(lines))
    if direct is not None:
        first_line, statement = direct
        comments = [line for line in lines[first_line - 1:] if line.lstrip().startswith("#")]
        text = lines[start:first_line - 1] + comments + [f"    {statement}\n"]
    pad = " " * indent
    out = []
    for line in text:
        stripped = line.rstrip("\n")
        if not stripped.strip():
            continue
        if not stripped.startswith("    "):
            return None
        out.append(pad + stripped[4:])
    return out


def _direct_return(body, source):
    """(line of the first statement replaced, the `return` written with the values
    themselves) when the statements before the return assign, in the order the return
    reads them, names read nowhere else; or None."""
    returned = body[-1].value
    leaves = _returned_names(returned)
    if not leaves:
        return None
    counts = {}
    for statement in body:
        for node in name_nodes(statement):
            counts[node.id] = counts.get(node.id, 0) + 1
    tail = []
    for statement in reversed(body[:-1]):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            break
        name = statement.targets[0].id
        if name not in leaves or counts[name] != 2 or leaves.count(name) != 1:
            break
        tail.insert(0, statement)
    if not tail:
        return None
    values = {s.targets[0].id: ast.get_source_segment(source, s.value) for s in tail}
    if any(v is None or "\n" in v for v in values.values()):
        return None
    if [n for n in leaves if n in values] != [s.targets[0].id for s in tail]:
        return None         # another order would change which value is computed first

    def written(node, top):
        if isinstance(node, ast.Name):
            return values.get(node.id, node.id)
        parts = [written(e, False) for e in node.elts]
        inner = ", ".join(parts) + ("," if len(parts) == 1 else "")
        return inner if top else f"({inner})"
    return tail[0].lineno, f"return {written(returned, True)}"


def _returned_names(value):
    """The names a return of names and tuples of names reads, left to right; [] for
    any other expression."""
    if isinstance(value, ast.Name):
        return [value.id]
    if isinstance(value, ast.Tuple) and value.elts:
        names = [_returned_names(e) for e in value.elts]
        return [] if not all(names) else [n for part in names for n in part]
    return []
