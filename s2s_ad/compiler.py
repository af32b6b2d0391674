"""One `GradientCompiler` per decorated function: it holds what the user asked for
(the function, argnums, value or not, has_aux), the lowered trace (cached until a
global it was built from is rebound), and compiles one gradient per argument signature
by running the stages of pipeline.py.
"""
import ast
import contextlib
import gc
from dataclasses import dataclass


from . import pipeline, rules, runtime
from .checks import check_argnums
from .control import lower_structured as lower
from .depth import call_deep
from .errors import UnboundNameError, TreeDependentError
from .frontend import parse_function
from .runtime_containers import HELPERS as _CONTAINER_HELPERS
from .runtime_sequences import HELPERS as _SEQUENCE_HELPERS
from .runtime_tape import HELPERS as _TAPE_HELPERS

# Modules that rule templates name, by their conventional names: np, math, and scipy
# when it imports.
TEMPLATE_MODULES = rules.TEMPLATE_MODULES
# Runtime helpers generated code may call (each a primitive with its own rule).
HELPERS = {"unbroadcast": runtime.unbroadcast, "zeros_like": runtime.zeros_like,
           "scatter": runtime.scatter, "scatter_add": runtime.scatter_add,
           **_CONTAINER_HELPERS, **_TAPE_HELPERS, **_SEQUENCE_HELPERS}


@dataclass
class Compiled:
    function: object        # the generated gradient function
    source: str             # its text, as shown to users
    kinds: dict             # what each traced value was on the example arguments
    value_params: frozenset = frozenset()   # int arguments it is only right for the
                                            # values of (compile(..., by_value=True))


class GradientCompiler:
    def __init__(self, fun, argnums, with_value, has_aux=False):
        self.fun = fun
        with collector_paused():
            self.parsed = parse_function(fun)
        self.params = self.parsed.params        # positional-only ones included
        self.argnums, self.wrt = check_argnums(argnums, self.params, self.parsed)
        self.with_value = with_value
        self.has_aux = has_aux
        self.gc_was_enabled = gc.isenabled()
        self._parsed_fresh = True
        try:                        # resolve names now if they are all bound already
            with collector_paused():
                self._trace = _lower(self.parsed, self.has_aux)
        except UnboundNameError:    # ... else at the first call
            self._trace = None
            self._parsed_fresh = False
        except TreeDependentError:
            # `state.theta`: refused for an array, but the first call may pass a
            # NamedTuple (a parameter tree, api_trees.py); decided then.
            self._trace = None

    @property
    def trace(self):
        if self._trace is None:
            with collector_paused():
                self.fresh_parsed()
                self._trace = _lower(self.parsed, self.has_aux)
        return self._trace

    def fresh_parsed(self):
        """The parsed function, parsed again after `forget` (a fresh look at its
        globals); parameter trees (api_trees.py) lower it on their own."""
        if not self._parsed_fresh:
            self.parsed = parse_function(self.fun)
            self._parsed_fresh = True
        return self.parsed

    def forget(self):
        """Drop the trace: a global or closure variable it was built from has been
        rebound (see api.py), so the next compile parses and lowers afresh."""
        self._trace = None
        self._parsed_fresh = False

    def compile(self, args=None, lean=True, by_value=False):
        """Generate, compile and return the gradient for the signature of `args`
        (or, without args, a generic version that uses runtime helpers)."""
        # The passes build many small, acyclic AST objects: the cyclic garbage collector
        # would re-scan all of them every few thousand allocations, which makes compile
        # time grow faster than the program. Paused here, and restored (the probe runs
        # the user's code with it as it was).
        self.gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            done = pipeline.run(self, args, lean, by_value)
            self.tape_records = dict(done.pushes)
            compiled = Compiled(done.function, done.source, done.kinds, done.value_params)
            # The stages' trees go now, while the collector is paused: alive when it
            # resumes, its first collection would walk every node of them (a third of
            # a second on a 10,000-line function) only to find them freed just after.
            del done
        finally:
            if self.gc_was_enabled:
                gc.enable()
        return compiled

    def namespace_for(self, trace, names):
        """The names generated code uses for modules and runtime helpers, and the
        namespace it runs in: the function's globals and closure, its inlined
        helpers' externals, and those modules and helpers."""
        modules = _allocate(TEMPLATE_MODULES, trace, names)
        helpers = _allocate(HELPERS, trace, names)
        namespace = dict(self.parsed.namespace)
        namespace.update(getattr(self.trace, "extra_namespace", {}))
        for conventional, name in modules.items():
            namespace[name] = TEMPLATE_MODULES[conventional]
        for conventional, name in helpers.items():
            namespace[name] = HELPERS[conventional]
        return modules, helpers, namespace

    def returns(self, value, gradient, trace):
        """JAX's shapes: grad -> g or (g, aux); value_and_grad -> (v, g) or ((v, aux), g)."""
        if self.has_aux:
            aux = trace.aux
            if self.with_value:
                return ast.Return(ast.Tuple([ast.Tuple([value, aux], ast.Load()), gradient],
                                            ast.Load()))
            return ast.Return(ast.Tuple([gradient, aux], ast.Load()))
        return ast.Return(ast.Tuple([value, gradient], ast.Load()) if self.with_value
                          else gradient)


@contextlib.contextmanager
def collector_paused():
    """Parsing and lowering build many small, acyclic AST objects and run none of the
    user's code: the cyclic garbage collector, which would re-scan all of them every
    few thousand allocations (a third of the time on a 10,000-line function), is paused
    meanwhile and left as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _lower(parsed, has_aux):
    """The structured trace, lowered with room for deeply nested user code."""
    try:
        with collector_paused():
            return call_deep(lower, parsed, has_aux)
    except RecursionError:
        raise parsed.error(f"{parsed.node.name} nests calls or expressions more deeply than "
                           "s2s_ad can translate (a few thousand levels of helper calls); "
                           "flatten the nesting into a loop or a sequence of statements",
                           parsed.node) from None


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
