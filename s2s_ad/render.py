"""Print generated statements, nested blocks included, with their source-line notes as
comments (one comment per run of statements from the same line, at every depth)."""
import ast

from .emit import to_source
from .forward import NOTE


def render_function(header, sections, returns):
    """The text of a function: `header` a FunctionDef (body ignored), `sections` a list
    of (comment, [statement]), `returns` the final statement."""
    from .emit import function_source
    stub = function_source(header, [], ast.Pass())
    lines = stub.rstrip().splitlines()[:-1]          # drop the placeholder 'pass'
    for comment, statements in sections:
        if not statements:
            continue
        if comment:
            lines.append(f"    # {comment}")
        lines += render_block(statements, 1)
    lines.append("    " + to_source(returns).strip())
    return "\n".join(lines) + "\n"


def render_block(statements, depth):
    pad = "    " * depth
    lines, last_note = [], None
    for statement in statements:
        note = getattr(statement, NOTE, None)
        if note and note != last_note:
            lines.append(f"{pad}# {note}")
        last_note = note
        if isinstance(statement, ast.If):
            lines += _if(statement, depth)
        elif isinstance(statement, ast.For):
            lines.append(f"{pad}for {_expr(statement.target)} in {_expr(statement.iter)}:")
            lines += render_block(statement.body, depth + 1)
        elif isinstance(statement, ast.While):
            lines.append(f"{pad}while {_expr(statement.test)}:")
            lines += render_block(statement.body, depth + 1)
        else:
            for line in to_source(statement).rstrip().splitlines():
                lines.append(pad + line)
    return lines


def _if(statement, depth, keyword="if"):
    pad = "    " * depth
    lines = [f"{pad}{keyword} {_expr(statement.test)}:"]
    lines += render_block(statement.body or [ast.Pass()], depth + 1)
    orelse = statement.orelse
    if len(orelse) == 1 and isinstance(orelse[0], ast.If) and not getattr(orelse[0], NOTE, None):
        lines += _if(orelse[0], depth, "elif")
    elif orelse:
        lines.append(f"{pad}else:")
        lines += render_block(orelse, depth + 1)
    return lines


def _expr(node):
    text = to_source(ast.Expr(node)).strip()
    if text.startswith("(") and text.endswith(")") and isinstance(node, ast.Tuple):
        text = text[1:-1]
    return text
