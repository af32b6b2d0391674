"""Print generated statements, nested blocks included, with their source-line notes as
comments (one comment per run of statements from the same line, at every depth)."""
import ast

from .emit import function_header, statements_source, to_source
from .forward import NOTE
from .source_text import Source
from .walk import all_nodes


def render_function(header, sections, returns):
    """The text of a function (a `Source`: a str that notebooks highlight): `header`
    a FunctionDef (body ignored), `sections` a list of (comment, [statement]),
    `returns` the final statement."""
    lines = function_header(header.name, header.args)
    simple = []
    for _, statements in sections:
        _simple_statements(statements, simple)
    printed = _print_all(simple)
    for comment, statements in sections:
        if not statements:
            continue
        if comment:
            lines.append(f"    # {comment}")
        lines += render_block(statements, 1, printed=printed)
    lines.append("    " + _return(returns))
    return Source("\n".join(lines) + "\n")


def _return(statement):
    """`return a, (b, c)`: a returned tuple without the parentheses ast.unparse adds,
    so that both printers give the same line."""
    value = getattr(statement, "value", None)
    if isinstance(statement, ast.Return) and isinstance(value, ast.Tuple) and value.elts \
            and not any(isinstance(e, ast.Starred) for e in all_nodes(value)):
        return "return " + _items(value)
    return to_source(statement).strip()


def _items(tuple_node):
    """`a, (b, c)`: the elements of a tuple, nested tuples parenthesised, printed the
    same way by astor (which drops inner parentheses) and ast.unparse (which adds
    outer ones)."""
    parts = [f"({_items(e)})" if isinstance(e, ast.Tuple) and e.elts
             else to_source(ast.Expr(e)).strip() for e in tuple_node.elts]
    return ", ".join(parts) + ("," if len(parts) == 1 else "")


# A statement may carry its own text in this attribute (one or more lines, unindented):
# the probe's guards, thousands of identical ifs that astor would print one by one.
PRINTED = "_s2s_printed"


def _compound(statement):
    return isinstance(statement, (ast.If, ast.For, ast.While)) \
        and getattr(statement, PRINTED, None) is None


def _simple_statements(statements, out):
    """Append the simple statements of `statements`, nested blocks included, to `out`
    in the order they are printed."""
    for s in statements:
        if not _compound(s):
            out.append(s)
            continue
        _simple_statements(s.body or [], out)
        _simple_statements(s.orelse or [], out)


def _print_all(statements):
    """{id(statement): its line} for simple statements, printed by one call of the
    printer (a call per run of statements between source-line notes cost more than
    the printing itself); None where the lines do not pair up with the statements
    (then each run is printed on its own)."""
    plain = [s for s in statements if getattr(s, PRINTED, None) is None]
    if not plain:
        return {}
    lines = statements_source(plain).rstrip("\n").split("\n")
    if len(lines) != len(plain):
        return None
    return {id(s): line for s, line in zip(plain, lines)}


def render_block(statements, depth, last_note=None, printed=None):
    pad = "    " * depth
    lines = []
    run = []            # simple statements waiting to be printed together
    for statement in statements:
        note = getattr(statement, NOTE, None)
        compound = _compound(statement)
        if run and (compound or note and note != last_note):
            lines += _simple_lines(run, pad, printed)
            run = []
        if note and note != last_note:
            lines.append(f"{pad}# {note}")
            last_note = note
        if not compound:
            run.append(statement)
        elif isinstance(statement, ast.If):
            lines += _if(statement, depth, note=last_note, printed=printed)
        elif isinstance(statement, ast.For):
            lines.append(f"{pad}for {_expr(statement.target)} in {_expr(statement.iter)}:")
            lines += render_block(statement.body, depth + 1, last_note, printed)
        elif isinstance(statement, ast.While):
            lines.append(f"{pad}while {_expr(statement.test)}:")
            lines += render_block(statement.body, depth + 1, last_note, printed)
    if run:
        lines += _simple_lines(run, pad, printed)
    return lines


def _simple_lines(statements, pad, printed=None):
    if printed is not None and all(id(s) in printed or getattr(s, PRINTED, None) is not None
                                   for s in statements):
        lines = []
        for s in statements:
            text = getattr(s, PRINTED, None)
            lines += [pad + t for t in text.splitlines()] if text is not None \
                else [pad + printed[id(s)]]
        return lines
    # Statements with their own text are printed as a placeholder name, then swapped.
    texts = {}
    for k, s in enumerate(statements):
        printed = getattr(s, PRINTED, None)
        if printed is not None:
            placeholder = f"_s2s_printed_{k}"
            texts[placeholder] = printed.splitlines()
            statements[k] = ast.Expr(ast.Name(placeholder, ast.Load()))
    text = statements_source(statements) if len(statements) > 1 else to_source(statements[0])
    lines = []
    for line in text.rstrip().splitlines():
        lines += [pad + t for t in texts[line]] if line in texts else [pad + line]
    return lines


def _if(statement, depth, keyword="if", note=None, printed=None):
    pad = "    " * depth
    body, orelse, test = statement.body, statement.orelse, statement.test
    if all(isinstance(s, ast.Pass) for s in body) and orelse:
        body, orelse, test = orelse, [], ast.UnaryOp(ast.Not(), test)
    lines = [f"{pad}{keyword} {_expr(test)}:"]
    lines += render_block(body or [ast.Pass()], depth + 1, note, printed)
    if (len(orelse) == 1 and isinstance(orelse[0], ast.If)
            and getattr(orelse[0], NOTE, None) in (None, note)):
        lines += _if(orelse[0], depth, "elif", note, printed)
    elif orelse:
        lines.append(f"{pad}else:")
        lines += render_block(orelse, depth + 1, note, printed)
    return lines


def _expr(node):
    text = to_source(ast.Expr(node)).strip()
    if text.startswith("(") and text.endswith(")") and isinstance(node, ast.Tuple):
        text = text[1:-1]
    return text
