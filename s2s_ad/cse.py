"""Common-subexpression elimination on the structured trace, and renumbering.

A temporary that recomputes an earlier value (the same primitive on the same operands,
as in `3 * w1 / w2` written twice) reuses it. The primitives are pure, so the shared
value is bit for bit what the user's code gets.

An earlier value is visible in the block that computed it and the blocks nested there
(it dominates them), never after a branch it was computed in. A write into a container
(x[i] = v, L.append(v)) forgets every value read from it, in the loop around the write
too, since the next iteration sees the write. Saving a slot before a write is never
shared: two saves of one slot at different times hold different values. Nor is a
random draw (rules' `pure`): two draws with the same arguments differ.
"""
import ast
import copy

from . import ir
from .rules import control_rules as cr

_NEVER_SHARED = (cr.SAVE, cr.SAVE_ITEM)
_NEVER_SHARED_NAMES = {r.name for r in _NEVER_SHARED}


def _never_shared(rule):
    """`rule in _NEVER_SHARED`, without comparing every field of rules of other names
    (a rule equal to one of them has its name)."""
    return rule.name in _NEVER_SHARED_NAMES and rule in _NEVER_SHARED


def eliminate_common_subexpressions(trace):
    """A copy of `trace` with recomputed temporaries reusing the first computation,
    and its temporaries renumbered z1, z2, ... without gaps."""
    renames = {}
    body = _block(trace.body, _Seen(), renames, trace.temps)
    trace = copy.copy(trace)
    trace.body = body
    trace.result = ir.renamed(trace.result, renames)
    trace.aux = ir.renamed(trace.aux, renames)
    return _renumber_temps(trace)


def _block(items, seen, renames, temps):
    """CSE of one block; `seen` holds the values computed so far. Items are copied
    (shallowly), never changed in place: the trace stays the user's."""
    out = []
    for item in items:
        new = _shallow_copy(item)
        if item.blocks():
            written = set().union(*(_written(b) for b in item.blocks()))
            if isinstance(item, ir.Loop):       # the next iteration sees the writes
                inner = seen.copy()
                inner.forget(written)
                new.cond_body = (_block(item.cond_body, inner, renames, temps)
                                 if item.cond_body is not None else None)
                new.body = _block(item.body, inner, renames, temps)
            else:
                new.body = _block(item.body, seen.copy(), renames, temps)
                new.orelse = _block(item.orelse, seen.copy(), renames, temps)
            seen.forget(written)
            new.rename_operands(renames)    # phis and carried values read the blocks' names
        else:
            new.rename_operands(renames)
            if item.writes():
                seen.forget(item.writes())
            elif item.rule.pure and not _never_shared(item.rule):   # a draw: never shared
                key = _key(new)
                if key in seen.values and new.target in temps:
                    renames[new.target] = seen.values[key]
                    continue
                seen.add(key, new.target, new.operands())
        out.append(new)
    return out


def _shallow_copy(item):
    """copy.copy of an item (a plain dataclass instance), without its generic protocol."""
    new = item.__class__.__new__(item.__class__)
    new.__dict__.update(item.__dict__)
    return new


def _key(stmt):
    """What a statement computes, for comparison: its rule (a primitive is resolved by
    object, so one rule is one function) and its operands as written. Cheaper than
    printing the expression, and as exact: a literal is compared with its type and repr
    (1 is not 1.0, -0.0 is not 0.0)."""
    return (id(stmt.rule), tuple(_operand_key(op) for op in stmt.call_args),
            tuple((k, _operand_key(v)) for k, v in stmt.call_keywords))


def _operand_key(operand):
    if isinstance(operand, ast.Name):
        return operand.id
    if isinstance(operand, ast.Constant):
        return (type(operand.value), repr(operand.value))
    return ast.dump(operand)


def _written(items):
    return {name for item in ir.walk_items(items) for name in item.writes()}


class _Seen:
    """The values computed so far (expression key -> the name holding it), indexed by
    the names each expression reads, so that a write into a container forgets the
    values read from it without scanning every value (which made a function of many
    element writes quadratic)."""

    def __init__(self, values=None, readers=None):
        self.values = {} if values is None else values
        self.readers = {} if readers is None else readers   # name -> keys reading it

    def copy(self):
        return _Seen(dict(self.values), {n: set(keys) for n, keys in self.readers.items()})

    def add(self, key, target, operands):
        if key in self.values:
            return
        self.values[key] = target
        for name in {n for operand in operands for n in ir.names_in(operand)}:
            self.readers.setdefault(name, set()).add(key)

    def forget(self, containers):
        for container in containers:
            for key in self.readers.pop(container, ()):
                self.values.pop(key, None)


def _renumber_temps(trace):
    """Number the surviving temporaries z1, z2, ... without gaps, in trace order."""
    order = [d for item in ir.walk_items(trace.body) for d in item.defs() if d in trace.temps]
    order = list(dict.fromkeys(order))
    renumber = {}
    for i, old in enumerate(order, 1):
        new = f"z{i}"
        if old != new and old.startswith("z") and (new in trace.temps
                                                   or new not in trace.taken):
            renumber[old] = new
    # A temporary whose number is a name of the user's keeps its own name: then no
    # other may be given it (two values under one name; the function read back by
    # hessian has z-names of its own). Dropping a renaming may keep another name.
    while True:
        staying = (trace.temps | trace.taken) - set(renumber)
        clashes = [old for old, new in renumber.items() if new in staying]
        if not clashes:
            break
        for old in clashes:
            del renumber[old]
    if not renumber:
        return trace
    for item in ir.walk_items(trace.body):
        item.rename_operands(renumber)
        item.rename_defs(renumber)
    # The new names are locals and temporaries now, in place of the old ones.
    trace = copy.copy(trace)
    trace.result = ir.renamed(trace.result, renumber)
    trace.aux = ir.renamed(trace.aux, renumber)
    trace.locals = (trace.locals - set(renumber)) | set(renumber.values())
    trace.temps = (trace.temps - set(renumber)) | set(renumber.values())
    trace.taken = trace.taken | set(renumber.values())
    return trace
