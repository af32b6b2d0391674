"""Algebraic clean-up of generated expressions, so adjoints read like hand-written ones.

Only rewrites that are exact in floating point: multiplying by 1, double negation,
`a + (-b) -> a - b`, and arithmetic between two literals (Python would compute the
same IEEE result at run time).
"""
import ast
import dataclasses


def simplify(node):
    """Return a simplified copy-free rewrite of an expression AST (bottom-up)."""
    if isinstance(node, ast.BinOp):
        node.left = simplify(node.left)
        node.right = simplify(node.right)
        return _binop(node)
    if isinstance(node, ast.UnaryOp):
        node.operand = simplify(node.operand)
        return _unary(node)
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            setattr(node, name, simplify(value))
        elif isinstance(value, list):
            setattr(node, name, [simplify(v) if isinstance(v, ast.expr) else v for v in value])
    return node


def number(node):
    """The value of a numeric literal (including -1.0 written as a unary minus), or None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float)):
        return -node.operand.value
    return None


def constant(value):
    """A literal for `value`; negative numbers as `-c` so every printer agrees."""
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def negate(node):
    value = number(node)
    if value is not None:
        return constant(-value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    return ast.UnaryOp(ast.USub(), node)


_FOLDABLE = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
             ast.Mult: lambda a, b: a * b}


def _binop(node):
    left, right, op = node.left, node.right, node.op
    lv, rv = number(left), number(right)
    if lv is not None and rv is not None and type(op) in _FOLDABLE:
        if type(lv) is type(rv):       # int with int, float with float: same result
            return constant(_FOLDABLE[type(op)](lv, rv))
    if isinstance(op, ast.Div) and type(lv) is float and type(rv) is float and rv != 0:
        return constant(lv / rv)
    if isinstance(op, ast.Mult):
        if lv == 1 and type(lv) is float and _is_float_valued(right):
            return right
        if rv == 1 and type(rv) is float and _is_float_valued(left):
            return left
        if lv == 1 and type(lv) is int:
            return right
        if rv == 1 and type(rv) is int:
            return left
        if lv == -1:
            return negate(right)
        if rv == -1:
            return negate(left)
        if _is_neg(left):                      # (-a) * b -> -(a * b)
            return negate(_binop(ast.BinOp(left.operand, op, right)))
    if isinstance(op, ast.Div):
        if rv == 1:
            return left
        if _is_neg(left):                      # (-a) / b -> -(a / b)
            return negate(_binop(ast.BinOp(left.operand, op, right)))
    if isinstance(op, ast.MatMult):            # (-a) @ b -> -(a @ b)
        if _is_neg(left):
            return negate(_binop(ast.BinOp(left.operand, op, right)))
        if _is_neg(right):
            return negate(_binop(ast.BinOp(left, op, right.operand)))
    if isinstance(op, ast.Pow) and rv == 1 and type(rv) is int:
        return left
    if isinstance(op, ast.Add):
        if _is_neg(right):
            return ast.BinOp(left, ast.Sub(), negate(right))
        if _is_neg(left):
            return ast.BinOp(right, ast.Sub(), negate(left))
    if isinstance(op, ast.Sub) and _is_neg(right):
        return ast.BinOp(left, ast.Add(), negate(right))
    return node


def _unary(node):
    if isinstance(node.op, ast.USub):
        return negate(node.operand)
    if isinstance(node.op, ast.UAdd):
        return node.operand
    return node


def _is_neg(node):
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def _is_float_valued(node):
    """Dropping `1.0 *` must not turn a float result into an int: keep it unless the
    other side is clearly not a bare integer literal."""
    return not (isinstance(node, ast.Constant) and type(node.value) is int)


def eliminate_common_subexpressions(trace):
    """A copy of `trace` in which a temporary that recomputes an earlier value (the same
    primitive on the same operands, as in `3 * w1 / w2` written twice) reuses it. The
    primitives are pure, so the shared value is bit for bit what the user's code gets."""
    seen, renames, body = {}, {}, []
    for stmt in trace.body:
        stmt = dataclasses.replace(stmt)
        stmt.rename_operands(renames)
        key = ast.dump(stmt.forward_expr())
        if key in seen and stmt.target in trace.temps:
            renames[stmt.target] = seen[key]
            continue
        seen.setdefault(key, stmt.target)
        body.append(stmt)
    result = _renamed(trace.result, renames)
    # Renumber the surviving temporaries z1, z2, ... without gaps.
    renumber = {}
    survivors = [s.target for s in body if s.target in trace.temps]
    for i, old in enumerate(survivors, 1):
        new = f"z{i}"
        if old != new and old.startswith("z") and new in trace.temps:
            renumber[old] = new
    for stmt in body:
        stmt.rename_operands(renumber)
        stmt.target = renumber.get(stmt.target, stmt.target)
    return dataclasses.replace(trace, body=body, result=_renamed(result, renumber))


def _renamed(operand, renames):
    if isinstance(operand, ast.Name) and operand.id in renames:
        return ast.Name(renames[operand.id], ast.Load())
    return operand


def inline_single_use(statements, returns, inlinable):
    """Fold `t = expr` into the one later statement that reads `t`, for the names in
    `inlinable` (temporaries). The operations and their order are unchanged (every
    statement is pure), but the intermediate array dies as soon as it is consumed
    instead of living until the function returns: generated code then holds about as
    much memory as hand-written code, which keeps allocation cheap."""
    uses = {}
    for _, stmt in statements:
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Name):
                uses[node.id] = uses.get(node.id, 0) + 1
    for node in ast.walk(returns):
        if isinstance(node, ast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
    pending = {}                 # name -> expression waiting to be substituted
    kept = []
    for note, stmt in statements:
        stmt.value = _Substitute(pending).visit(stmt.value)
        target = stmt.targets[0].id
        if target in inlinable and uses.get(target) == 1:
            pending[target] = stmt.value
            continue
        kept.append((note, stmt))
    returns = _Substitute(pending).visit(returns)
    return kept, returns


class _Substitute(ast.NodeTransformer):
    def __init__(self, pending):
        self.pending = pending

    def visit_Name(self, node):
        return self.pending.pop(node.id, node)
