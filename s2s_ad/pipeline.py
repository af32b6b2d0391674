"""The compiler as a list of named stages, run in order on one `Compilation`.

    lower     the structured trace (parse, subset check, lowering; cached per function)
    cse       common subexpressions shared, temporaries renumbered
    kinds     the probe, which kinds to trust, the checks of inputs and output
    aliasing  which values share memory; refusal of reads that aliasing makes wrong
    reverse   the reverse sweep from the rule table, the gradients, the returns
    tape      what each loop block records; the forward sweep with its pushes
    loops     scalar loops: recompute instead of record, per-value tapes, hoisting
              (scalar_loops.py; S2S_AD_OPTIMISE=0 turns it and `floats` off)
    clean     dead code dropped, single-use temporaries folded, deep expressions split
    floats    arrays only read element by element read as Python floats (float_reads.py)
    emit      the function printed (with source-line notes) and compiled

`S2S_AD_DUMP=lower,cse,kinds,reverse,tape` (any of the names, or `all`) prints each
named stage's result to stderr as it is produced: the trace as Python, the kinds
table, the alias classes, the reverse sweep, the tape plan, the final source.
"""
import ast
import collections
import copy
import os
import sys

from . import builtin_names, tape
from .aliasing import alias_classes, check_mutations
from .checks import check_kinds
from .custom_notes import annotate
from .cse import eliminate_common_subexpressions
from .emit import compile_function
from .flatten import LIMIT as FLATTEN_LIMIT, flatten_deep_expressions
from .forward import ForwardEmitter, assign
from .ir import NameAllocator, Stmt, walk_items
from .kind_flow import settle_kinds
from .liveness import effect_of, eliminate_dead_code, reads
from .lower_effects import probing
from .probe import observe, origin
from .render import render_function
from .reverse import ReverseTransform
from .scalar_loops import rewrite_loops
from .float_reads import read_floats
from .simplify import fold_single_use_temporaries
from .strength import reduce_powers
from .walk import name_nodes, names_and_size

STAGES = ("lower", "cse", "kinds", "aliasing", "reverse", "tape", "loops", "clean",
          "floats", "emit")


class Compilation:
    """What the stages build for one signature, in the order they build it."""

    def __init__(self, compiler, args, lean):
        self.compiler = compiler        # the GradientCompiler: function, argnums, options
        self.args = args                # example arguments (None: the generic version)
        self.lean = lean
        self.trace = None
        self.names = None               # NameAllocator for every generated name
        self.modules = self.helpers = None     # conventional name -> name in the code
        self.namespace = None           # the generated code's globals
        self.kinds = {}
        self.by_value = False
        self.value_params = frozenset()     # int arguments the kinds assume the values of
        self.aliases = {}
        self.transform = None
        self.forward = self.reverse = self.returns = None
        self.pushes = None
        self.source = self.function = None


def run(compiler, args, lean=True, by_value=False):
    """Run every stage; return the finished Compilation. `by_value`: the caller keeps
    a version per value of the int arguments that decide shapes (kind_flow.py)."""
    c = Compilation(compiler, args, lean)
    c.by_value = by_value
    requested = _requested()
    for name in STAGES:
        shown = globals()[f"_{name}"](c)
        if name in requested or "all" in requested:
            print(f"--- s2s_ad {name}: {compiler.parsed.node.name} ---\n{shown()}",
                  file=sys.stderr)
    return c


def _requested():
    return {s.strip() for s in os.environ.get("S2S_AD_DUMP", "").split(",") if s.strip()}


# -- the stages: each does its work and returns a function that shows its result --------

def _lower(c):
    c.trace = c.compiler.trace
    return lambda: _show_trace(c.trace)


def _cse(c):
    c.trace = eliminate_common_subexpressions(c.trace)
    if _has_reciprocal(c.trace):
        from .sigmoid_fusion import fuse_sigmoids      # 1 / (1 + exp(-u)): one rule
        c.trace = fuse_sigmoids(c.trace)
    c.names = NameAllocator(c.trace.taken)
    c.modules, c.helpers, c.namespace = c.compiler.namespace_for(c.trace, c.names)
    return lambda: _show_trace(c.trace)


def _kinds(c):
    if c.args is not None:
        with probing():         # lower_effects: the probe prints nothing, draws nothing
            c.kinds, result_kind = observe(c.trace, c.args, c.namespace, c.compiler.parsed,
                                           c.compiler.gc_was_enabled)
            # (settling evaluates statements of branches not taken on stand-in values:
            # a draw there must not move the generators on either)
            c.value_params = settle_kinds(c.trace, c.kinds, c.namespace, c.by_value)
        check_kinds(c.trace, c.kinds, result_kind, c.compiler.params, c.compiler.wrt)
    return lambda: "\n".join(f"{name}: {'unknown' if kind is None else kind.describe()}"
                             for name, kind in c.kinds.items()) or "(no example arguments)"


