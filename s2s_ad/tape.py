"""The tape: which forward values a loop must record, pushed and popped where.

Inside a loop every block (the body, and each branch nested in it) defines fresh
values on every execution, overwriting the previous iteration's. The reverse sweep
of that block can read such a value only if the forward sweep recorded it — this is
Tapenade's "to be recorded" set, here computed exactly from the generated reverse
code: a block records the names that (a) the block itself assigns, at its own level,
and (b) its reverse code (nested blocks included) reads. Everything else is either
still in place (defined outside the loop and never overwritten: parameters, values
computed before the loop) or recomputed (a `for` index: the reverse loop runs over
the same range).

The forward sweep pushes one tuple per block execution, at the block's end; the
reverse block pops it first thing. Push and pop are the list's bound methods
(`tape_push = tape.append`), which saves an attribute lookup per iteration. Blocks nest, so one Python list serves the whole
function, popped exactly in reverse order of the pushes. Outside loops nothing is
overwritten and nothing is recorded.
"""
import ast

from . import ir
from .liveness import reads
from .rules import control_rules as cr


class BlockPair:
    """A forward block (or the blocks of a loop iteration) and its reverse code."""

    def __init__(self, forward_blocks, reverse, own_index=None, headers=(),
                 outermost_loop=False, counter=None):
        self.forward_blocks = forward_blocks    # lists of IR items, run in order
        self.reverse = reverse                  # list of reverse statements (filled later)
        self.own_index = own_index              # a for loop's index: not recorded
        self.headers = list(headers)            # loop-carried values, rebound per iteration
        self.outermost_loop = outermost_loop    # a loop not nested in another one
        self.counter = counter


def plan(pairs, pop_name):
    """Decide each block's recorded names and insert the pops into the reverse code.
    Returns {id(forward block): [names]} for the forward emitter."""
    pushes = {}
    for pair in pairs:
        needed = reads_deep(pair.reverse)
        defined = list(pair.headers)
        for block in pair.forward_blocks:
            defined += level_definitions(block)
        if pair.own_index is not None:
            defined = [d for d in defined if d != pair.own_index]
        if pair.outermost_loop:
            invariant = loop_invariants(pair)
            defined = [d for d in defined if d not in invariant]
        names = [d for d in dict.fromkeys(defined) if d in needed]
        if not names:
            continue
        pushes[id(pair.forward_blocks[-1])] = names
        pair.reverse.insert(0, pop_statement(names, pop_name))
    return pushes


def loop_invariants(pair):
    """Statements of an outermost loop's own level whose operands do not change inside
    the loop (`z1 = -k` in a loop that never rebinds k): every iteration computes the
    same value, so the reverse sweep reads the last one and nothing is recorded. (In a
    nested loop the value changes with the outer loop, so this is not applied there.)"""
    changing = set(pair.headers) | {n for n in (pair.own_index, pair.counter) if n}
    level = []
    for block in pair.forward_blocks:
        for item in ir.walk_items(block):
            if isinstance(item, ir.If):
                changing.update(t for t, _, _ in item.phis)
            elif isinstance(item, ir.Loop):
                changing.update(h for h, _ in item.carried)
                changing.update(n for n in (item.target, item.counter) if n)
            else:
                changing.add(item.target)
        level += [item for item in block if not isinstance(item, (ir.If, ir.Loop))]
    invariant = set()
    for _ in range(len(level)):             # an invariant may feed another
        for item in level:
            if item.target in invariant or item.rule in (cr.SETITEM, cr.APPEND):
                continue
            operands = {n.id for v in item.args.values() for n in ast.walk(v)
                        if isinstance(n, ast.Name)}
            if not (operands & (changing - invariant)):
                invariant.add(item.target)
    return invariant


def reads_deep(statements):
    out = set()
    for s in statements:
        out |= reads(s)
    return out


def level_definitions(block):
    """Names a block binds at its own level (not inside nested blocks), in order."""
    names = []
    for item in block:
        if isinstance(item, ir.If):
            names += [t for t, _, _ in item.phis]
        elif isinstance(item, ir.Loop):
            names += [h for h, _ in item.carried]
            names += [n for n in (item.target, item.counter) if n]
        elif item.rule not in (cr.SETITEM, cr.APPEND):
            names.append(item.target)
    return names


def pop_statement(names, pop_name):
    pop = ast.Call(ast.Name(pop_name, ast.Load()), [], [])
    if len(names) == 1:
        target = ast.Name(names[0], ast.Store())
    else:
        target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
    return ast.Assign([target], pop, lineno=0)
