"""The probe: the forward sweep run once on the first arguments of a signature, noting
what every value is (Python type; an array's shape and dtype), so that the code
generated for that signature can be specialised on shapes (see kind_flow.py for which
observed kinds are trusted).
"""
import ast
import builtins
import gc
import sys

import numpy as np

from . import builtin_names, rules
from .forward import assign as _assign
from . import ir
from .ir import NameAllocator
from .probe_placement import OWN, at_line, copy_at, placed
from .probe_loops import MarkingEmitter, Stopper, check_until_settled, loop_marks
from .kinds import kind_of, merge_kinds
from .render import PRINTED
from .walk import all_nodes

_NOTE = "__s2s_note__"


def observe(trace, args, namespace, parsed, gc_was_enabled=True, settle_loops=True):
    """(kinds, the result's kind): run the forward sweep once on `args`, noting what
    each value is every time it is assigned (inside loops too: a value whose kind
    varies becomes unknown).

    Inside loops a call per assignment per iteration would cost more than the
    user's arithmetic, so each value keeps the type (and an array's shape and dtype)
    it was last noted with in locals of the probe, and an inline test calls `note`
    only when they differ:

        if type(v) is not v_t or v_s is not None and (v.shape != v_s or v.dtype != v_d):
            v_t, v_s, v_d = note('v', v)

    Outside loops every name is assigned at most once (SSA), so those values are
    noted all together at the end, from `locals()`; only a name a loop assigns too
    (a loop-carried value's first version) is noted where it is assigned.

    A loop value whose kind follows from its operands' kinds alone (`_follows_kinds`:
    `a * b`, `-a`, `math.sin(a)`, a copy) needs no test of its own while no tested
    value — loop-carried values, branch joins, everything else — ever changes kind:
    every iteration then computes it from operands of the same kinds, and its last
    value, noted at the end, has the kind of all. If a tested value does change
    kind, the probe runs again with every value in the loops tested.

    A loop made of such values only tests until its kinds repeat, and may even stop
    running then (probe_loops.py; `settle_loops=False` tests every iteration, for the
    tests that compare the two).
    """
    run = _Probe(trace, args, namespace, parsed, gc_was_enabled, settle_loops)
    derived = _derived_in_loops(trace)
    kinds, result, changed = run(derived)
    unsure = _of_non_numbers(trace, derived, kinds)
    if unsure:
        derived = derived - unsure
        kinds, result, changed = run(derived)
    if changed and derived:
        kinds, result, _ = run(set())
    if trace.is_local(trace.result):
        kinds[trace.result.id] = kind_of(result)
    return kinds, kind_of(result)