def _aliasing(c):
    c.aliases = alias_classes(c.trace, c.kinds)
    check_mutations(c.trace, c.kinds, c.aliases)
    classes = {group for group in c.aliases.values()}
    return lambda: "\n".join(", ".join(sorted(g)) for g in classes) or "(no shared memory)"


def _reverse(c):
    compiler = c.compiler
    c.transform = ReverseTransform(c.trace, c.kinds, compiler.wrt, c.names, c.modules,
                                   c.helpers, c.lean, c.aliases)
    c.reverse = c.transform.reverse_sweep()
    grads = c.transform.gradients()
    c.gradient = (grads[0] if isinstance(compiler.argnums, int)
                  else ast.Tuple(grads, ast.Load()))
    c.returns = compiler.returns(c.trace.result, c.gradient, c.trace)
    if c.transform.pairs:
        # The tape records what the reverse code that will run reads. Without loops
        # there is no tape, and `clean` drops this dead code with the forward sweep's.
        eliminate_dead_code(c.reverse, reads(c.returns), c.aliases)
    return lambda: _show(c.reverse + [c.returns])


def _tape(c):
    """Plan the tape from the reverse code that will run, and write the forward sweep
    with its pushes; keep the result if the reverse sweep rebinds its name."""
    tape_name, push, pop = (c.names.fresh(n) for n in ("tape", "tape_push", "tape_pop"))
    check = c.helpers["tape_check"] if tape.checking() else None
    c.pushes = tape.plan(c.transform.pairs, pop, check)
    c.forward = ForwardEmitter(c.pushes, push=push).block(c.trace.body)
    if c.pushes:
        c.forward[:0] = [assign(tape_name, ast.List([], ast.Load())),
                         assign(push, _method(tape_name, "append"))]
        c.reverse.insert(0, assign(pop, _method(tape_name, "pop")))
        if check:
            empty = ast.Call(ast.Name(c.helpers["tape_empty"], ast.Load()),
                             [ast.Name(tape_name, ast.Load())], [])
            c.reverse.append(ast.Expr(empty))
    value = c.trace.result
    if c.trace.is_local(value) and _rebinds(c, value.id):
        # The reverse sweep restores earlier values of this name: keep the result.
        kept = c.names.fresh(f"{value.id}_result")
        c.forward.append(assign(kept, value))
        c.returns = c.compiler.returns(ast.Name(kept, ast.Load()), c.gradient, c.trace)
    plan = "\n".join(f"block {c.pushes.tags.get(k, '')}: {', '.join(v)}"
                     for k, v in c.pushes.items())
    return lambda: (plan or "(nothing recorded)") + "\n\n" + _show(c.forward + c.reverse)


def _loops(c):
    done = rewrite_loops(c)         # scalar_loops.py
    return lambda: "\n".join(done or ["(nothing changed)"]) + "\n\n" + _show(
        c.forward + c.reverse)


def _clean(c):
    in_forward = {id(s) for s in c.forward}
    # One walk of each statement gives its names, whether it has a power, and its size
    # (walk.names_and_size); a simple one's, made first, gives liveness its effect too.
    walked, effects = {}, {}
    for s in c.forward + c.reverse:
        if type(s) in _WALKED_FIRST:
            walked[id(s)], effects[id(s)] = _walk_simple(s)
    statements = eliminate_dead_code(c.forward + c.reverse, reads(c.returns), c.aliases,
                                     effects)
    walked.update((id(s), names_and_size(s)) for s in c.forward + c.reverse
                  if id(s) not in walked)     # (after liveness: it drops nested ones)
    powers = [s for s in c.forward + c.reverse if walked[id(s)][1]]
    # strength.py: x ** 2 -> x * x (exact); only statements with a power can change.
    reduce_powers([s for s in powers if id(s) in in_forward],
                  [s for s in powers if id(s) not in in_forward], c.kinds)
    walked.update((id(s), names_and_size(s)) for s in powers)
    counts, stored_forward, stored_reverse = _name_counts(
        c.forward, c.reverse, {id(s) for s in statements}, walked)
    counts.update(reads_list(c.returns))
    adjoint_temps = {n for n, k in stored_reverse.items()
                     if k == 1 and n.endswith("_bar") and n not in stored_forward}
    arrays = {v for v in c.trace.temps if c.kinds.get(v) is not None and c.kinds[v].is_array}
    array_temps = (arrays | {c.transform.adjoint_name(v) for v in arrays} - {None}
                   | c.transform.neg_names) if c.lean else set()
    folded_into = set()
    fold_single_use_temporaries(statements, counts, c.trace.temps | adjoint_temps,
                                array_temps, c.aliases, folded_into)
    c.forward = [s for s in statements if id(s) in in_forward]
    c.reverse = [s for s in statements if id(s) not in in_forward]
    # Long programs make deep expressions (a sum of many adjoint terms): split them
    # into statements that compile() and the printer accept. A simple statement of
    # fewer than LIMIT nodes that no fold changed cannot be one.
    shallow = {id(s): s for s in statements if type(s) in _SIMPLE
               and walked[id(s)][2] + 1 < FLATTEN_LIMIT and id(s) not in folded_into}
    flatten_deep_expressions(c.forward, c.names.fresh, shallow)
    tail = flatten_deep_expressions(c.reverse + [c.returns], c.names.fresh, shallow)
    c.reverse, c.returns = tail[:-1], tail[-1]
    return lambda: _show(c.forward + c.reverse + [c.returns])


