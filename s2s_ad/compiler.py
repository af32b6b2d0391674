"""Drives the pipeline for one function: parse -> lower -> observe kinds -> reverse
transform -> emit. One `GradientCompiler` per decorated function; `compile(args)` once
per argument signature.
"""
import ast
import collections
from dataclasses import dataclass

import numpy as np

from . import runtime
from .emit import compile_function
from .errors import TranslationError, UnboundNameError, UsageTypeError, UsageValueError
from .frontend import parse_function
from .kind_flow import settle_kinds
from .kinds import kind_of, merge_kinds
from . import builtin_names, rules, tape
from .aliasing import alias_classes, check_mutations
from .control import lower_structured as lower
from .forward import ForwardEmitter, assign as _assign
from .ir import walk_items
from .liveness import eliminate_dead_code, reads
from .render import render_function
from .reverse import ReverseTransform
from .runtime_containers import HELPERS as _CONTAINER_HELPERS
from .runtime_tape import HELPERS as _TAPE_HELPERS
from .runtime_sequences import HELPERS as _SEQUENCE_HELPERS
from .cse import eliminate_common_subexpressions
from .simplify import fold_single_use_temporaries
from .trace import NameAllocator, Stmt

# Modules that rule templates name, by their conventional names.
_TEMPLATE_MODULES = rules.TEMPLATE_MODULES     # np, math, and scipy when it imports
_HELPERS = {"unbroadcast": runtime.unbroadcast, "zeros_like": runtime.zeros_like,
            "scatter": runtime.scatter, "scatter_add": runtime.scatter_add,
            **_CONTAINER_HELPERS, **_TAPE_HELPERS,
            **_SEQUENCE_HELPERS}
_NOTE = "__s2s_note__"


@dataclass
class Compiled:
    function: object        # the generated gradient function
    source: str             # its text, as shown to users
    kinds: dict             # what each traced value was on the example arguments


