"""Activity analysis: which values get adjoints.

A value is active when it depends on a differentiated input (varied) and the output
depends on it (useful). Only active values get adjoints; integers, booleans, indices
and comparisons never do. Loops make the dependence cyclic (a header depends on its
last value), so both sets are fixed points over the trace's dependence edges, which
every item gives through the IR protocol (`deps()`): piecewise-constant primitives,
indices and saved copies contribute no edge.

Each set is one worklist pass over the edges, so the cost is linear in their number.
"""
import ast
from collections import defaultdict

from . import ir


class Activity:
    def __init__(self, trace, kinds, wrt):
        # (an appended tuple display: its elements, so the list is active; the reverse
        # sweep refuses it, containers.append, rather than drop their adjoints)
        edges = [(target, [o.id for o in _elements(operands) if trace.is_local(o)])
                 for item in ir.walk_items(trace.body) for target, operands in item.deps()]
        self.varied = _forward_closure(edges, {p for p in wrt if _is_real(kinds.get(p))},
                                       lambda name: _is_real(kinds.get(name)))
        result = {trace.result.id} if trace.is_local(trace.result) else set()
        self.useful = _backward_closure(edges, result)
        self.active = self.varied & self.useful

    def __contains__(self, name):
        return name in self.active


def _elements(operands):
    for op in operands:
        if isinstance(op, (ast.Tuple, ast.List)):
            yield from _elements(op.elts)
        else:
            yield op


def _forward_closure(edges, seeds, may_carry):
    """Names reachable from `seeds` along operand -> target edges, through targets
    that can carry a derivative."""
    readers = defaultdict(list)
    for target, operands in edges:
        for operand in operands:
            readers[operand].append(target)
    reached, work = set(seeds), list(seeds)
    while work:
        for target in readers[work.pop()]:
            if target not in reached and may_carry(target):
                reached.add(target)
                work.append(target)
    return reached


def _backward_closure(edges, seeds):
    """Names the seeds depend on, along target -> operand edges."""
    sources = defaultdict(list)
    for target, operands in edges:
        sources[target].extend(operands)
    reached, work = set(seeds), list(seeds)
    while work:
        for operand in sources[work.pop()]:
            if operand not in reached:
                reached.add(operand)
                work.append(operand)
    return reached


def _is_real(kind):
    """Can this value carry a derivative? Unknown kinds are assumed to, and so are
    lists, tuples and dicts (of numbers: containers, refused by their rules when the
    output depends on a value read back out of a dict)."""
    return kind is None or kind.is_real or kind.pytype in (list, tuple, dict)
