"""Which observed kinds the compiler may trust.

The probe (probe.py) notes what every value was on the first
arguments of a signature. Specialised code is only right if the same signature always
gives the same kinds, so four kinds of values are settled here before any code is
generated:

- values the probe never saw (a branch not taken, a loop that ran zero times) get the
  kind that evaluating their primitive on stand-in values of the known kinds gives
  (shapes follow from shapes, not from values);
- a value where control flow joins (an `if`'s phi, a loop's carried value) is trusted
  only when every path into it has the same kind;
- a value whose shape depends on data (indexing with a boolean mask or a computed
  integer array) is not trusted, nor is an array made from a list whose length the
  signature does not fix (a list appended to in a branch, or carried or appended to
  by a loop whose trip count is not fixed by the signature: a list's kind has no
  length);
- a value whose shape an int the signature does not fix decides (`x[:n]`,
  `np.ones(n)` for an int argument n, or an int computed from an array's values:
  int values are not part of the signature; `x[i]` keeps its kind whatever i is),

and a value computed from an untrusted one is not trusted either. Untrusted kinds
become None, for which the reverse transform emits shape-generic code (or refuses,
with a located error, an adjoint it cannot write without shapes).
"""
import ast

import numpy as np

from . import ir
from .kinds import kind_of, merge_kinds
from .trace import Stmt, operand_kind
from .walk import all_nodes

_UNSEEN = object()


def settle_kinds(trace, kinds, namespace, by_value=False):
    """Fill, join and distrust kinds in place (see the module docstring). With
    `by_value`, a shape that int arguments decide is trusted, and the names of those
    arguments are returned: the caller then keeps one compiled version per value of
    them (by_value.py); without it, such shapes are not trusted."""
    settler = _Settler(trace, kinds, namespace, by_value)
    settler.block(trace.body)
    return frozenset(settler.value_params)


def _unbound(kind):
    """No kind seen, or only the None of a name no statement has bound yet."""
    return kind is None or kind.pytype is type(None)


