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
(`tape_push = tape.append`), which saves an attribute lookup per iteration. Blocks
nest, so one Python list serves the whole function, popped exactly in reverse order of
the pushes. Outside loops nothing is overwritten and nothing is recorded.

Pairing is structural: a block records what its reverse reads *before assigning it*
(upward-exposed reads; a name an inner loop's own pop provides is not the outer
block's business), and a pop is never removed as dead code, so every push has its pop.
With `S2S_AD_CHECK=1` in the environment at compile time each entry carries its
block's tag, every pop checks the tag, and the reverse sweep ends by checking that the
tape is empty (`runtime.tape_check`, `runtime.tape_empty`).
"""
import ast
import os

from . import ir
from .liveness import KEEP, reads
from .walk import all_nodes


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


def checking():
    """Is the tape debug mode on (S2S_AD_CHECK=1)?"""
    return os.environ.get("S2S_AD_CHECK", "") not in ("", "0")


class Plan(dict):
    """{id(forward block): [recorded names]}, plus each block's tag for check mode."""

    def __init__(self, check):
        super().__init__()
        self.check = check
        self.tags = {}


def plan(pairs, pop_name, check_name=None):
    """Decide each block's recorded names and insert the pops into the reverse code.
    Returns the Plan the forward emitter pushes by. With `check_name` (the runtime
    helper's name in generated code), entries are tagged and every pop checked."""
    pushes = Plan(check_name is not None)
    for pair in pairs:
        needed = exposed_reads(pair.reverse)
        defined = list(pair.headers)
        for block in pair.forward_blocks:
            defined += ir.level_defs(block)
        if pair.own_index is not None:
            defined = [d for d in defined if d != pair.own_index]
        if pair.outermost_loop:
            invariant = loop_invariants(pair)
            defined = [d for d in defined if d not in invariant]
        names = [d for d in dict.fromkeys(defined) if d in needed]
        if not names:
            continue
        key = id(pair.forward_blocks[-1])
        pushes[key] = names
        pushes.tags[key] = len(pushes.tags) + 1
        pair.reverse.insert(0, pop_statement(names, pop_name, check_name,
                                             pushes.tags[key]))
    return pushes


def loop_invariants(pair):
    """Statements of an outermost loop's own level whose operands do not change inside
    the loop (`z1 = -k` in a loop that never rebinds k): every iteration computes the
    same value, so the reverse sweep reads the last one and nothing is recorded. (In a
    nested loop the value changes with the outer loop, so this is not applied there.)"""
    changing = set(pair.headers) | {n for n in (pair.own_index, pair.counter) if n}
    written = set()                         # arrays changed in place in the loop
    level = []
    for block in pair.forward_blocks:
        for item in ir.walk_items(block):
            changing.update(item.defs())
            written.update(item.writes())
        level += [item for item in block if isinstance(item, ir.Stmt)]
    changing |= written
    # An array the loop writes into is a new object each time it is created, however
    # invariant the expression that creates it.
    # A random draw is never invariant: each iteration draws anew.
    candidates = [(item.target, {n for v in item.uses() for n in ir.names_in(v)})
                  for item in level if item.target not in written and item.rule.pure]
    invariant = set()
    changed = True
    while changed:      # an invariant may feed another (in program order: one pass)
        changed = False
        for target, operands in candidates:
            if target not in invariant and operands.isdisjoint(changing):
                invariant.add(target)
                changing.discard(target)
                changed = True
    return invariant


def exposed_reads(statements):
    """Names these statements may read before they assign them: the values a reverse
    block needs from outside (from the tape, or in place)."""
    exposed = set()
    _exposed(statements, set(), exposed)
    return exposed


def _exposed(statements, defined, exposed):
    """Add to `exposed` what `statements` read that `defined` (assigned on every path
    so far) does not cover; return the names assigned on every path through them."""
    defined = set(defined)
    for s in statements:
        if isinstance(s, ast.If):
            exposed |= reads(s.test) - defined
            after_then = _exposed(s.body, defined, exposed)
            after_else = _exposed(s.orelse, defined, exposed)
            defined |= after_then & after_else
        elif isinstance(s, (ast.For, ast.While)):
            head = s.iter if isinstance(s, ast.For) else s.test
            exposed |= reads(head) - defined
            inner = set(defined)
            if isinstance(s, ast.For):
                inner |= _stored(s.target)
            _exposed(s.body, inner, exposed)    # the body may run zero times
        elif isinstance(s, ast.Assign):
            exposed |= reads(s.value) - defined
            for t in s.targets:
                exposed |= reads(t) - defined   # x_bar[i] = ... reads x_bar and i
                defined |= {n.id for n in all_nodes(t) if isinstance(n, ast.Name)
                            and isinstance(n.ctx, ast.Store)}
        else:
            exposed |= reads(s) - defined
    return defined


def _stored(node):
    return {n.id for n in all_nodes(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)}


def pop_statement(names, pop_name, check_name=None, tag=None):
    pop = ast.Call(ast.Name(pop_name, ast.Load()), [], [])
    if check_name is not None:
        pop = ast.Call(ast.Name(check_name, ast.Load()), [pop, ast.Constant(tag)], [])
    if len(names) == 1:
        target = ast.Name(names[0], ast.Store())
    else:
        target = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
    statement = ast.Assign([target], pop, lineno=0)
    setattr(statement, KEEP, True)
    return statement
