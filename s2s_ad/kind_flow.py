"""Which observed kinds the compiler may trust.

The probe (probe.py) notes what every value was on the first
arguments of a signature. Specialised code is only right if the same signature always
gives the same kinds, so three kinds of values are settled here before any code is
generated:

- values the probe never saw (a branch not taken, a loop that ran zero times) get the
  kind that evaluating their primitive on stand-in values of the known kinds gives
  (shapes follow from shapes, not from values);
- a value where control flow joins (an `if`'s phi, a loop's carried value) is trusted
  only when every path into it has the same kind;
- a value whose shape depends on data (indexing with a boolean mask or a computed
  integer array) is not trusted, nor is an array made from a list whose length the
  signature does not fix (a list a loop carries or appends to: its length follows the
  trip count, and a list's kind has no length),

and a value computed from an untrusted one is not trusted either. Untrusted kinds
become None, for which the reverse transform emits shape-generic code (or refuses,
with a located error, an adjoint it cannot write without shapes).

Not covered: a Python int computed from array *values* and then used as a size or a
slice bound (`k = int(x.sum()); x[:k]`) gives shapes the signature does not fix.
"""
import ast

import numpy as np

from . import ir
from .kinds import kind_of, merge_kinds
from .trace import Stmt, operand_kind
from .walk import all_nodes

_UNSEEN = object()


def settle_kinds(trace, kinds, namespace):
    """Fill, join and distrust kinds in place (see the module docstring)."""
    _Settler(trace, kinds, namespace).block(trace.body)


class _Settler:
    def __init__(self, trace, kinds, namespace):
        self.trace = trace
        self.kinds = kinds
        self.namespace = namespace
        self.observed = set(kinds)
        self.growing = set()        # lists a loop carries or appends to

    def block(self, items):
        for item in items:
            if isinstance(item, ir.If):
                self.block(item.body)
                self.block(item.orelse)
                for target, a, b in item.phis:
                    self.join(target, [o for o in (a, b) if o is not None])
            elif isinstance(item, ir.Loop):
                self.note_growing(item)
                for _ in range(2):      # the body reads the headers the body defines
                    self.block(item.cond_body or [])
                    self.block(item.body)
                    for header, last in item.carried:
                        self.join(header, [ast.Name(header, ast.Load()), last])
            elif isinstance(item, Stmt):
                self.stmt(item)

    def join(self, target, operands):
        kinds = [self.kind(o) for o in operands]
        merged = kinds[0] if kinds else None
        for kind in kinds[1:]:
            merged = merge_kinds(merged, kind)
        self.kinds[target] = merged

    def note_growing(self, loop):
        for header, last in loop.carried:
            if _is_sequence(self.kind(ast.Name(header, ast.Load()))):
                self.growing.update({header, last.id if isinstance(last, ast.Name) else None})
        for inner in ir.walk_items(loop.body + (loop.cond_body or [])):
            if isinstance(inner, ir.Append):
                self.growing.add(inner.lst)

    def stmt(self, s):
        locals_ = [o for o in _operands(s) if self.trace.is_local(o)]
        if any(self.kind(o) is None for o in locals_) or _dynamic_index(self, s):
            self.kinds[s.target] = None
            return
        if any(o.id in self.growing for o in locals_):
            kind = self.kinds.get(s.target)
            if _is_sequence(kind):
                self.growing.add(s.target)          # L + L, L[1:]: grows with it
            elif kind is not None and kind.is_array and kind.shape != ():
                self.kinds[s.target] = None         # np.array(L), x + L: its shape too
                return
        if s.target not in self.observed:
            self.kinds[s.target] = self.evaluate(s)

    def kind(self, operand):
        return operand_kind(operand, self.trace, self.kinds)

    def evaluate(self, s):
        """The kind of s's result on stand-in values of its operands' kinds."""
        expr = s.forward_expr()
        if expr is None:
            return None
        scope = dict(self.namespace)
        for operand in _operands(s):
            if self.trace.is_local(operand):
                value = _stand_in(self.kind(operand))
                if value is _UNSEEN:
                    return None
                scope[operand.id] = value
        try:
            with np.errstate(all="ignore"):
                return kind_of(eval(compile(ast.Expression(ast.fix_missing_locations(expr)),
                                            "<kind>", "eval"), scope))
        except Exception:           # a stand-in outside the domain: leave it unknown
            return None


def _operands(s):
    """Every operand of a statement, those nested in an index or a list included."""
    out = []
    for operand in s.args.values():
        t = type(operand)
        if t is ast.Name:           # (most operands: no walk)
            out.append(operand)
            continue
        if t is ast.Constant:
            continue
        for node in all_nodes(operand):
            if isinstance(node, ast.Name):
                out.append(node)
    return out


def _dynamic_index(settler, s):
    """Indexing whose result shape depends on data: a mask or an integer array that
    the function computed."""
    index = s.args.get("index") if s.rule.name in ("indexing", "getitem") else None
    if index is None:
        return False
    for node in all_nodes(index):
        if isinstance(node, ast.Name) and settler.trace.is_local(node):
            kind = settler.kind(node)
            if kind is None or kind.pytype in (list, tuple) or (kind.is_array and kind.shape):
                return True
    return False


def _is_sequence(kind):
    return kind is not None and kind.pytype in (list, tuple)


def _stand_in(kind):
    if kind is None:
        return _UNSEEN
    if kind.pytype is float:
        return 0.7
    if kind.pytype in (int, bool):
        return kind.pytype(1)
    if kind.is_array:
        value = np.full(kind.shape, 0.7 if np.issubdtype(kind.dtype, np.inexact) else 1,
                        dtype=kind.dtype)
        return value[()] if kind.shape == () else value
    return _UNSEEN