class GradientCompiler:
    def __init__(self, fun, argnums, with_value, has_aux=False):
        self.fun = fun
        self.parsed = parse_function(fun)
        self.params = self.parsed.params        # positional-only ones included
        self.argnums, self.wrt = _check_argnums(argnums, self.params, self.parsed)
        self.with_value = with_value
        self.has_aux = has_aux
        try:                        # resolve names now if they are all bound already
            self._trace = lower(self.parsed, self.has_aux)
        except UnboundNameError:    # ... else at the first call
            self._trace = None

    @property
    def trace(self):
        if self._trace is None:
            self.parsed = parse_function(self.fun)      # a fresh look at its globals
            self._trace = lower(self.parsed, self.has_aux)
        return self._trace

    def forget(self):
        """Drop the trace: a global or closure variable it was built from has been
        rebound (see api.py), so the next compile parses and lowers afresh."""
        self._trace = None

    def compile(self, args=None, lean=True):
        """Generate, compile and return the gradient for the signature of `args`
        (or, without args, a generic version that uses runtime helpers)."""
        trace = eliminate_common_subexpressions(self.trace)
        names = NameAllocator(trace.taken)
        modules = _allocate(_TEMPLATE_MODULES, trace, names)
        helpers = _allocate(_HELPERS, trace, names)
        namespace = dict(self.parsed.namespace)
        namespace.update(getattr(self.trace, "extra_namespace", {}))
        for conventional, name in modules.items():
            namespace[name] = _TEMPLATE_MODULES[conventional]
        for conventional, name in helpers.items():
            namespace[name] = _HELPERS[conventional]

        kinds = {}
        if args is not None:
            kinds = self._observe(trace, args, namespace)
            settle_kinds(trace, kinds, namespace)
            self._check_kinds(trace, kinds)
        aliases = alias_classes(trace, kinds)
        check_mutations(trace, kinds, aliases)

        transform = ReverseTransform(trace, kinds, self.wrt, names, modules, helpers, lean)
        reverse = transform.reverse_sweep()
        grads = transform.gradients()
        gradient = grads[0] if isinstance(self.argnums, int) else ast.Tuple(grads, ast.Load())
        returns = self._returns(trace.result, gradient, trace)
        live_out = reads(returns)
        eliminate_dead_code(reverse, live_out, aliases)
        tape_name, push, pop = (names.fresh(n) for n in ("tape", "tape_push", "tape_pop"))
        check = helpers["tape_check"] if tape.checking() else None
        pushes = tape.plan(transform.pairs, pop, check)
        forward = ForwardEmitter(pushes, push=push).block(trace.body)
        if pushes:
            forward[:0] = [_assign(tape_name, ast.List([], ast.Load())),
                           _assign(push, _method(tape_name, "append"))]
            reverse.insert(0, _assign(pop, _method(tape_name, "pop")))
            if check:
                empty = ast.Call(ast.Name(helpers["tape_empty"], ast.Load()),
                                 [ast.Name(tape_name, ast.Load())], [])
                reverse.append(ast.Expr(empty))
        value = trace.result
        if trace.is_local(value) and value.id in _stored(reverse):
            # The reverse sweep restores earlier values of this name: keep the result.
            kept = names.fresh(f"{value.id}_result")
            forward.append(_assign(kept, value))
            value = ast.Name(kept, ast.Load())
            returns = self._returns(value, gradient, trace)
            live_out = reads(returns)
        in_forward = {id(s) for s in forward}
        statements = eliminate_dead_code(forward + reverse, live_out, aliases)
        counts = _name_counts(statements + [returns], ast.Load)
        adjoint_temps = {n for n, k in _name_counts(reverse, ast.Store).items()
                         if k == 1 and n.endswith("_bar") and n not in _stored(forward)}
        arrays = {v for v in trace.temps if kinds.get(v) is not None and kinds[v].is_array}
        array_temps = (arrays | {transform.adjoint_name(v) for v in arrays} - {None}
                       | transform.neg_names) if lean else set()
        fold_single_use_temporaries(statements, counts, trace.temps | adjoint_temps, array_temps)
        forward = [s for s in statements if id(s) in in_forward]
        reverse = [s for s in statements if id(s) not in in_forward]

        suffix = "value_and_grad" if self.with_value else "grad"
        name = f"{trace.name}_{suffix}"
        used = {n.id for st in statements + [returns] for n in ast.walk(st)
                if isinstance(n, ast.Name)}
        if name in used or name in self.params:     # only a clash inside the code counts
            name = names.fresh(name)
        builtin_names.protect(statements + [returns], namespace, names, trace)
        header = ast.FunctionDef(name, self.parsed.node.args)
        source = render_function(header, [("forward sweep", forward),
                                           ("reverse sweep", reverse)], returns)
        function = compile_function(source, header.name, namespace, _origin(self.parsed))
        function.__defaults__ = self.fun.__defaults__
        self.tape_records = {id_: names for id_, names in pushes.items()}
        return Compiled(function, source, kinds)

    def _returns(self, value, gradient, trace):
        """JAX's shapes: grad -> g or (g, aux); value_and_grad -> (v, g) or ((v, aux), g)."""
        if self.has_aux:
            aux = trace.aux
            if self.with_value:
                return ast.Return(ast.Tuple([ast.Tuple([value, aux], ast.Load()), gradient],
                                            ast.Load()))
            return ast.Return(ast.Tuple([gradient, aux], ast.Load()))
        return ast.Return(ast.Tuple([value, gradient], ast.Load()) if self.with_value
                          else gradient)

    # -- kinds ---------------------------------------------------------------------

    def _observe(self, trace, args, namespace):
        """Run the forward sweep once on `args`, noting what each value is, every time
        it is assigned (inside loops, too: a value whose kind varies becomes unknown)."""
        kinds = {}

        def note(name, value):
            kind = kind_of(value)
            seen = kinds.get(name, kind)
            kinds[name] = merge_kinds(seen, kind)

        statements = [_note_call(p) for p in trace.params]
        statements += ForwardEmitter(after_assign=lambda name: [_note_call(name)]).block(
            trace.body)
        probe = ast.FunctionDef(f"{trace.name}_probe", self.parsed.node.args, [], [])
        probe_namespace = {**namespace, _NOTE: note}
        builtin_names.protect(statements, probe_namespace, NameAllocator(trace.taken), trace)
        source = render_function(probe, [(None, statements)], ast.Return(trace.result))
        function = compile_function(source, probe.name, probe_namespace, _origin(self.parsed))
        function.__defaults__ = self.parsed.defaults
        result = function(*args)
        if trace.is_local(trace.result):
            kinds[trace.result.id] = kind_of(result)
        self.result_kind = kind_of(result)
        return kinds

    def _check_kinds(self, trace, kinds):
        for position, p in enumerate(self.params):
            kind = kinds.get(p)
            if kind is None:
                continue
            if _is_complex(kind):
                raise UsageTypeError(
                    f"argument {position} ('{p}') of {trace.name} is {kind.describe()}; "
                    "s2s_ad does not differentiate complex numbers (yet): pass the real "
                    "and imaginary parts as separate real arguments")
            if p in self.wrt and not kind.is_real:
                raise UsageTypeError(
                    f"argument {position} ('{p}') of {trace.name} is {kind.describe()}; "
                    "grad differentiates real numbers and float arrays only (convert "
                    "with float(...) or .astype(float), or leave it out of argnums)")
        for item in walk_items(trace.body):
            if isinstance(item, Stmt) and _is_complex(kinds.get(item.target)):
                raise TranslationError(
                    "this makes a complex value, and s2s_ad does not differentiate complex "
                    "numbers (yet); keep the computation real (e.g. work with the real "
                    "and imaginary parts separately)", item.loc)
        kind = self.result_kind
        if _is_complex(kind):
            raise TranslationError(f"grad requires real-valued outputs, but {trace.name} "
                                   f"returns {kind.describe()}; return a real number "
                                   "(e.g. abs(z) ** 2 or z.real)", trace.result_loc)
        if not kind.is_numeric or kind.shape != ():
            what = kind.describe()
            raise TranslationError(f"grad needs a scalar output, but {trace.name} returns "
                                   f"{what}; reduce it to a number (for example with "
                                   "np.sum) or differentiate one element", trace.result_loc)
        # An integer or boolean output is piecewise constant: its "gradient" would be a
        # silent 0. A Python int is accepted when a differentiated argument is one too
        # (x * x called with x=3), where it is just the float computation on integers.
        int_args = any(kinds.get(p) is not None and kinds[p].pytype is int for p in self.wrt)
        integral = kind.pytype is bool or (kind.pytype is int and not int_args) or (
            kind.is_array and not np.issubdtype(kind.dtype, np.floating))
        if integral:
            raise TranslationError(f"grad requires real-valued outputs, but {trace.name} "
                                   f"returns {kind.describe()}, which has no derivative; "
                                   "return a float computed from the arguments",
                                   trace.result_loc)


