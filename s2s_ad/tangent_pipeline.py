"""Forward mode's stages, beside pipeline.py's reverse ones: the same lower, cse and
kinds stages, then the tangent sweep (tangent.py) instead of reverse + tape, then emit.

    lower     the structured trace (shared with grad: cached per function)
    cse       common subexpressions shared, temporaries renumbered
    kinds     the probe; complex values refused (any output shape is fine here)
    aliasing  which values share memory; in-place writes aliasing makes wrong refused
    tangent   primal and tangent statements side by side
    emit      `def f_jvp(x, y, x_dot, y_dot): ... return out, out_dot`

`S2S_AD_DUMP=tangent` prints the generated source as for the reverse stages.
"""
import ast
import gc
import sys

from . import builtin_names, pipeline
from .compiler import GradientCompiler
from .control import StructuredLowerer
from .depth import call_deep
from .frontend import parse_function
from .checks import _is_complex
from .emit import compile_function
from .errors import TranslationError, UnboundNameError, UsageTypeError
from .ir import Stmt, walk_items
from .kind_flow import settle_kinds
from .liveness import eliminate_dead_code, reads
from .lower_effects import probing
from .probe import observe, origin
from .render import render_function
from .tangent import TangentEmitter, TangentTransform

STAGES = ("lower", "cse", "kinds", "aliasing", "tangent", "emit")


class TangentCompiler(GradientCompiler):
    """GradientCompiler's function, parameters and namespace, lowered so that the
    function may return a tuple (jvp gives one tangent per output)."""

    def __init__(self, fun):
        self.fun = fun
        self.parsed = parse_function(fun)
        self.params = self.parsed.params
        self.argnums, self.wrt = tuple(range(len(self.params))), list(self.params)
        self.with_value, self.has_aux = True, False
        self.gc_was_enabled = gc.isenabled()
        try:
            self._trace = _tuple_lowering(self.parsed)
        except UnboundNameError:
            self._trace = None

    @property
    def trace(self):
        if self._trace is None:
            self.parsed = parse_function(self.fun)
            self._trace = _tuple_lowering(self.parsed)
        return self._trace


def _tuple_lowering(parsed):
    lowerer = StructuredLowerer(parsed)
    lowerer.tuple_results = True
    try:
        return call_deep(lowerer.run)
    except RecursionError:
        raise parsed.error(f"{parsed.node.name} nests calls or expressions more deeply "
                           "than s2s_ad can translate", parsed.node) from None


def run(compiler, args, batch=None, by_value=False):
    """Compile the jvp of `compiler`'s function for arguments like `args`; return the
    Compilation (`.function(*primals, *tangents) -> (out, out_dot)`, `.source`).
    `batch`: the number of tangents each tangent argument stacks along a leading axis
    (tangent_batch.py; raises NotBatchable where it cannot), None for one tangent."""
    c = pipeline.Compilation(compiler, args, lean=True)
    c.batch = batch
    c.by_value = by_value       # kind_flow.py: shapes that int arguments decide
    requested = pipeline._requested()
    for name in STAGES:
        stage = _STAGES.get(name) or getattr(pipeline, f"_{name}")
        shown = stage(c)
        if name in requested or "all" in requested:
            print(f"--- s2s_ad {name} (jvp): {compiler.parsed.node.name} ---\n{shown()}",
                  file=sys.stderr)
    return c


def _kinds(c):
    with probing():
        c.kinds, result_kind = observe(c.trace, c.args, c.namespace, c.compiler.parsed,
                                       c.compiler.gc_was_enabled)
        # (settling evaluates statements of branches not taken on stand-in values:
        # a draw there must not move the generators on either)
        c.value_params = settle_kinds(c.trace, c.kinds, c.namespace, c.by_value)
    for position, p in enumerate(c.trace.params):
        if _is_complex(c.kinds.get(p)):
            raise UsageTypeError(f"argument {position} ('{p}') of {c.trace.name} is complex; "
                                 "s2s_ad does not differentiate complex numbers (yet)")
    for item in walk_items(c.trace.body):
        if isinstance(item, Stmt) and _is_complex(c.kinds.get(item.target)):
            raise TranslationError("this makes a complex value, and s2s_ad does not "
                                   "differentiate complex numbers (yet)", item.loc)
    c.result_kind = result_kind
    return lambda: "\n".join(f"{n}: {'unknown' if k is None else k.describe()}"
                             for n, k in c.kinds.items())


def _tangent(c):
    trace = c.trace
    c.transform = TangentTransform(trace, c.kinds, c.compiler.wrt, c.names, c.modules,
                                   c.helpers, c.aliases)
    c.forward = TangentEmitter(c.transform).block(trace.body)
    value = trace.result
    c.returns = ast.Return(ast.Tuple([value, c.transform.dot(value)], ast.Load()))
    eliminate_dead_code(c.forward, reads(c.returns), c.aliases)   # the saved copies
    from .tangent_fold import fold
    fold(c)                 # copies and signs folded into their readers
    if c.batch is not None:
        from .tangent_batch import batch
        batch(c, c.batch)
    return lambda: pipeline._show(c.forward + [c.returns])


def _emit(c):
    trace = c.trace
    name = c.names.fresh(f"{trace.name}_jvp")
    builtin_names.protect(c.forward + [c.returns], c.namespace, c.names, trace)
    from .custom_notes import annotate
    annotate(c.forward, c.namespace)        # calls of user-supplied rules, named
    params = list(trace.params) + [c.transform.dot_name(p) for p in trace.params]
    args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    header = ast.FunctionDef(name, args)
    c.source = render_function(header, [("primal and tangent, side by side", c.forward)],
                               c.returns)
    c.plain_function = compile_function(c.source, name, c.namespace,
                                        origin(c.compiler.parsed))
    # The variant that runs releases dead temporaries (release.py); the plain one is
    # what show prints and what s2s_ad reads back (reverse over forward).
    from .release import released
    forward = c.forward
    if c.batch is None:     # an array computed twice, once (tangent_reuse.py)
        from .tangent_inplace import running_kinds
        from .tangent_reuse import reuse
        forward = reuse(forward, running_kinds(c), c.modules["np"])
    running = released(forward, c.returns)
    from .tangent_inplace import running_code
    running = running_code(c, running)      # arithmetic in place (tangent_inplace.py)
    fast = render_function(header, [("primal and tangent, side by side", running)],
                           c.returns)
    c.function = compile_function(fast, name, c.namespace, origin(c.compiler.parsed))
    return lambda: c.source


_STAGES = {"kinds": _kinds, "tangent": _tangent, "emit": _emit}
