"""Fewer passes over arrays in generated tangent code: copies and signs folded into the
statements that read them.

tangent.py writes one tangent statement per primal statement, exactly as the rules
say, and some of them only move a tangent along or flip its sign:

    z2_dot = -z1_dot                    # the tangent of z2 = -z1
    z3_dot = z2_dot * z3
    z4_dot = 0.0 + z3_dot               # of z4 = 1.0 + z3
    A2_dot = -(z4_dot * A2 * A2)

Each is a pass over an array. Here a tangent that is assigned once, never written in
place, and read only by later tangent statements of the same block is not
materialised when it is a copy (`0.0 + u_dot` is `u_dot`: the zero is a number and
u_dot already has the result's shape) or a negation; its readers get the expression
instead, and signs cancel (simplify.py pulls them out of products and quotients).
A tangent that is minus a longer expression is kept without the sign, named `*_neg`:

    z3_dot_neg = z1_dot * z3
    A2_dot = z3_dot_neg * A2 * A2

Negation is exact in floating point, so this changes no value (except the sign of a
zero tangent).
"""
import ast
import collections

from .forward import NOTE
from .simplify import negate, simplify
from .walk import copy_tree


ENABLED = True      # benchmarks/higher_order_row.py times the code without it too


def fold(c):
    """Fold the Compilation's tangent statements in place (tangent_pipeline.py)."""
    if ENABLED:
        Folder(c).run()


class Folder:
    def __init__(self, c):
        self.c = c
        self.primal_of = c.transform.primal_of       # tangent name -> primal
        self.kinds = c.kinds
        self.assigned = collections.Counter()
        self.written = set()             # names written in place (element writes, +=)
        self.readers = collections.defaultdict(list)     # name -> statements reading it
        for s in _statements(c.forward):
            for node in ast.walk(s) if not _is_block(s) else _header_nodes(s):
                self._note(node, s)
        for node in ast.walk(c.returns):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.readers[node.id].append(c.returns)

    def _note(self, node, s):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                self.assigned[node.id] += 1
            else:
                self.readers[node.id].append(s)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and \
                isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                self.written.add(base.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            self.written.add(node.target.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name):
            self.written.add(node.func.value.id)     # x.append(...): changed in place

    def run(self):
        # Folding makes tangents share arrays the primal values do not share; where a
        # tangent is written in place, that could carry a write to another: leave it.
        if any(name in self.primal_of for name in self.written):
            return
        self.c.forward = self.block(self.c.forward)

    def block(self, body):
        substitute = {}                 # tangent name -> the expression standing for it
        ids = {id(s) for s in body}
        out = []
        for s in body:
            if _is_block(s):
                for name in ("body", "orelse"):
                    setattr(s, name, self.block(getattr(s, name)))
                out.append(s)
                continue
            if not self._is_tangent_assign(s):
                out.append(s)
                continue
            target = s.targets[0].id
            value = s.value
            if any(isinstance(n, ast.Name) and n.id in substitute for n in ast.walk(value)):
                value = simplify(_pull_signs(_substituted(copy_tree(value), substitute)))
            value = _fold_zero(value, self, target)
            if not self._local(target, ids):
                out.append(_like(ast.Assign([s.targets[0]], value, lineno=0), s))
                continue
            inner = value.operand if _is_neg(value) else value
            if isinstance(inner, ast.Name) and self._stable(inner.id):
                substitute[target] = value              # a copy or a negation
                continue
            if _is_neg(value):
                name = self.c.names.fresh(f"{target}_neg")
                self.primal_of[name] = self.primal_of[target]
                self.assigned[name] = 1
                out.append(_like(ast.Assign([ast.Name(name, ast.Store())], value.operand,
                                            lineno=0), s))
                substitute[target] = ast.UnaryOp(ast.USub(), ast.Name(name, ast.Load()))
                continue
            out.append(_like(ast.Assign([s.targets[0]], value, lineno=0), s))
        return out

    def _is_tangent_assign(self, s):
        return isinstance(s, ast.Assign) and len(s.targets) == 1 and \
            isinstance(s.targets[0], ast.Name) and s.targets[0].id in self.primal_of

    def _stable(self, name):
        """Holds the same value from its definition on: assigned at most once (a
        parameter: never), never written in place."""
        return self.assigned[name] <= 1 and name not in self.written

    def _local(self, name, ids):
        """A tangent only later tangent statements of this block read."""
        if not self._stable(name):
            return False
        readers = self.readers.get(name, [])
        return bool(readers) and all(id(r) in ids and self._is_tangent_assign(r)
                                     for r in readers)

    def shape(self, name):
        kind = self.kinds.get(self.primal_of.get(name, name))
        if kind is None or not kind.is_numeric:
            return None
        return tuple(kind.shape)


def _fold_zero(value, folder, target):
    """`0.0 + u_dot`, `u_dot + 0.0`, `u_dot - 0.0` -> u_dot and `0.0 - u_dot` ->
    -u_dot, where u_dot (or -u_dot) is a tangent of the target's shape."""
    if not isinstance(value, ast.BinOp) or not isinstance(value.op, (ast.Add, ast.Sub)):
        return value
    left_zero, right_zero = _is_zero(value.left), _is_zero(value.right)
    if right_zero:
        other = value.left
    elif left_zero:
        other = value.right
    else:
        return value
    inner = other.operand if _is_neg(other) else other
    if not (isinstance(inner, ast.Name) and inner.id in folder.primal_of):
        return value
    if folder.shape(inner.id) is None or folder.shape(inner.id) != folder.shape(target):
        return value
    if left_zero and isinstance(value.op, ast.Sub):
        return negate(other)
    return other


def _pull_signs(node):
    """a * (-b) -> -(a * b) and a / (-b) -> -(a / b), bottom-up (simplify.py pulls a
    sign out of the left operand; the substituted negations also land on the right),
    so that sums of terms become differences and signs meet and cancel."""
    if isinstance(node, ast.BinOp):
        node.left, node.right = _pull_signs(node.left), _pull_signs(node.right)
        if isinstance(node.op, (ast.Mult, ast.Div)) and _is_neg(node.right) and \
                not _is_number(node.right):
            node.right = node.right.operand
            return negate(simplify(node))
        return node
    if isinstance(node, ast.UnaryOp):
        node.operand = _pull_signs(node.operand)
        return node
    return node


def _is_number(node):
    return _is_neg(node) and isinstance(node.operand, ast.Constant)


def _is_zero(node):
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and \
        node.value == 0


def _is_neg(node):
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def _substituted(node, substitute):
    if not substitute:
        return node
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and \
            node.id in substitute:
        return copy_tree(substitute[node.id])
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            setattr(node, field, _substituted(value, substitute))
        elif isinstance(value, list):
            setattr(node, field, [_substituted(v, substitute) if isinstance(v, ast.AST)
                                  else v for v in value])
    return node


def _is_block(s):
    return isinstance(s, (ast.If, ast.For, ast.While))


def _header_nodes(s):
    """The nodes of a compound statement outside its bodies (test, target, iter)."""
    for field in ("test", "target", "iter"):
        node = getattr(s, field, None)
        if node is not None:
            yield from ast.walk(node)


def _statements(body):
    for s in body:
        yield s
        if _is_block(s):
            yield from _statements(s.body)
            yield from _statements(s.orelse)


def _like(new, old):
    for key, value in vars(old).items():
        if key.startswith("_s2s") or key == NOTE:
            setattr(new, key, value)
    return new