def _is_complex(kind):
    if kind is None:
        return False
    if kind.pytype is complex:
        return True
    return kind.is_array and np.issubdtype(kind.dtype, np.complexfloating)


def _check_argnums(argnums, params, parsed):
    """Validate `argnums` as JAX does: an int (one gradient) or a non-empty tuple/list
    of ints (a tuple of gradients), each naming a parameter, none twice."""
    name = parsed.node.name
    single = _is_int(argnums)
    if single:
        numbers = (int(argnums),)
    elif isinstance(argnums, (tuple, list)) and all(_is_int(n) for n in argnums):
        numbers = tuple(int(n) for n in argnums)
        if not numbers:
            raise UsageValueError(f"argnums={argnums!r} asks for no gradient; give the "
                                  f"position of at least one parameter of {name}")
    else:
        raise UsageTypeError(f"argnums must be an int or a tuple of ints (positions of "
                             f"parameters of {name}), not {argnums!r}")
    for n in numbers:
        if not -len(params) <= n < len(params):
            raise UsageValueError(f"argnums={argnums!r} does not fit {name}, which has "
                                  f"{len(params)} parameter(s): {', '.join(params) or 'none'}")
    wrt = [params[n] for n in numbers]
    if len(set(wrt)) != len(wrt):
        raise UsageValueError(f"argnums={argnums!r} names a parameter of {name} twice")
    return (numbers[0] if single else numbers), wrt


def _is_int(n):
    return isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))


def _allocate(objects, trace, names):
    """A name for each module/helper that generated code uses: the user's own name for it
    when their namespace has one (`import numpy as xp` -> xp), else a fresh one."""
    chosen = {}
    namespace = trace.parsed.namespace
    for conventional, obj in objects.items():
        if namespace.get(conventional) is obj and conventional not in trace.locals:
            chosen[conventional] = conventional
            continue
        alias = next((k for k, v in namespace.items() if v is obj and not k.startswith("_")
                      and k not in trace.locals), None)
        chosen[conventional] = alias or names.fresh(conventional)
    return chosen


def _method(name, attr):
    return ast.Attribute(ast.Name(name, ast.Load()), attr, ast.Load())


def _name_counts(statements, ctx):
    """How often each name is read (ctx=ast.Load) or assigned (ast.Store)."""
    counts = collections.Counter()
    for s in statements:
        counts.update(n.id for n in ast.walk(s) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ctx))
    return counts


def _stored(statements):
    return {n.id for s in statements for n in ast.walk(s)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _note_call(name):
    return ast.Expr(ast.Call(ast.Name(_NOTE, ast.Load()),
                             [ast.Constant(name), ast.Name(name, ast.Load())], []))


def _origin(parsed):
    return f"{parsed.filename}:{parsed.node.lineno}"
