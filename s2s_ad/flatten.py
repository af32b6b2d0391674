"""Keep every generated expression shallow: a subexpression nested `LIMIT` levels deep
is computed into a temporary by a statement of its own just before.

Deep expressions arise from long programs, not from any one rule: the adjoint of a name
read 10,000 times is a 10,000-term sum, and folding single-use temporaries in a loop
body turns `a + b + c + ...` back into one expression. Python's own `compile()` refuses
an expression nested a few thousand levels deep (RecursionError), and the printers
recurse once per level, so generated code must not contain one. Splitting a left-deep
sum into `t = a + b + ... ; x = t + ...` evaluates the same operations in the same
order (the operations are pure), so the value is bit for bit the same.
"""
import ast

from .walk import children


LIMIT = 50          # levels; far below compile()'s limit, far above hand-written code

# Nodes whose parts Python may not evaluate (short-circuit, branches): never hoisted out of.
_BARRIERS = (ast.BoolOp, ast.IfExp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
             ast.GeneratorExp)
# Nodes that can stand on the right of `t = ...` and be replaced by a name.
_HOISTABLE = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare, ast.Attribute, ast.Subscript)


def flatten_deep_expressions(statements, fresh, shallow=None):
    """Rewrite `statements` (nested blocks included) in place; `fresh(base)` gives a new
    name for each temporary. `shallow` ({id: statement}): statements known to nest less
    than LIMIT levels (they have too few nodes), left as they are without a look."""
    out = []
    for s in statements:
        if shallow and shallow.get(id(s)) is s:
            out.append(s)
            continue
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                flatten_deep_expressions(inner, fresh)
        value = getattr(s, "value", None)
        if isinstance(s, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)) \
                and isinstance(value, ast.expr) and _deep(value):
            hoisted = []
            s.value = _hoist(value, fresh, hoisted)
            out.extend(hoisted)
        out.append(s)
    statements[:] = out
    return statements


def _deep(node):
    """Does `node` nest LIMIT levels or more (walk.depth(node) >= LIMIT)? Level by
    level, stopping at LIMIT: most expressions end after a few levels, and no tuple is
    made per node."""
    level, d = [node], 1
    while level:
        if d >= LIMIT:
            return True
        level, d = [c for n in level for c in children(n)], d + 1
    return False


def _hoist(root, fresh, hoisted):
    """Post-order over `root` with an explicit stack, computing each node's height; a
    node that reaches LIMIT is assigned to a temporary (appended to `hoisted`, in
    evaluation order) and replaced by its name. Returns the new root."""
    height = {}
    stack = [(root, None, None, False)]
    while stack:
        node, parent, field, expanded = stack.pop()
        if not expanded:
            stack.append((node, parent, field, True))
            if not isinstance(node, _BARRIERS):
                for name, value in reversed(list(ast.iter_fields(node))):
                    if isinstance(value, ast.AST):
                        stack.append((value, node, (name, None), False))
                    elif isinstance(value, list):
                        for k in reversed(range(len(value))):
                            if isinstance(value[k], ast.AST):
                                stack.append((value[k], node, (name, k), False))
            continue
        children = [height.get(id(c), 1) for c in ast.iter_child_nodes(node)] \
            if not isinstance(node, _BARRIERS) else []
        h = 1 + max(children, default=0)
        if h >= LIMIT and isinstance(node, _HOISTABLE) and node is not root \
                and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            name = fresh("t")
            hoisted.append(ast.Assign([ast.Name(name, ast.Store())], node, lineno=0))
            _replace(parent, field, ast.Name(name, ast.Load()))
            h = 1
        height[id(node)] = h
    return root


def _replace(parent, field, new):
    name, index = field
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new
