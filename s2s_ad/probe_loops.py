"""Loops the probe (probe.py) may stop checking: once the kinds are seen to repeat.

A loop is *settled-able* when every statement of its body (and of a while loop's
condition) is a value whose kind follows from its operands' kinds (probe.py's
`_follows_kinds`: arithmetic, copies, `math.*`): no branch, no nested loop, no element
write or append, no in-place operator. One iteration of such a loop is then a fixed
function from the kinds entering it (the carried values'; the index is always an int,
the loop-invariant values keep theirs) to the kinds leaving it. The probe checks the
carried values (and the index) once per iteration, at the end of the body, until an
iteration other than the first of its run leaves every one of them with the kind it
had after the iteration before. From there on every iteration enters with the same
kinds, so it computes the same kinds: later iterations need no check (one test of a
flag remains). The first iteration of a run is always checked in full: the guards then
compare with kinds left by an earlier run of the loop (inside an outer loop), not with
this run's entry values.

A settled-able loop at the top of the function, followed only by statements whose kinds
follow from their operands', may even *stop*: the rest of its iterations change values
only, and the code after it would compute the same kinds from the values it was left
with. Those values are not f's, so the code after the loop runs with NumPy's
floating-point warnings off, and if it raises (`math.sqrt` of a value the full loop
would have made positive), the probe runs again without stopping any loop.
"""
import ast
import textwrap

import numpy as np

from . import ir, rules
from .forward import ForwardEmitter
from .probe_placement import FRESH
from .render import PRINTED

# Marks on a loop's statement in the probe: what may be done once its kinds repeat.
SETTLE = "settle"       # stop checking, keep running the loop
STOP = "stop"           # leave the loop, and run the rest of the function
_MARK = "_s2s_probe_loop"


def loop_marks(trace, derived, follows_kinds, may_stop):
    """{id(ir.Loop): SETTLE or STOP} for the loops whose checks may end early."""
    marks = {}
    for item in ir.walk_items(trace.body):
        if isinstance(item, ir.Loop) and _settles(item, derived):
            marks[id(item)] = SETTLE
    if may_stop:
        for k, item in enumerate(trace.body):
            if id(item) in marks and all(isinstance(later, ir.Stmt) and follows_kinds(later)
                                         for later in trace.body[k + 1:]):
                marks[id(item)] = STOP
    return marks


def _settles(loop, derived):
    return all(isinstance(inner, ir.Stmt) and inner.target in derived and not inner.inplace
               for block in loop.blocks() for inner in block)


class MarkingEmitter(ForwardEmitter):
    """The forward sweep, each marked loop's statement carrying its mark."""

    def __init__(self, after_assign, marks):
        super().__init__(after_assign=after_assign)
        self.marks = marks

    def item(self, item):
        out = super().item(item)
        if type(item) is ir.Stmt:
            # Which nodes this assignment alone holds (probe_placement places them where
            # they are instead of copying them): itself, its target and, spelled by one
            # of these, its value; never an operand, which the trace shares.
            s = out[0]
            fresh = {id(s), id(s.targets[0])}
            if item.rule.spelling in _FRESH_VALUE:
                fresh.add(id(s.value))
            setattr(s, FRESH, fresh)
        return out

    def loop(self, item):
        out = super().loop(item)
        if id(item) in self.marks:
            setattr(out[-1], _MARK, self.marks[id(item)])
        return out


# Spellings whose value is a node made by the spelling (rules.Rule.spell), around the
# operands: not "copy" (the operand itself) nor a rule's own function.
_FRESH_VALUE = {rules.CALL, rules.BINOP, rules.UNARY, rules.ATTRIBUTE, rules.METHOD,
                rules.SUBSCRIPT, rules.COMPARE}


def check_until_settled(statements, names, is_guard, stop_call):
    """Rewrite each marked loop in `statements` (nested blocks too), in place: its
    guards (statements for which is_guard holds) move into one check block at the end
    of its body, run while a counter set before the loop is non-zero (see the module
    docstring); a STOP loop calls `stop_call` and leaves when its kinds repeat."""
    stack = [statements]
    while stack:
        block = stack.pop()
        k = 0
        while k < len(block):
            s = block[k]
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list):
                    stack.append(inner)
            mark = getattr(s, _MARK, None)
            if mark is not None and isinstance(s, (ast.For, ast.While)):
                counter = _rewrite(s, names, is_guard, stop_call if mark == STOP else None)
                if counter is not None:
                    block.insert(k, ast.Assign([ast.Name(counter, ast.Store())],
                                               ast.Constant(2), lineno=0))
                    k += 1
            k += 1


def _rewrite(loop, names, is_guard, stop_call):
    """The check block of one loop (see check_until_settled); its counter's name, or
    None when the loop has nothing to check."""
    guards = [s for s in loop.body if is_guard(s)]
    if not guards:
        return None
    where = max(loop.body.index(g) for g in guards) - len(guards) + 1
    loop.body[:] = [s for s in loop.body if not is_guard(s)]
    counter = names.fresh("probe_checks")
    # 2 before the loop; each checked iteration counts down, and a guard that notes a
    # change sets it back to 1: it reaches 0 after an iteration, not the first of its
    # run, whose guards all held.
    lines = [f"if {counter}:", f"    {counter} -= 1"]
    for g in guards:
        lines.append(textwrap.indent(getattr(g, PRINTED), "    "))
        lines.append(f"        {counter} = 1")
    if stop_call is not None:
        lines += [f"    if not {counter}:", f"        {stop_call}()", "        break"]
    check = ast.Pass()
    setattr(check, PRINTED, "\n".join(lines))
    loop.body.insert(where, check)
    return counter


class Stopper:
    """What a STOP loop calls when it leaves early: from then on the probe runs on
    values that are not f's, with NumPy's floating-point warnings off (`close` ends
    that, whatever happened)."""

    def __init__(self):
        self.stopped = False
        self._errstate = None

    def __call__(self):
        if not self.stopped:
            self.stopped = True
            self._errstate = np.errstate(all="ignore")
            self._errstate.__enter__()

    def close(self):
        if self._errstate is not None:
            self._errstate.__exit__(None, None, None)
            self._errstate = None
