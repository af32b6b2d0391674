"""Algebraic clean-up of generated expressions, so adjoints read like hand-written ones.

Only rewrites that are exact in floating point: multiplying by 1, double negation,
`a + (-b) -> a - b`, and arithmetic between two literals (Python would compute the
same IEEE result at run time).
"""
import ast

from .liveness import IMPURE
from .walk import loads, name_nodes


_RECURSE = 64      # levels simplified by plain recursion (fast); deeper: explicit stack


def simplify(node):
    """Return a simplified copy-free rewrite of an expression AST (bottom-up). Without
    recursion that grows with the expression: an adjoint summing thousands of terms is
    simplified with an explicit stack."""
    try:
        return _simplify_shallow(node, _RECURSE)
    except _TooDeep:
        return _simplify_deep(node)


class _TooDeep(Exception):
    pass


def _simplify_shallow(node, budget):
    # Rewrites are in place: a tree found too deep is started over on the explicit
    # stack, and simplifying an already simplified subtree again leaves it as it is.
    if budget == 0:
        raise _TooDeep
    kind = type(node)
    if kind is ast.Name or kind is ast.Constant:        # (most nodes: nothing to do)
        return node
    if kind is ast.BinOp:
        node.left = _simplify_shallow(node.left, budget - 1)
        node.right = _simplify_shallow(node.right, budget - 1)
        return _binop(node)
    if kind is ast.UnaryOp:
        node.operand = _simplify_shallow(node.operand, budget - 1)
        return _unary(node)
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.expr):
            setattr(node, name, _simplify_shallow(value, budget - 1))
        elif isinstance(value, list):
            setattr(node, name, [_simplify_shallow(v, budget - 1) if isinstance(v, ast.expr)
                                 else v for v in value])
    return node


def _simplify_deep(node):
    # Post-order with an explicit stack: a node is rewritten after all its children.
    stack = [(node, False)]
    done = {}                       # id(node) -> its rewrite
    while stack:
        current, expanded = stack.pop()
        if not expanded:
            stack.append((current, True))
            stack.extend((child, False) for child in _children(current))
            continue
        done[id(current)] = _rewrite(current, done)
    return done[id(node)]


def _children(node):
    for value in _field_values(node):
        if isinstance(value, ast.expr):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, ast.expr))


def _field_values(node):
    if isinstance(node, ast.BinOp):
        return (node.left, node.right)
    if isinstance(node, ast.UnaryOp):
        return (node.operand,)
    return [getattr(node, name, None) for name in node._fields]


def _rewrite(node, done):
    """`node` with its children replaced by their rewrites, then simplified itself."""
    if isinstance(node, ast.BinOp):
        node.left, node.right = done[id(node.left)], done[id(node.right)]
        return _binop(node)
    if isinstance(node, ast.UnaryOp):
        node.operand = done[id(node.operand)]
        return _unary(node)
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            setattr(node, name, done[id(value)])
        elif isinstance(value, list):
            setattr(node, name, [done[id(v)] if isinstance(v, ast.expr) else v for v in value])
    return node


# Set on an expression that simplify would leave as it is (contributions.py knows it
# for the templates it instantiates): a sum does not simplify it again.
SETTLED = "_s2s_settled"


def add_terms(total, terms):
    """simplify(total + t1 + t2 + ...) for a `total` that is simplified already (or
    None): each term is simplified once and only the new top node is folded, so a sum
    of n terms costs O(n), not O(n^2) (re-simplifying the growing left side)."""
    for term in terms:
        if not term.__dict__.get(SETTLED):
            term = simplify(term)
        total = term if total is None else _binop(ast.BinOp(total, ast.Add(), term))
    return total


