"""`1.0 / (1.0 + np.exp(-u))` in the trace as one statement of the sigmoid rule
(rules/sigmoid.py), whose derivative A * (1 - A) is read from its result.

The lowered chain is four statements,

    z2 = -u;  z3 = np.exp(z2);  z4 = 1.0 + z3;  A = 1.0 / z4

and becomes `A = sigmoid(u)` (spelled as the user's expression) when z2, z3 and z4 are
read nowhere else (not by another statement, a branch, the result) and what lies in
between is pure statements that neither bind u again nor write into any array. Anything else is left as it was: the rule-by-rule derivative is as
exact.
"""
import ast
import collections

from . import ir
from .rules import rule_for_call
from .rules.sigmoid import SIGMOID

ENABLED = True


def fuse_sigmoids(trace):
    """Rewrite the trace's sigmoid chains in place; returns the trace."""
    if not ENABLED:
        return trace
    reads = collections.Counter()
    bound = collections.Counter()
    for item in ir.walk_items(trace.body):
        for operand in item.uses():
            for name in ir.names_in(operand):
                reads[name] += 1
        for name in item.defs():
            bound[name] += 1
        for name in item.writes():
            reads[name] += 1            # written in place: never fused away
    for name in ir.names_in(trace.result):
        reads[name] += 1
    if trace.aux is not None:
        for name in ir.names_in(trace.aux):
            reads[name] += 1
    _blocks(trace.body, reads, bound, set(trace.params))
    return trace


def _blocks(block, reads, bound, params):
    _fuse(block, reads, bound, params)
    for item in block:
        for inner in item.blocks():
            _blocks(inner, reads, bound, params)


def _fuse(block, reads, bound, params):
    where = {item.target: i for i, item in enumerate(block) if isinstance(item, ir.Stmt)}

    def single(name):
        """The statement of this block defining a temporary read once, or None."""
        i = where.get(name)
        if i is None or reads[name] != 1 or bound[name] != 1 or name in params:
            return None
        return i

    drop = set()
    for k, item in enumerate(block):
        if not _is(item, "truediv") or not _one(item.args.get("x")) or \
                not isinstance(item.args.get("y"), ast.Name):
            continue
        i4 = single(item.args["y"].id)
        if i4 is None or not _is(block[i4], "add"):
            continue
        add = block[i4]
        x, y = add.args.get("x"), add.args.get("y")
        e = y if _one(x) else x if _one(y) else None
        if not isinstance(e, ast.Name):
            continue
        i3 = single(e.id)
        if i3 is None or not _is_exp(block[i3]) or not \
                isinstance(block[i3].args.get("x"), ast.Name) or block[i3].call_keywords:
            continue
        i2 = single(block[i3].args["x"].id)
        if i2 is None or not _is(block[i2], "neg"):
            continue
        u = block[i2].args["x"]
        if not (i2 < i3 < i4 < k) or not _untouched(block[i2 + 1:k], ir.names_in(u)):
            continue
        block[k] = ir.Stmt(target=item.target, rule=SIGMOID, args={"x": u}, loc=item.loc,
                           call_args=[u], callee=block[i3].callee, inlined=item.inlined)
        drop.update((i2, i3, i4))
    if drop:
        block[:] = [item for i, item in enumerate(block) if i not in drop]


def _untouched(between, names):
    """Do the items between -u and 1 / (.) leave u as it was? Only pure statements
    that neither bind u nor write anything in place (a write through a view of u
    would change it)."""
    for item in between:
        if not isinstance(item, ir.Stmt) or item.inplace or not item.rule.pure or \
                item.writes() or any(n in item.defs() for n in names):
            return False
    return True


def _is(item, name):
    return isinstance(item, ir.Stmt) and item.rule.name == name and not item.inplace


def _is_exp(item):
    import numpy as np
    return isinstance(item, ir.Stmt) and item.rule is rule_for_call(np.exp) and \
        not item.inplace


def _one(operand):
    return isinstance(operand, ast.Constant) and type(operand.value) in (int, float) and \
        operand.value == 1
