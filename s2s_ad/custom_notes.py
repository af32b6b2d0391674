"""A comment on each generated line that calls a rule the user (or nested_grad.py)
supplied, naming that rule: `x_bar = clip_vjp_1(0, (x,), g)  # custom_vjp clip: clip_bwd`.
Both the helpers that rules call and the primitives with user rules are noted here
(`note`); a line keeps its own source text with the comment appended (render.PRINTED)."""
import ast

from .emit import to_source
from .render import PRINTED

_NOTES = {}         # key of the object (rules._key) -> (object, comment)


def note(obj, text):
    from .rules import _key
    _NOTES[_key(obj)] = (obj, text)


def note_of(obj):
    from .rules import _key
    try:
        entry = _NOTES.get(_key(obj))
    except TypeError:
        return None
    return entry[1] if entry is not None and entry[0] is obj else None


def annotate(statements, namespace):
    """Mark the simple statements, at any depth, that call a noted object."""
    if not _NOTES:
        return
    for statement in statements:
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            annotate(statement.body, namespace)
            annotate(statement.orelse, namespace)
            continue
        notes = [note_of(_resolve(n.func, namespace)) for n in ast.walk(statement)
                 if isinstance(n, ast.Call)]
        notes = list(dict.fromkeys(n for n in notes if n))
        # 'custom_jvp f' (the primitive) says less than 'custom_jvp f: f_jvp' (its rule)
        notes = [n for n in notes if not any(m != n and m.startswith(n) for m in notes)]
        if not notes or getattr(statement, PRINTED, None) is not None:
            continue
        text = to_source(statement).rstrip()
        if "\n" not in text:
            setattr(statement, PRINTED, f"{text}  # {'; '.join(notes)}")


def _resolve(node, namespace):
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, namespace)
        return getattr(base, node.attr, None) if base is not None else None
    return None