def _floats(c):
    done = read_floats(c)           # float_reads.py
    return lambda: "\n".join(done or ["(nothing changed)"]) + "\n\n" + _show(
        c.forward + c.reverse + [c.returns])


def _emit(c):
    compiler = c.compiler
    statements = c.forward + c.reverse + [c.returns]
    suffix = "value_and_grad" if compiler.with_value else "grad"
    name = f"{c.trace.name}_{suffix}"
    # Every name in the code is the user's (NameAllocator's `taken`) or was made fresh
    # by c.names: a name it has not seen clashes with nothing.
    if name in c.names.taken or name in compiler.params:
        name = c.names.fresh(name)
    builtin_names.protect(statements, c.namespace, c.names, c.trace)
    annotate(c.forward + c.reverse, c.namespace)    # calls of user-supplied rules
    header = ast.FunctionDef(name, compiler.parsed.node.args)
    c.source = render_function(header, [("forward sweep", c.forward),
                                         ("reverse sweep", c.reverse)], c.returns)
    c.function = compile_function(c.source, header.name, c.namespace,
                                  origin(compiler.parsed))
    c.function.__defaults__ = compiler.parsed.defaults
    return lambda: c.source


# -- small helpers --------------------------------------------------------------------

def _show_trace(trace):
    """The trace as Python: the forward sweep it stands for, phi copies included."""
    return _show(ForwardEmitter().block(trace.body) + [ast.Return(trace.result)])


def _show(statements):
    module = ast.Module(body=[copy.deepcopy(s) for s in statements], type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module))


_SIMPLE = (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)
_WALKED_FIRST = (ast.Assign, ast.AugAssign, ast.Expr)


def _walk_simple(s):
    """(walk.names_and_size(s), liveness.effect_of(s, ...)) from one walk of the value
    and one of each target."""
    calls = []
    value_names, power, size = names_and_size(s.value, calls)
    targets = s.targets if type(s) is ast.Assign else \
        [s.target] if type(s) is ast.AugAssign else []
    names = list(value_names)
    for t in targets:
        if type(t) is ast.Name:         # (most targets: what names_and_size would say)
            names.append(t)
            size += 1
            continue
        more, more_power, more_size = names_and_size(t)
        names += more
        power, size = power or more_power, size + more_size
    return (names, power, size + 1), effect_of(s, value_names, calls)


def _has_reciprocal(trace):
    """Is there a `1 / (...)`, with which every sigmoid chain ends? (Else fusing has
    nothing to do, and its count of every name's reads is skipped.)"""
    return any(isinstance(item, Stmt) and item.rule.name == "truediv"
               and isinstance(item.args.get("x"), ast.Constant) and item.args["x"].value == 1
               for item in walk_items(trace.body))


def _method(name, attr):
    return ast.Attribute(ast.Name(name, ast.Load()), attr, ast.Load())


def _name_counts(forward, reverse, kept, walked):
    """(how often each name is read in the statements whose ids are in `kept`, the
    names `forward` assigns, how often each name is assigned in `reverse`), from the
    walk of each statement (`walked`: id -> walk.names_and_size)."""
    # (one list of names per count, counted once: Counter.update per statement cost
    # as much as the walks)
    loaded, stores = [], ([], [])
    load, store = ast.Load, ast.Store
    for statements, stored in ((forward, stores[0]), (reverse, stores[1])):
        for s in statements:
            names = walked[id(s)][0]
            if id(s) in kept:
                loaded += [n.id for n in names if type(n.ctx) is load]
            stored += [n.id for n in names if type(n.ctx) is store]
    return collections.Counter(loaded), set(stores[0]), collections.Counter(stores[1])


def reads_list(node):
    return [n.id for n in name_nodes(node) if type(n.ctx) is ast.Load]


def _rebinds(c, name):
    """Does the reverse sweep that will run bind `name`? (Without a tape it still has
    its dead code, see _reverse: dropped first when a statement binds the name.)"""
    if name not in _stored(c.reverse):
        return False
    if not c.transform.pairs:
        eliminate_dead_code(c.reverse, reads(c.returns), c.aliases)
        return name in _stored(c.reverse)
    return True


def _stored(statements):
    """The names the statements bind (walk.stores of each), from one walk of them all."""
    return {n.id for n in name_nodes(ast.Module(statements, [])) if type(n.ctx) is ast.Store}
