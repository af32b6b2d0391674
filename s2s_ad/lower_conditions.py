"""Lowering of branches into `ir.If` items: `if`/`elif`/`else` statements, conditional
expressions, `and`/`or` and chained comparisons (all short-circuiting, as Python
evaluates them). Where the branches join, `merge` writes phi copies for the names whose
versions differ.
"""
import ast

from . import ir
from .rules import control_rules as cr

TRUE, FALSE = ast.Constant(True), ast.Constant(False)

from .rules import COMPARE, defop, rule_for_operator  # noqa: E402
IS = rule_for_operator(COMPARE, ast.Is) or defop(COMPARE, ast.Is, "is", "x, y",
                                                 zero_grad=True)
IS_NOT = rule_for_operator(COMPARE, ast.IsNot) or defop(COMPARE, ast.IsNot, "is not",
                                                        "x, y", zero_grad=True)
NO, MAYBE, YES = "no", "maybe", "yes"      # does a block surely leave (exit_state)?


class ConditionLowering:
    """The branching part of `control.StructuredLowerer`."""

    def if_statement(self, node, rest):
        test = self.expr(node.test)
        branch_states = {}

        def lower(statements, which):
            def run():
                self.block(statements)
                branch_states[which] = self.exit_state()
                # Code after the if joins a branch that may continue when the other
                # surely leaves: no flag is needed for that if.
                if rest and branch_states[which] != YES and other_leaves[which]():
                    if branch_states[which] == NO:
                        self.block(rest)
                    else:
                        self.guarded(rest, node)
                    branch_states[which] = "took rest"
            return run

        other_leaves = {"then": lambda: _surely_leaves(node.orelse),
                        "else": lambda: _surely_leaves(node.body)}
        self.branches(test, lower(node.body, "then"), lower(node.orelse, "else"), node)
        if "took rest" in branch_states.values() or not rest:
            return
        state = self.exit_state()
        if state == YES:
            raise self.error("code after this 'if' never runs; remove it", rest[0])
        if state == MAYBE:
            self.guarded(rest, node)
        else:
            self.block(rest)

    def branches(self, test, then, orelse, node):
        """Lower an if: `then`/`orelse` lower each branch. Returns the states."""
        before = dict(self.current)
        outer = self.body
        results = []
        for lower_branch in (then, orelse):
            self.body, self.current = [], dict(before)
            lower_branch()
            results.append((self.body, self.current))
        self.body = outer
        (body, after_then), (orelse_body, after_else) = results
        item = ir.If(test, body, orelse_body, [], self.parsed.loc(node))
        if self.note_prefix:
            item.inlined = self.note_prefix
        self.body.append(item)
        self.current = self.merge(item, before, after_then, after_else)
        return item

    def merge(self, item, before, a, b):
        """Join two branch states with phi copies where their versions differ."""
        merged = {}
        for key in list(a) + [k for k in b if k not in a]:
            x, y = a.get(key), b.get(key)
            if same(x, y):
                merged[key] = x
                continue
            if x is None and y is None:
                continue
            target = self.new_version(key)
            item.phis.append((target, x, y))
            merged[key] = ast.Name(target, ast.Load())
            fresh = [v for v in (x, y) if v is not None]
            if all(self.is_fresh(v) for v in fresh):
                self.fresh_arrays.add(target)
                if all(v.id in self.fresh_lists for v in fresh):
                    self.fresh_lists.add(target)
        return merged

    def compare(self, node, target):
        left = self.expr(node.left)
        ops, comparators = list(node.ops), list(node.comparators)
        if isinstance(ops[0], (ast.Is, ast.IsNot)) and len(ops) == 1:
            return self.identity(left, ops[0], comparators[0], node, target)
        rule = cr.COMPARISONS.get(type(ops[0]))
        if rule is None:
            symbol = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
                      ast.NotIn: "not in"}.get(type(ops[0]), type(ops[0]).__name__)
            raise self.error(f"the comparison '{symbol}' is not supported here; compare "
                             "values with ==, <, ... (and 'is' with None only)", node)
        right = self.expr(comparators[0])
        if len(ops) == 1:
            return self.emit(target, rule, {"x": left, "y": right}, node,
                             call_args=[left, right])
        first = self.emit(None, rule, {"x": left, "y": right}, node, call_args=[left, right])
        rest = ast.copy_location(ast.Compare(RawOperand(right), ops[1:], comparators[1:]),
                                 node)
        # a < b < c is `a < b and b < c` with b evaluated once.
        return self.short_circuit(first, rest, node, target, is_and=True)

    def identity(self, left, op, right, node, target):
        """`x is None`, `x is not None`: decided now when x is a literal or a compile-
        time value, else a comparison with the singleton in the generated code (copies
        of None are None, so the answer is Python's)."""
        if not (isinstance(right, ast.Constant) and right.value in (None, True, False)
                and type(right.value) in (type(None), bool)):
            raise self.error("'is' compares with None (or True/False) only; compare "
                             "values with ==", node)
        if not isinstance(left, ast.Name) or not self.is_local_value(left):
            static = isinstance(left, ast.Constant) and left.value is right.value
            if not isinstance(left, (ast.Constant, ast.Name)):
                static = False      # a tuple or a function is never None
            if isinstance(left, ast.Name):
                static = self.resolve(left) is right.value
            return ast.Constant(static if isinstance(op, ast.Is) else not static)
        rule = IS if isinstance(op, ast.Is) else IS_NOT
        return self.emit(target, rule, {"x": left, "y": right}, node,
                         call_args=[left, right])

    def is_local_value(self, operand):
        return operand.id in self.locals

    def boolop(self, node, target):
        value = self.expr(node.values[0])
        for k, operand in enumerate(node.values[1:], 1):
            last = k == len(node.values) - 1
            value = self.short_circuit(value, operand, node, target if last else None,
                                       is_and=isinstance(node.op, ast.And))
        return value

    def short_circuit(self, value, other, node, target, is_and):
        def keep():
            self.current["#val"] = value

        def evaluate():
            self.current["#val"] = self.expr(other)
        then, orelse = (evaluate, keep) if is_and else (keep, evaluate)
        return self.value_branches(value, then, orelse, node, target)

    def conditional(self, test, body, orelse, node, target):
        test = self.expr(test)

        def then():
            self.current["#val"] = self.expr(body)

        def other():
            self.current["#val"] = self.expr(orelse)
        return self.value_branches(test, then, other, node, target)

    def value_branches(self, test, then, orelse, node, target):
        saved = self.current.pop("#val", None)
        item = self.branches(test, then, orelse, node)
        value = self.current.pop("#val")
        if saved is not None:
            self.current["#val"] = saved
        if target is not None and item.phis and item.phis[-1][0] == getattr(value, "id", None):
            # Name the merged value after the assignment's target: y = a if c else b.
            old = item.phis[-1][0]
            item.phis[-1] = (target,) + item.phis[-1][1:]
            self.locals.discard(old)
            return ast.Name(target, ast.Load())
        return value


class RawOperand(ast.expr):
    """An already-lowered operand standing inside a not-yet-lowered expression."""
    _fields = ()

    def __init__(self, operand):
        super().__init__()
        self.operand = operand

def same(x, y):
    if x is y:
        return True
    if x is None or y is None:
        return x is y
    if isinstance(x, ast.Name) and isinstance(y, ast.Name):
        return x.id == y.id
    if isinstance(x, ast.Constant) and isinstance(y, ast.Constant):
        return type(x.value) is type(y.value) and x.value == y.value
    return False

def _surely_leaves(statements):
    """Does this branch always end in return/break/continue (syntactically)?"""
    if not statements:
        return False
    last = statements[-1]
    if isinstance(last, (ast.Return, ast.Break, ast.Continue)):
        return True
    if isinstance(last, ast.If):
        return _surely_leaves(last.body) and _surely_leaves(last.orelse)
    return False