class _Probe:
    """One instrumented run of the forward sweep (see `observe`)."""

    def __init__(self, trace, args, namespace, parsed, gc_was_enabled, settle_loops):
        self.trace, self.args, self.namespace = trace, args, namespace
        self.parsed, self.gc_was_enabled = parsed, gc_was_enabled
        self.settle_loops = settle_loops

    def __call__(self, derived):
        """(kinds, f's value, did a tested value change kind?) from one probe run in
        which the names in `derived` are noted only at the end. If a loop left early
        (probe_loops.STOP) and the code after it raised, the probe runs again with
        every loop run to its end."""
        outcome = self.run(derived, may_stop=True)
        return outcome if outcome is not None else self.run(derived, may_stop=False)

    def run(self, derived, may_stop):
        kinds = {}
        changed = []

        def note(name, value):
            kind = kind_of(value)
            seen = kinds.get(name, kind)
            merged = kinds[name] = merge_kinds(seen, kind)
            # (None before a loop binds a name, then a value: merge_kinds keeps the
            # value's kind, as it does for every value computed from it.)
            if merged != seen and seen.pytype is not type(None):
                changed.append(name)
            if kind.is_array and not isinstance(value, np.generic):
                # (a dask array too: its guard compares shapes and dtypes as well)
                return type(value), value.shape, value.dtype
            return type(value), None, None

        statements = [_Note(p) for p in self.trace.params]
        marks = (loop_marks(self.trace, derived, _follows_kinds, may_stop)
                 if self.settle_loops else {})
        statements += MarkingEmitter(lambda name: [_Note(name)], marks).block(
            self.trace.body)
        probe_names = NameAllocator(self.trace.taken | {_NOTE})
        type_, locals_, note_all, stop = (
            probe_names.fresh(n) for n in ("type", "locals", "note_all", "stop"))
        guards, in_loops, deferred = [], set(), []
        if not ir.is_straight_line(self.trace.body):   # (else no loop, nothing to guard)
            _guard_notes_in_loops(statements, probe_names, type_, guards, False,
                                  in_loops, derived, deferred)
        if marks:
            check_until_settled(statements, probe_names,
                                lambda s: isinstance(s, ast.Pass) and hasattr(s, PRINTED), stop)
        _defer_notes(statements, in_loops, deferred)
        statements[:0] = [_assign(g, ast.Constant(None)) for g in guards]
        statements.append(ast.Expr(ast.Call(ast.Name(note_all, ast.Load()), [
            ast.Call(ast.Name(locals_, ast.Load()), [], [])], [])))

        def note_everything(scope):
            for name in deferred:
                if name not in scope:       # (not bound: in a branch that did not run)
                    continue
                if name in kinds:
                    note(name, scope[name])
                else:                       # (a first kind: note would merge it with itself)
                    kinds[name] = kind_of(scope[name])
        probe = ast.FunctionDef(f"{self.trace.name}_probe", self.parsed.node.args, [], [])
        stopper = Stopper()
        probe_namespace = {**self.namespace, _NOTE: note, type_: type,
                           locals_: locals, note_all: note_everything, stop: stopper}
        builtin_names.protect(statements, probe_namespace, probe_names, self.trace)
        function = _compile_probe(probe, statements, self.trace.result, probe_namespace,
                                  self.parsed)
        function.__defaults__ = self.parsed.defaults
        # The user's code runs with the garbage collector as it would outside s2s_ad,
        # except that the compiler's own objects, alive meanwhile, are frozen out of
        # its scans (each would otherwise walk every node of the program).
        paused = not gc.isenabled() and self.gc_was_enabled
        if paused:
            gc.freeze()
            gc.enable()
        try:
            result = function(*self.args)
        except Exception:
            if not stopper.stopped:
                raise
            return None         # on values a loop left early: not necessarily f's error
        finally:
            stopper.close()
            if paused:
                gc.disable()
                gc.unfreeze()
        return kinds, result, bool(changed)


def _compile_probe(header, statements, result, namespace, parsed):
    """The probe as a function, compiled from its syntax tree: it is run once and never
    read, so it is not printed (printing cost as much as the rest of the probe). A
    copy of the tree gets positions: each statement the line of the user's code it
    came from, in the user's file, so an error the user's code raises while probed
    points at their own line."""
    line = parsed.node.lineno
    body = placed(statements, line) + [ast.Return(copy_at(result, line))]
    at_line(body[-1], line)
    fn = ast.FunctionDef(header.name, copy_at(header.args, line), body, [], None, None,
                         **_type_params())
    fn.lineno, fn.end_lineno = line, 10 ** 9
    fn.col_offset = fn.end_col_offset = 0
    module = ast.Module([fn], [])
    scope = dict(namespace)
    scope.setdefault("__builtins__", builtins)
    exec(compile(module, parsed.filename, "exec"), scope)
    return scope[header.name]


class _Note(ast.stmt):
    """Where the forward sweep assigns `name`, the place of its note: inside a loop it
    becomes a guard (or nothing), outside one a call of `note` or nothing. (Most are
    nothing: a marker costs less than the call's tree.)"""
    _fields = ()

    def __init__(self, name):
        super().__init__()
        self.name = name


def _note_call(name):
    call = ast.Expr(ast.Call(ast.Name(_NOTE, ast.Load()),
                             [ast.Constant(name), ast.Name(name, ast.Load())], []))
    setattr(call, OWN, True)
    return call



