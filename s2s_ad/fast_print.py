"""A fast printer for the simple statements that make up most generated code
(`x_bar = g * np.cos(x)`): the same text astor writes, without astor's visitor
machinery (a method call, a context manager and a list write per node cost several
times the string work). It follows astor's rules exactly, with astor's own tables of
operator precedence and symbols: parentheses where a child's operator binds less
tightly than its parent requires, numbers as `repr` writes them. Anything else (strings,
lambdas, comprehensions, starred arguments, infinities, ...) is left to astor:
`line` raises Unprintable. `S2S_AD_PRINT_CHECK=1` compares every line with astor's.
"""
import ast
import math

from astor.op_util import Precedence, get_op_precedence, get_op_symbol

_HIGHEST = Precedence.highest
_COMMA, _ONE_ARG = Precedence.Comma, Precedence.call_one_arg
_POW_LEFT, _POW_RIGHT = Precedence.Pow + 1, Precedence.PowRHS
_CONSTANT, _TUPLE = Precedence.Constant, Precedence.Tuple
_ASSIGN, _EXPR = Precedence.Assign, Precedence.Expr
_SUBSCRIPT, _SLICE = Precedence.Subscript, Precedence.Slice


class Unprintable(Exception):
    """A node this printer leaves to astor."""


def line(statement):
    """The text of a simple statement (an assignment or an expression statement)."""
    t = type(statement)
    if t is ast.Assign:
        targets = " = ".join(_expr(target, _ASSIGN) for target in statement.targets)
        return f"{targets} = {_expr(statement.value, _ASSIGN)}"
    if t is ast.Expr:
        return _expr(statement.value, _EXPR)
    raise Unprintable(t.__name__)


def _expr(node, pp):
    """`node` printed where its parent asks for precedence `pp` (astor keeps that on the
    node as `_pp`; so does this printer, so that the two stay interchangeable)."""
    node._pp = pp
    return _PRINTERS.get(type(node), _unprintable)(node, pp)


def _unset(node):
    """Where astor sets no precedence for a child (an attribute's object, a called
    function, a subscripted value), it reads what the node already holds."""
    return _expr(node, getattr(node, "_pp", _HIGHEST))


def _unprintable(node, pp):
    raise Unprintable(type(node).__name__)


def _name(node, pp):
    return node.id


def _constant(node, pp):
    value = node.value
    t = type(value)
    if value is None:
        return "None"
    if t is not int and t is not float and t is not bool:
        raise Unprintable("constant")
    if t is float and not math.isfinite(value):
        raise Unprintable("constant")
    text = repr(value)
    return text if _CONSTANT >= pp else f"({text})"


def _binop(node, pp):
    op = node.op
    p = get_op_precedence(op)
    if type(op) is ast.Pow:
        left, right = _expr(node.left, _POW_LEFT), _expr(node.right, _POW_RIGHT)
    else:
        left, right = _expr(node.left, p), _expr(node.right, p + 1)
    text = f"{left}{get_op_symbol(op, ' %s ')}{right}"
    return text if p >= pp else f"({text})"


def _unaryop(node, pp):
    op = node.op
    p = get_op_precedence(op)
    symbol = get_op_symbol(op)
    text = f"{symbol}{' ' if symbol.isalpha() else ''}{_expr(node.operand, p)}"
    return text if p >= pp else f"({text})"


def _boolop(node, pp):
    p = get_op_precedence(node.op)
    text = get_op_symbol(node.op, " %s ").join(_expr(v, p + 1) for v in node.values)
    return text if p >= pp else f"({text})"


def _compare(node, pp):
    p = get_op_precedence(node.ops[0])
    parts = [_expr(node.left, p + 1)]
    for op, right in zip(node.ops, node.comparators):
        parts.append(get_op_symbol(op, " %s "))
        parts.append(_expr(right, p + 1))
    text = "".join(parts)
    return text if p >= pp else f"({text})"


def _call(node, pp):
    args, keywords = node.args, node.keywords
    p = _COMMA if len(args) + len(keywords) > 1 else _ONE_ARG
    parts = []
    for a in args:
        if type(a) is ast.Starred:
            raise Unprintable("starred")
        parts.append(_expr(a, p))
    for k in keywords:
        parts.append(f"{k.arg}={_expr(k.value, _COMMA)}" if k.arg
                     else f"**{_expr(k.value, _COMMA)}")
    return f"{_unset(node.func)}({', '.join(parts)})"


def _attribute(node, pp):
    return f"{_unset(node.value)}.{node.attr}"


def _subscript(node, pp):
    return f"{_unset(node.value)}[{_expr(node.slice, _SUBSCRIPT)}]"


def _slice(node, pp):
    lower = "" if node.lower is None else _expr(node.lower, _SLICE)
    upper = "" if node.upper is None else _expr(node.upper, _SLICE)
    text = f"{lower}:{upper}"
    step = node.step
    if step is not None:
        step._pp = _SLICE
        text += ":"
        if not (type(step) is ast.Name and step.id == "None"):
            text += _expr(step, _SLICE)
    return text


def _tuple(node, pp):
    elts = node.elts
    text = ", ".join(_expr(e, _COMMA) for e in elts) + ("," if len(elts) == 1 else "")
    return text if _TUPLE >= pp and elts else f"({text})"


def _list(node, pp):
    return f"[{', '.join(_expr(e, _COMMA) for e in node.elts)}]"


_PRINTERS = {ast.Name: _name, ast.Constant: _constant, ast.BinOp: _binop,
             ast.UnaryOp: _unaryop, ast.BoolOp: _boolop, ast.Compare: _compare,
             ast.Call: _call, ast.Attribute: _attribute, ast.Subscript: _subscript,
             ast.Slice: _slice, ast.Tuple: _tuple, ast.List: _list}
