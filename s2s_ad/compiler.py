"""Drives the pipeline for one function: parse -> lower -> observe kinds -> reverse
transform -> emit. One `GradientCompiler` per decorated function; `compile(args)` once
per argument signature.
"""
import ast
import math
from dataclasses import dataclass

import numpy as np

from . import runtime
from .emit import compile_function, function_source
from .errors import TranslationError, UnboundNameError
from .frontend import parse_function
from .kinds import kind_of
from .reverse import ReverseTransform, eliminate_dead_code
from .simplify import eliminate_common_subexpressions, inline_single_use
from .trace import NameAllocator, lower

# Modules that rule templates name, by their conventional names.
_TEMPLATE_MODULES = {"np": np, "math": math}
_HELPERS = {"unbroadcast": runtime.unbroadcast, "zeros_like": runtime.zeros_like,
            "scatter": runtime.scatter, "scatter_add": runtime.scatter_add}
_NOTE = "__s2s_note__"


@dataclass
class Compiled:
    function: object        # the generated gradient function
    source: str             # its text, as shown to users
    kinds: dict             # what each traced value was on the example arguments


class GradientCompiler:
    def __init__(self, fun, argnums, with_value):
        self.fun = fun
        self.parsed = parse_function(fun)
        self.params = [a.arg for a in self.parsed.node.args.args]
        self.argnums, self.wrt = _check_argnums(argnums, self.params, self.parsed)
        self.with_value = with_value
        try:                        # resolve names now if they are all bound already
            self._trace = lower(self.parsed)
        except UnboundNameError:    # ... else at the first call
            self._trace = None

    @property
    def trace(self):
        if self._trace is None:
            self.parsed = parse_function(self.fun)      # a fresh look at its globals
            self._trace = lower(self.parsed)
        return self._trace

    def compile(self, args=None, lean=True):
        """Generate, compile and return the gradient for the signature of `args`
        (or, without args, a generic version that uses runtime helpers)."""
        trace = eliminate_common_subexpressions(self.trace)
        names = NameAllocator(trace.taken)
        modules = _allocate(_TEMPLATE_MODULES, trace, names)
        helpers = _allocate(_HELPERS, trace, names)
        namespace = dict(self.parsed.namespace)
        for conventional, name in modules.items():
            namespace[name] = _TEMPLATE_MODULES[conventional]
        for conventional, name in helpers.items():
            namespace[name] = _HELPERS[conventional]

        kinds = {}
        if args is not None:
            kinds = self._observe(trace, args, namespace)
            self._check_kinds(trace, kinds)

        transform = ReverseTransform(trace, kinds, self.wrt, names, modules, helpers, lean)
        forward = transform.forward_sweep()
        reverse = transform.reverse_sweep()
        grads = transform.gradients()
        gradient = grads[0] if isinstance(self.argnums, int) else ast.Tuple(grads, ast.Load())
        value = trace.result
        returns = ast.Return(ast.Tuple([value, gradient], ast.Load())
                             if self.with_value else gradient)
        statements = eliminate_dead_code(forward + reverse, returns)
        if lean:
            # Only arrays: for Python numbers the named three-address form costs nothing.
            arrays = {v for v in trace.temps if kinds.get(v) is not None and kinds[v].is_array}
            temporaries = arrays | {name for v, name in transform.bar_names.items()
                                    if v in arrays} | transform.neg_names
            statements, returns = inline_single_use(statements, returns, temporaries)
        forward = [s for s in statements if s in forward]
        reverse = [s for s in statements if s not in forward]

        suffix = "value_and_grad" if self.with_value else "grad"
        header = ast.FunctionDef(names.fresh(f"{trace.name}_{suffix}"), self.parsed.node.args)
        source = function_source(header, [("forward sweep", forward),
                                          ("reverse sweep", reverse)], returns)
        function = compile_function(source, header.name, namespace, _origin(self.parsed))
        function.__defaults__ = self.fun.__defaults__
        return Compiled(function, source, kinds)

    # -- kinds ---------------------------------------------------------------------

    def _observe(self, trace, args, namespace):
        """Run the forward sweep once on `args`, noting what each value is."""
        kinds = {}

        def note(name, value):
            kind = kind_of(value)
            kinds[name] = kind if kinds.get(name, kind) == kind else None

        statements = []
        for p in trace.params:
            statements.append(_note_call(p))
        for s in trace.body:
            statements.append(ast.Assign([ast.Name(s.target, ast.Store())], s.forward_expr()))
            statements.append(_note_call(s.target))
        statements.append(ast.Return(trace.result))
        probe = ast.FunctionDef(f"{trace.name}_probe", self.parsed.node.args, statements, [])
        source = function_source(probe, [(None, [(None, st) for st in statements[:-1]])],
                                 statements[-1])
        function = compile_function(source, probe.name, {**namespace, _NOTE: note},
                                    _origin(self.parsed))
        function.__defaults__ = self.fun.__defaults__
        result = function(*args)
        if trace.is_local(trace.result):
            kinds[trace.result.id] = kind_of(result)
        self.result_kind = kind_of(result)
        return kinds

    def _check_kinds(self, trace, kinds):
        kind = self.result_kind
        if not kind.is_numeric or kind.shape != ():
            what = kind.describe()
            raise TranslationError(f"grad needs a scalar output, but {trace.name} returns "
                                   f"{what}; reduce it to a number (for example with "
                                   "np.sum) or differentiate one element", trace.result_loc)
        for p in self.wrt:
            kind = kinds.get(p)
            if kind is not None and not kind.is_real:
                position = self.params.index(p)
                raise TypeError(f"argument {position} ('{p}') of {trace.name} is "
                                f"{kind.describe()}; grad differentiates real numbers and "
                                "float arrays only (convert with float(...) or "
                                ".astype(float), or leave it out of argnums)")


def _check_argnums(argnums, params, parsed):
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in numbers:
        if not isinstance(n, int) or not -len(params) <= n < len(params):
            raise ValueError(f"argnums={argnums!r} does not fit {parsed.node.name}, which "
                             f"has {len(params)} parameter(s): {', '.join(params) or 'none'}")
    wrt = [params[n] for n in numbers]
    if len(set(wrt)) != len(wrt):
        raise ValueError(f"argnums={argnums!r} names a parameter twice")
    return argnums, wrt


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


def _note_call(name):
    return ast.Expr(ast.Call(ast.Name(_NOTE, ast.Load()),
                             [ast.Constant(name), ast.Name(name, ast.Load())], []))


def _origin(parsed):
    return f"{parsed.filename}:{parsed.node.lineno}"