class _Settler:
    def __init__(self, trace, kinds, namespace, by_value):
        self.trace = trace
        self.by_value = by_value
        self.value_params = set()   # int arguments whose values the shapes assume
        self.kinds = kinds
        self.namespace = namespace
        self.observed = set(kinds)
        self.growing = set()        # lists whose length the signature does not fix
        self.made_by = {}           # name -> the statement assigning it
        self.variations = {}        # name -> variation's answer
        self.loop_of = {}           # index name -> its for loop
        for it in ir.walk_items(trace.body):
            if isinstance(it, Stmt):
                self.made_by[it.target] = it
            elif isinstance(it, ir.Loop) and it.target:
                self.loop_of[it.target] = it

    def block(self, items):
        for item in items:
            if isinstance(item, ir.If):
                self.note_growing(item)
                self.block(item.body)
                self.block(item.orelse)
                for target, a, b in item.phis:
                    self.join(target, [o for o in (a, b) if o is not None])
            elif isinstance(item, ir.Loop):
                self.note_growing(item)
                if item.kind == "for" and _unbound(self.kinds.get(item.target)):
                    # `for j in range(i)` that the probe never entered (i = 0): its
                    # index is still an int, which the body's kinds follow from
                    self.kinds[item.target] = kind_of(0)
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

    def note_growing(self, control):
        """Lists whose length `control` (an If or a Loop) makes depend on more than
        the signature: those appended to in a branch, or in a loop whose trip count
        the signature does not fix (a while, an exit, a bound computed from data),
        when the list was made outside it. A list appended to on every iteration of
        `for row in W` or `for i in range(3)` keeps a fixed length."""
        inside = list(ir.walk_items([i for b in control.blocks() for i in b]))
        made_inside = {i.target for i in inside if isinstance(i, Stmt)}
        lists = {i.lst for i in inside if isinstance(i, ir.Append) and i.lst not in made_inside}
        if isinstance(control, ir.Loop):
            for header, last in control.carried:
                if _is_sequence(self.kind(ast.Name(header, ast.Load()))):
                    lists |= {header, last.id if isinstance(last, ast.Name) else None}
        # (a trip count is assumed by value only when a list's length follows it)
        if lists and not (isinstance(control, ir.Loop) and self.fixed_trips(control)):
            self.growing |= lists

    def fixed_trips(self, loop):
        """Does the signature (and, by value, int arguments) fix the trip count?"""
        if loop.kind != "for" or loop.exit_flag is not None or loop.counter is not None:
            return False
        return self.assume(_union(self.variation(b) for b in loop.bounds or []))

    def assume(self, sources):
        """Can values depending on these int arguments be trusted? Only by value; a
        None among them is data, which nothing fixes."""
        if not sources:
            return True
        if None in sources or not self.by_value:
            return False
        self.value_params |= sources
        return True

    def variation(self, operand):
        """What an int, bool or sequence depends on beyond the signature: the empty
        set when the signature fixes it (a literal, an array's len or shape, a global,
        arithmetic on those), the int arguments it is computed from (their values are
        not in the signature), and None among them when data decides it (an int from
        an array's values, a phi, a list argument, a list a loop grows). Floats and
        arrays vary with nothing: their kinds say what they are."""
        if isinstance(operand, ast.Constant):
            return frozenset()
        if not isinstance(operand, ast.Name):
            return frozenset({None})
        if not self.trace.is_local(operand):
            return frozenset()          # a global: rebinding it recompiles (dependencies.py)
        name = operand.id
        if name not in self.variations:
            self.variations[name] = frozenset({None})   # a cycle (a loop's header) is data
            self.variations[name] = self._variation(name)
        return self.variations[name]

    def _variation(self, name):
        if name in self.loop_of:            # the probe saw every index of the loop
            return _union(self.variation(b) for b in self.loop_of[name].bounds or [])
        kind = self.kinds.get(name)
        if kind is None:
            return frozenset({None})
        if not (_int_like(kind) or _is_sequence(kind)):
            return frozenset()
        s = self.made_by.get(name)
        if s is None:                       # an argument, a phi, a loop header
            if name in self.trace.params and kind.pytype in (int, bool):
                return frozenset({name})
            return frozenset({None})
        if not s.rule.pure:
            return frozenset({None})
        found = []
        for o in _operands(s):
            if not self.trace.is_local(o):
                continue
            okind = self.kind(o)
            if okind is not None and (_int_like(okind) or _is_sequence(okind)):
                found.append(self.variation(o))
                if s.rule.name == "len" and o.id in self.growing:
                    found.append(frozenset({None}))
            elif _int_like(kind) and s.rule.name not in ("len", ".shape", ".ndim", ".size"):
                found.append(frozenset({None}))     # an int from values: data
        return _union(found)

    def stmt(self, s):
        locals_ = [o for o in _operands(s) if self.trace.is_local(o)]
        if any(self.kind(o) is None for o in locals_) or _dynamic_index(self, s):
            self.kinds[s.target] = None
            return
        varying = [o for o in locals_ if self.varies(o)]
        if varying and not self.shape_ignores(s, varying) and not self.assume(
                _union(self.variation(o) for o in varying)):
            self.kinds[s.target] = None     # x[:n], np.ones(n) for an int argument n
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

    def varies(self, operand):
        """Does the signature leave this operand's value open (see variation)?"""
        return bool(self.variation(operand))

    def shape_ignores(self, s, varying):
        """Does s's result keep its kind whatever the varying ints are (x[i] does,
        x[:n] does not)? Evaluated on stand-ins with those ints 0 and then 1; a list
        or tuple that varies has no stand-in, so its results are not trusted."""
        kind = self.kinds.get(s.target)
        if kind is None or not kind.is_array or kind.shape == ():
            return True                 # numbers and scalars: no shape to get wrong
        names = {o.id for o in varying}
        if any(_is_sequence(self.kind(o)) for o in varying):
            return False
        kinds = {self.evaluate(s, {n: v for n in names}) for v in (0, 1)}
        return len(kinds) == 1 and None not in kinds

    def evaluate(self, s, values=None):
        """The kind of s's result on stand-in values of its operands' kinds (or on
        the given values, name -> value)."""
        expr = s.forward_expr()
        if expr is None:
            return None
        scope = dict(self.namespace)
        values = values or {}
        for operand in _operands(s):
            if self.trace.is_local(operand):
                value = values.get(operand.id, _UNSEEN)
                if value is _UNSEEN:
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


def _union(found):
    return frozenset().union(*found)


def _int_like(kind):
    """A Python int or bool, or an integer NumPy scalar."""
    return kind.pytype in (int, bool) or (
        kind.is_array and kind.shape == () and kind.dtype is not None
        and not np.issubdtype(kind.dtype, np.inexact))


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

