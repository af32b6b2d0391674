"""Which values may share memory, and the refusal of reads that aliasing would make wrong.

NumPy arrays are mutable: `t = out[:2]` is a view, `y = x` names the same object, and
`out[0] = s` or `y += 1.0` changes every name that shares the memory. The forward sweep
repeats the user's operations, so its values follow Python exactly; adjoints do not: the
reverse sweep of `t = out[:2]` passes t's adjoint to `out` as it was when t was taken.
So a name that shares memory with an array, read after that array was changed in
place, is refused with a located error that says which copy to take.

Two results:

- `alias_classes(trace, kinds)`: name -> the set of names that may share its memory
  (copies, views, phi and loop-carried copies of each other). Dead-code elimination
  uses it: restoring `out[i] = saved` in the reverse sweep is needed while any view of
  `out` is still read.
- `check_mutations(trace, kinds, classes)`: walks the trace in program order and
  raises a TranslationError at the first read of a value that an in-place change made
  stale, and at an in-place change of an argument's array.
"""
import ast
import re

import numpy as np

from . import ir, rules
from .errors import TranslationError
from .trace import Stmt
from .walk import all_nodes

_VIEW_CALLS = [np.reshape, np.ravel, np.squeeze, np.expand_dims, np.atleast_1d,
               np.atleast_2d, np.atleast_3d, np.transpose, np.swapaxes, np.moveaxis,
               np.flip, np.fliplr, np.flipud, np.broadcast_to, np.asarray, np.diagonal,
               np.real, np.imag, np.einsum,
               # views among the primitives of issue 9: rot90, diag of a matrix, the
               # pieces of a split (a list of views)
               np.rot90, np.diag, np.split, np.array_split, np.hsplit, np.vsplit,
               np.dsplit]
_VIEW_OPERATORS = [(rules.METHOD, m) for m in ("reshape", "ravel", "squeeze", "transpose",
                                               "swapaxes", "view", "diagonal")]
_VIEW_OPERATORS += [(rules.ATTRIBUTE, a) for a in ("T", "real", "imag")]
_VIEW_OPERATORS += [("copy", None), (rules.SUBSCRIPT, None)]


def _view_rules():
    found = [rules.rule_for_call(fn) for fn in _VIEW_CALLS]
    found += [rules.rule_for_operator(s, sym) for s, sym in _VIEW_OPERATORS]
    return {id(r) for r in found if r is not None}


VIEW_RULES = _view_rules()      # rules whose result may be (a view of) their first operand


def user_name(version):
    """The user's spelling of an SSA version: out_2 -> out."""
    return re.sub(r"_\d+$", "", version)


def alias_classes(trace, kinds):
    """name -> frozenset of the names that may share its memory (itself included);
    names that share with nothing are left out.

    Sharing is not transitive: after `t = x if c else t0`, t may be x's memory or
    t0's, but x and t0 are still two arrays, and writing t0 does not change x. So each
    name gets the set of memories ("roots") it may be: a fresh array is its own root,
    a view, copy, phi or loop-carried copy has the roots of what it may be; two names
    share when their roots meet."""
    sources = {}
    for item in ir.walk_items(trace.body):
        for target, source in _sharing_edges(item, trace, kinds):
            sources.setdefault(target, set()).add(source)
    roots = {}
    changed = True
    while changed:              # loop-carried copies reach back: iterate to a fixpoint
        changed = False
        for target, froms in sources.items():
            found = set().union(*(roots.get(s, {s}) for s in froms))
            if found != roots.get(target):
                roots[target] = found
                changed = True
    holders = {}                # root -> the names that may be its memory
    for name, found in roots.items():
        for root in found:
            holders.setdefault(root, {root}).add(name)
    out, shared = {}, {}
    for name in set(roots) | set(holders):
        key = frozenset(roots.get(name, {name}))
        if key not in shared:   # names with the same roots share one set
            shared[key] = frozenset().union(*(holders.get(r, {r}) for r in key))
        if len(shared[key]) > 1:
            out[name] = shared[key]
    return out


def _sharing_edges(item, trace, kinds):
    """(target, source) pairs: target may be source's memory after this item."""
    if not isinstance(item, Stmt):
        # phi and loop-carried copies join their operands; writes bind no name
        return [(name, op.id) for name, operands in item.deps() for op in operands
                if trace.is_local(op) and name not in item.writes()]
    if item.inplace:
        # y += 1.0 on an array changes y's memory in place: the new version is it.
        x = item.args["x"]
        return [(item.target, x.id)] if trace.is_local(x) and _may_be_array(kinds, x.id) else []
    if getattr(item.rule, "picks_part", False):     # w = eigh(a)[0]: inside the tuple
        whole = item.args["whole"]
        return [(item.target, whole.id)] if trace.is_local(whole) else []
    if id(item.rule) not in VIEW_RULES or not _may_be_array(kinds, item.target):
        return []
    # a view of its array operand (of any of them, for einsum('ij->ji', a))
    return [(item.target, operand.id) for param, operand in item.args.items()
            if trace.is_local(operand) and param not in item.rule.discrete
            and _may_be_array(kinds, operand.id)]