def _guard_notes_in_loops(statements, names, type_, guards, in_loop, guarded,
                          derived, deferred):
    """Replace each note (_Note) inside a loop by its inline guard (see `observe`), in
    place, or drop it for a name in `derived` (appended to `deferred`, noted at the end).
    The guards' type locals are appended to `guards`, to be set to None first (the
    shape and dtype locals are read only after the type was noted); the names guarded
    are added to `guarded`."""
    kept = []
    for s in statements:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list):
                _guard_notes_in_loops(inner, names, type_, guards,
                                      in_loop or isinstance(s, (ast.For, ast.While)), guarded,
                                      derived, deferred)
                if isinstance(s, ast.If) and field == "body" and not inner:
                    inner.append(ast.Pass())
        if in_loop and type(s) is _Note:
            name = s.name
            if name in derived:
                deferred.append(name)
                continue
            guarded.add(name)
            s = _guarded_note(name, names, type_, guards)
        kept.append(s)
    statements[:] = kept


def _derived_in_loops(trace):
    """Names assigned in loops by statements whose result kind follows from their
    operands' kinds alone (see `_follows_kinds`)."""
    names = set()
    for item in ir.walk_items(trace.body):
        if isinstance(item, ir.Loop):
            for inner in ir.walk_items((item.cond_body or []) + item.body):
                if isinstance(inner, ir.Stmt) and _follows_kinds(inner):
                    names.add(inner.target)
    return names


def _of_non_numbers(trace, derived, kinds):
    """The names in `derived` computed from a value that is not a number or an array:
    their kinds need not follow from their operands' (`array + a_list`: the list's
    length, not in its kind, gives the shape; a class of the user's can return
    anything), so they are tested like every other value."""
    unsure = set()
    for item in ir.walk_items(trace.body):
        if isinstance(item, ir.Stmt) and item.target in derived:
            for operand in item.args.values():
                for node in all_nodes(operand):
                    kind = kinds.get(node.id) if isinstance(node, ast.Name) else None
                    if kind is not None and not kind.is_numeric:
                        unsure.add(item.target)
    return unsure


# Binary and unary operators whose result kind (Python type; array shape and dtype) is
# a function of their operands' kinds. Not `**` (2 ** -1 is a float, (-8.0) ** 0.5 a
# complex), and only under NumPy 2's promotion rules: NumPy 1 chose the dtype of
# `int8_array + n` by the value of n.
_KIND_FOLLOWING_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)
_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2


def _follows_kinds(stmt):
    rule = stmt.rule
    if rule.spelling == "copy":
        return True
    if rule.spelling in (rules.BINOP, rules.UNARY):
        return _NUMPY_2 and rule.symbol in _KIND_FOLLOWING_OPS
    # A math function of numbers returns a float (an int for floor/ceil, a bool for
    # isnan) whatever the values; not so for those of a sequence, whose elements' types
    # the sequence's kind does not record (math.prod([1, 2]) is an int).
    return (rule.spelling == rules.CALL and rule.name.startswith("math.")
            and rule.name not in ("math.prod", "math.sumprod"))


def _defer_notes(statements, keep, deferred):
    """Remove the notes (_Note) outside loops (in branches too) of names not in `keep`,
    in place, appending the names to `deferred`: they are noted at the end; the others
    become calls of `note`."""
    kept = []
    for s in statements:
        if isinstance(s, ast.If):
            for block in (s.body, s.orelse):
                had = bool(block)
                _defer_notes(block, keep, deferred)
                if had and not block:
                    block.append(ast.Pass())
        if type(s) is _Note:
            if s.name not in keep:
                deferred.append(s.name)
                continue
            s = _note_call(s.name)
        kept.append(s)
    statements[:] = kept


def _guarded_note(name, names, type_, guards):
    """`if type(v) is not v_t or ...: v_t, v_s, v_d = note('v', v)`, with `type` under
    a name of its own (the user may have a `type` of their own). v_s is None unless v
    is an array (not a NumPy scalar, whose type tells its dtype)."""
    t, shape, dtype = (names.fresh(f"{name}_{part}") for part in ("t", "s", "d"))
    guards.append(t)
    # Only its text is used (render.PRINTED): the probe is printed, never analysed.
    guard = ast.Pass()
    setattr(guard, PRINTED,
            f"if {type_}({name}) is not {t} or {shape} is not None and ({name}.shape != {shape} "
            f"or {name}.dtype != {dtype}):\n"
            f"    {t}, {shape}, {dtype} = {_NOTE}({name!r}, {name})")
    return guard


def _type_params():
    return {"type_params": []} if sys.version_info >= (3, 12) else {}


def origin(parsed):
    return f"{parsed.filename}:{parsed.node.lineno}"
