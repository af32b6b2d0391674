"""The structured part of the trace: `If` and `Loop` blocks around `Stmt`s.

A trace body is a block: a list whose items are `trace.Stmt`, `If` or `Loop`. Inside
a block every name is assigned once per execution of the block (SSA per block); where
control flow joins, explicit copies merge the versions:

- `If.phis` lists `(target, then_operand, else_operand)`: the forward sweep assigns
  `target` at the end of whichever branch ran (an operand of None: that branch leaves
  `target` unassigned, as Python would).
- `Loop.carried` lists `(header, last_operand)`: `header` names a loop-carried value at
  the start of each iteration; the body ends with `header = last_operand` (the back
  edge). The value before the first iteration is a plain copy `header = initial` in
  the enclosing block, and after the loop `header` holds the final value.

Early exits (`break`, `continue`, `return`) are lowered away into flags and guarded
branches, so every block runs from its first item to its last: the reverse sweep of a
block is simply its items' adjoints in reverse order, and the tape of a block inside a
loop is pushed at the block's end and popped at the start of its reverse.

Every `for` loop runs over a `range` (iteration over sequences is lowered to indexing),
so the reverse sweep runs backwards over the same range without recording the index.
"""
import ast
from dataclasses import dataclass, field


@dataclass
class If:
    test: ast.expr                  # an operand; the branch taken is this value's truth
    body: list
    orelse: list
    phis: list = field(default_factory=list)    # [(target, then operand, else operand)]
    loc: object = None


@dataclass
class Loop:
    """`for target in range(*bounds)` (kind 'for') or `while` (kind 'while', whose
    `cond_body` computes `cond` at the top of each iteration)."""
    kind: str
    body: list
    target: str = None              # for: the index variable
    bounds: list = None             # for: the range arguments, as operands
    cond_body: list = None          # while: statements computing the condition
    cond: ast.expr = None           # while: the operand tested
    carried: list = field(default_factory=list)  # [(header, last operand)]
    exit_flag: ast.expr = None      # operand true when the body asked to leave the loop
    counter: str = None             # name counting iterations, when the count varies
    loc: object = None


def walk_items(block):
    """Every item of a block and of the blocks nested in it, in program order."""
    for item in block:
        yield item
        for child in child_blocks(item):
            yield from walk_items(child)


def child_blocks(item):
    if isinstance(item, If):
        return [item.body, item.orelse]
    if isinstance(item, Loop):
        return [item.cond_body or [], item.body]
    return []


def is_straight_line(block):
    return not any(isinstance(item, (If, Loop)) for item in block)