def _may_be_array(kinds, name):
    """Could this value be a mutable container (an array of one or more dimensions, or
    a list)? Unknown kinds could."""
    kind = kinds.get(name)
    if kind is None:
        return True
    if kind.is_array:
        return kind.shape != ()
    return kind.pytype is list


def check_mutations(trace, kinds, classes):
    """Refuse reads of values an in-place change made stale (see the module doc)."""
    _Mutations(trace, kinds, classes).block(trace.body, set())


class _Mutations:
    def __init__(self, trace, kinds, classes):
        self.trace = trace
        self.kinds = kinds
        self.classes = classes
        self.params = set(trace.params)
        self.why = {}           # stale name -> (location of the change, changed name,
        #                         the view it changed: (its base's name, where) or None)
        self.made_by = {it.target: it for it in ir.walk_items(trace.body)
                        if isinstance(it, Stmt)}

    def block(self, items, stale):
        for item in items:
            for operand in item.uses():
                self.read(operand, stale, item.loc)
            if isinstance(item, ir.If):
                then = self.block(item.body, set(stale))
                orelse = self.block(item.orelse, set(stale))
                for target, a, b in item.phis:
                    self.read(a, then, item.loc)
                    self.read(b, orelse, item.loc)
                stale = (then | orelse) - set(item.defs())
            elif isinstance(item, ir.Loop):
                entry = set(stale)
                for _ in range(2):      # the second pass sees what the back edge carries
                    end = self.block((item.cond_body or []) + item.body, set(stale))
                    for header, last in item.carried:
                        self.read(last, end, item.loc)
                    stale = entry | (end - set(item.defs()))
            else:
                stale = stale - set(item.defs())
                for written in item.writes():
                    stale = self.change(written, written, item, stale)
                if isinstance(item, Stmt) and item.inplace and \
                        self.trace.is_local(item.args["x"]) and \
                        _may_be_array(self.kinds, item.args["x"].id):
                    stale = self.change(item.args["x"].id, item.target, item, stale)
        return stale

    def change(self, changed, kept, s, stale):
        """`changed`'s memory is written in place by s; `kept` names it afterwards."""
        sharing = self.classes.get(changed, {changed})
        touched = sharing & self.params
        if touched:
            param = sorted(touched)[0]
            raise TranslationError(
                f"this changes the array '{param}' in place, and '{param}' is the caller's "
                f"argument, which s2s_ad never modifies; compute a new array instead "
                f"(for example '{user_name(changed)} = {user_name(changed)} + ...' "
                f"rather than '+=')", s.loc)
        # (A returned value's versions are exempt, see ir.Trace.return_versions: each
        # is set only on the path that returns, after which none of that function's
        # statements runs, and a callee's is read by its caller through a copy, which
        # is not exempt. On the other paths it still holds the None it started with.)
        view = self.view_of(changed)
        for name in sharing - {changed, kept} - self.trace.return_versions:
            stale = stale | {name}
            self.why[name] = (s.loc, user_name(changed), view)
        return stale

    def view_of(self, name):
        """(the user's name of the array, location) when `name` was taken by indexing
        an array (`row = A[i]`, `for row in A`), through copies; else None."""
        made, seen = self.made_by.get(name), 0
        while made is not None and made.rule.name == "copy" and seen < 100 and \
                isinstance(made.args.get("x"), ast.Name):
            made, seen = self.made_by.get(made.args["x"].id), seen + 1
        if made is None or made.rule.spelling != rules.SUBSCRIPT or \
                not isinstance(made.args.get("x"), ast.Name):
            return None
        return user_name(made.args["x"].id), made.loc

    def read(self, operand, stale, loc):
        if operand is None or not stale:
            return
        for node in all_nodes(operand):
            if isinstance(node, ast.Name) and node.id in stale:
                where, changed, view = self.why[node.id]
                name = user_name(node.id)
                if view is not None and view[0] == name:
                    # `for row in A: row /= ...`: the fix is to write into A by index
                    advice = (f"'{changed}' is a view into '{name}' (line "
                              f"{view[1].lineno}): write the change into '{name}' by index "
                              f"instead, for example '{name}[i] = {name}[i] / ...' rather "
                              f"than changing '{changed}' in place")
                else:
                    advice = (f"Take a copy where '{name}' is made (for example "
                              f"'{name} = ....copy()' or np.array(...)), or write the "
                              "change as a new array")
                raise TranslationError(
                    f"'{name}' shares memory with '{changed}', which line {where.lineno} "
                    f"changed in place after '{name}' was taken; Python's '{name}' sees "
                    f"that change, which s2s_ad cannot differentiate. {advice}", loc)