def sum_of(terms):
    """The simplified sum of a non-empty list of terms, left to right, in O(n). A
    single term is returned as it is."""
    if len(terms) == 1:
        return terms[0]
    return add_terms(None, terms)


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
        if lv == 1 and type(lv) is int and not _is_boolean(right):
            return right
        if rv == 1 and type(rv) is int and not _is_boolean(left):
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
    """Dropping `1.0 *` must not turn a float result into an int or a boolean array:
    keep it before an integer literal and before a comparison or a logical operator."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return False
    return not _is_boolean(node)


def _is_boolean(node):
    """A comparison or a logical operation: its value is a bool (array)."""
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr,
                                                                ast.BitXor))


def fold_single_use_temporaries(statements, uses, temps, array_temps=(), aliases=None,
                                changed=None):
    """Write a temporary that is read exactly once, by a later assignment in the same
    block, into that assignment: `z2 = z1 * x; a = z2 - z3` becomes `a = z1 * x - z3`.
    Each operation still runs once, on the same operands (nothing they read is
    reassigned in between), so values are bit for bit the same. Inside loops this
    saves a store and a load per temporary; outside them only array temporaries
    (`array_temps`) are folded, so that an intermediate array dies as soon as it is
    consumed, as in hand-written code, instead of living until the function returns
    (which makes malloc return and refetch the memory on every call); scalar
    straight-line code keeps its readable three-address form. `uses` counts the reads
    of every name in the whole generated function. The ids of the statements a value
    was folded into are added to the set `changed`, if given."""
    _fold_blocks(statements, uses, temps, set(array_temps), in_loop=False,
                 aliases=aliases or {}, changed=set() if changed is None else changed)


def _fold_blocks(statements, uses, temps, array_temps, in_loop, aliases, changed):
    for s in statements:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.AST):
                _fold_blocks(inner, uses, temps, array_temps,
                             in_loop or isinstance(s, (ast.For, ast.While)), aliases, changed)
    _fold(statements, uses, temps if in_loop else array_temps, copies=in_loop,
          aliases=aliases, changed=changed)


def _fold(statements, uses, temps, copies=True, aliases=None, changed=None):
    facts = {}          # id(statement) -> what it reads and binds, until it changes
    i = 0
    while i < len(statements):
        s = statements[i]
        name = _single_target(s)
        # (Only a temporary, or in a loop the copy of a user's variable, is folded:
        # the search for the reader is skipped for anything else. A random draw stays
        # where it is: folding it would change the order of the draws.)
        if name is not None and uses.get(name) == 1 and (name in temps or copies) \
                and not getattr(s, IMPURE, False):
            j = _reader(statements, i, name, facts, aliases or {})
            # A user's variable is folded only into the copy that carries it to the
            # next iteration, which then reads like their statement: x = x + dt * v.
            if j is not None and (name in temps or copies and _is_copy_of(statements[j], name)):
                statements[j].value = _substitute(statements[j].value, name, s.value)
                if changed is not None:
                    changed.add(id(statements[j]))
                facts.pop(id(statements[j]), None)
                facts.pop(id(s), None)
                del statements[i]
                i = max(i - 1, 0)
                continue
        i += 1


def _single_target(s):
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
        return s.targets[0].id
    return None


def _reader(statements, i, name, facts, aliases):
    """The index of the assignment after i that reads `name`, if nothing between them
    rebinds what the definition reads. `aliases` (name -> the names that may share its
    memory) makes a write into an array count as a change of every view of it: `z1 =
    out[1:]` is changed by `out[1:] = v`, so a definition reading z1 stays before it."""
    operands = _names_of(statements[i].value)
    operands |= {m for n in operands for m in aliases.get(n, ())}
    for j in range(i + 1, len(statements)):
        s = statements[j]
        reads, in_value, written = _facts(s, facts)
        if name in reads:
            return j if isinstance(s, ast.Assign) and name in in_value else None
        if not isinstance(s, ast.Assign):       # x_bar[i] += g, np.add.at(...), pop()
            return None
        # Names rebound, and arrays written into (buf[1] = v): either changes the value.
        if not written.isdisjoint(operands):
            return None
    return None


def _facts(s, facts):
    """(names s reads, names in its value, names in its targets), cached by identity."""
    known = facts.get(id(s))
    if known is None:
        if isinstance(s, ast.Assign):       # (one walk of the value, one of the targets)
            in_value = name_nodes(s.value)
            in_targets = [n for t in s.targets for n in name_nodes(t)]
            reads = {n.id for n in in_value if type(n.ctx) is ast.Load}
            reads.update(n.id for n in in_targets if type(n.ctx) is ast.Load)
            known = (reads, {n.id for n in in_value}, {n.id for n in in_targets})
        else:
            known = (loads(s), set(), set())
        facts[id(s)] = known
    return known


def _is_copy_of(s, name):
    return isinstance(s.value, ast.Name) and s.value.id == name


def _names_of(node):
    return {n.id for n in name_nodes(node)}


def _substitute(node, name, value):
    """`node` with each read of `name` replaced by `value` (in place; iterative, as the
    expression may be deep after earlier folds)."""
    if isinstance(node, ast.Name):
        return value if node.id == name else node
    stack = [node]
    while stack:
        parent = stack.pop()
        for field, child in ast.iter_fields(parent):
            if isinstance(child, ast.Name) and child.id == name:
                setattr(parent, field, value)
            elif isinstance(child, ast.AST):
                stack.append(child)
            elif isinstance(child, list):
                for k, item in enumerate(child):
                    if isinstance(item, ast.Name) and item.id == name:
                        child[k] = value
                    elif isinstance(item, ast.AST):
                        stack.append(item)
    return node
