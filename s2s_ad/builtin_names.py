"""Builtins that generated code calls, kept safe from the user's module.

Generated code calls `range`, `reversed`, `len`, `float`, `slice`, `sum`, ... by name,
and it runs in the user's module namespace, so a module that defines its own `reversed`
or `range` would change what the reverse sweep calls. Where the namespace rebinds one
of these names, s2s_ad's own uses are renamed to a private alias bound to the builtin;
the user's own spelling (a call they wrote, which the lowering resolved to their object)
keeps its name.
"""
import ast
import builtins

from . import ir
from .walk import all_nodes

CALLED = ("range", "reversed", "len", "float", "int", "slice", "sum", "min", "max", "abs",
          "zip", "enumerate", "list", "tuple")


def protect(statements, namespace, names, trace):
    """Rename s2s_ad's uses of shadowed builtins in `statements` (in place) and bind the
    aliases in `namespace`."""
    shadowed = [b for b in CALLED
                if b in namespace and namespace[b] is not getattr(builtins, b)]
    if not shadowed:
        return
    aliases = {b: names.fresh(f"builtin_{b}") for b in shadowed}
    users = _user_spelled(trace)
    for statement in statements:
        for node in all_nodes(statement):
            if isinstance(node, ast.Name) and node.id in aliases and id(node) not in users:
                node.id = aliases[node.id]
    for b, alias in aliases.items():
        namespace[alias] = getattr(builtins, b)


def _user_spelled(trace):
    """Name nodes the user wrote (parsed from their source: they carry a line number),
    which the forward sweep reuses as they are."""
    out = set()
    for item in ir.walk_items(trace.body):
        if not isinstance(item, ir.Stmt):
            continue
        parts = [item.callee] + list(item.call_args) + [v for _, v in item.call_keywords]
        for part in parts:
            if part is None:
                continue
            out.update(id(n) for n in all_nodes(part)
                       if isinstance(n, ast.Name) and hasattr(n, "lineno"))
    return out
