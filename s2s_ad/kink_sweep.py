"""The forward sweep instrumented at its kinks, for one argument signature.

`KinkAnalysis` runs the compiler's first stages (lower, cse, kinds, aliasing) on the
example arguments, finds the *sites*: the statements of a primitive with kinks
(kink_table.py) that read a value depending on a differentiated argument, and builds
instrumented sweeps of the same trace:

    primal(hook)    the forward sweep with `hook(k, ans, (operands...))` after site k
                    (the kink report, kinks.py)
    detector(ties)  the forward sweep returning (hit, result, aux): did any site sit on
                    a tie? (the Clarke mode's cheap test, clarke.py; the result is f's)
    tangent()       `(hook, *args, *arg_dots)`: the forward sweep with tangents along a
                    direction beside the primal values (tangent.py), and after site k
                        z_dot = hook(k, z, (operands...), (their tangents...))
                    for a primitive, or
                        c = hook(k, c, (x, y), (x_dot, y_dot))
                    for a comparison: the hook selects the piece and the sweep goes
                    on along it (clarke.py). Sites with an inline form (`inline`: max,
                    min, abs and comparisons on numbers or arrays) call the hook only
                    when their evaluation is tied, and otherwise follow the piece their
                    values select in place.

A primitive's kink matters only where an operand varies with the differentiated
arguments: `max(i, 0)` on loop counters is no kink of f.
"""
import ast
import gc
from dataclasses import dataclass, field

from . import builtin_names, pipeline
from .activity import _forward_closure, _is_real
from .compiler import GradientCompiler
from .emit import compile_function
from .forward import ForwardEmitter, assign
from .ir import Stmt, walk_items
from .kink_family import fill
from .kink_table import family_of
from .probe import origin
from .render import render_function
from .tangent import TangentEmitter, TangentTransform
from .trace import operand_kind, static_value
from .walk import copy_tree


@dataclass(eq=False)
class Site:
    index: int
    stmt: Stmt
    family: object
    params: tuple                   # the operand parameters the family reads, in order
    varied: dict                    # parameter -> does its operand vary?
    statics: dict = field(default_factory=dict)     # axis, keepdims (extreme, sort)

    @property
    def line(self):
        return None if self.stmt.loc is None else self.stmt.loc.lineno

    @property
    def text(self):
        return "" if self.stmt.loc is None else self.stmt.loc.text.strip()


class KinkAnalysis:
    def __init__(self, fun, argnums, args, with_value=False, has_aux=False):
        self.compiler = GradientCompiler(fun, argnums, with_value, has_aux)
        c = self.c = pipeline.Compilation(self.compiler, args, lean=True)
        was_enabled = gc.isenabled()
        gc.disable()            # as GradientCompiler.compile does (the probe restores it)
        try:
            for stage in (pipeline._lower, pipeline._cse, pipeline._kinds,
                          pipeline._aliasing):
                stage(c)
        finally:
            if was_enabled:
                gc.enable()
        trace = c.trace
        edges = [(target, [o.id for o in operands if trace.is_local(o)])
                 for item in walk_items(trace.body) for target, operands in item.deps()]
        self.varied = _forward_closure(
            edges, {p for p in self.compiler.wrt if _is_real(c.kinds.get(p))},
            lambda name: _is_real(c.kinds.get(name)))
        self.sites = self._find_sites()
        self.by_stmt = {id(site.stmt): site for site in self.sites}

    def _find_sites(self):
        sites = []
        trace = self.c.trace
        for item in walk_items(trace.body):
            if not isinstance(item, Stmt):
                continue
            family = family_of(item.rule)
            if family is None:
                continue
            params = tuple(p for p in family.params if p in item.args)
            varied = {p: trace.is_local(item.args[p]) and item.args[p].id in self.varied
                      for p in params}
            if not any(varied.values()):
                continue
            statics = {}
            for p in ("axis", "keepdims", "ord"):
                if p in item.args:
                    try:
                        statics[p] = static_value(item.args[p], trace.parsed)
                    except LookupError:
                        statics[p] = "?"
            sites.append(Site(len(sites), item, family, params, varied, statics))
        return sites

    # -- the instrumented sweeps ------------------------------------------------------------

    def _operands(self, site):
        return ast.Tuple([copy_tree(site.stmt.args[p]) for p in site.params], ast.Load())

    def primal(self, hook):
        """f's forward sweep calling `hook(k, ans, operands)` after each site (the kink
        report), returning f's result."""
        c, hook_name = self.c, self.c.names.fresh("kink_hook")
        analysis = self

        class Emitter(ForwardEmitter):
            def item(self, item):
                out = super().item(item)
                site = analysis.by_stmt.get(id(item))
                if site is not None:
                    call = ast.Call(ast.Name(hook_name, ast.Load()), [
                        ast.Constant(site.index), ast.Name(item.target, ast.Load()),
                        analysis._operands(site)], [])
                    out.append(self.noted(ast.Expr(call), item))
                return out
        statements = Emitter().block(c.trace.body)
        function = self._compile("kinks", statements, {hook_name: hook}, c.trace.params,
                                 ast.Return(c.trace.result))
        function.__defaults__ = self.compiler.parsed.defaults
        return function

    def detector(self, ties, early=False):
        """The Clarke mode's cheap test: f's forward sweep returning `(hit, result,
        aux)`, `hit` telling whether any site was evaluated on a tie. Sites whose tie is
        a comparison of their operands (all but np.max/np.min, np.sort, ...) test it in
        place; the others call the pure predicate `ties(k, ans, operands)`. Nothing is
        shared between calls (concurrent calls are safe). The sweep runs to its end, so
        its result is f's value, bit for bit, at a kink too; with `early` (the value is
        not wanted) it returns `(True, None, None)` at the first tie."""
        c = self.c
        ties_name, hit = c.names.fresh("kink_ties"), c.names.fresh("kink_hit")
        analysis = self
        found = [assign(hit, ast.Constant(True))]
        if early:
            found = [ast.Return(ast.Tuple([ast.Constant(True), ast.Constant(None),
                                           ast.Constant(None)], ast.Load()))]

        class Emitter(ForwardEmitter):
            def item(self, item):
                out = super().item(item)
                site = analysis.by_stmt.get(id(item))
                if site is None:
                    return out
                test = analysis._tie_test(site)
                if test is None:
                    test = ast.Call(ast.Name(ties_name, ast.Load()), [
                        ast.Constant(site.index), ast.Name(item.target, ast.Load()),
                        analysis._operands(site)], [])
                out.append(self.noted(ast.If(test, copy_tree(found), []), item))
                return out
        statements = [assign(hit, ast.Constant(False))] + Emitter().block(c.trace.body)
        aux = c.trace.aux if self.compiler.has_aux else ast.Constant(None)
        returns = ast.Return(ast.Tuple([ast.Name(hit, ast.Load()), c.trace.result, aux],
                                       ast.Load()))
        function = self._compile("kinks", statements, {ties_name: ties}, c.trace.params,
                                 returns)
        function.__defaults__ = self.compiler.parsed.defaults
        return function

    def operands_are(self, site):
        """'numbers' if the site's operands are all numbers, 'arrays' if they are
        arrays or numbers, None if any is something else (or unknown)."""
        arrays = False
        for p in site.params:
            kind = operand_kind(site.stmt.args[p], self.c.trace, self.c.kinds)
            if kind is None:
                return None
            if kind.is_array and kind.shape != ():
                arrays = True
            elif not (kind.is_python_number or kind.is_array):
                return None
        return "arrays" if arrays else "numbers"

    def _tie_test(self, site, operands=None, arrays=None):
        """`x == y` (`np.any(x == y)` for arrays) for the site's tie, or None. With
        `operands` (parameter -> AST) the test reads those; `arrays` says whether
        they may be arrays (None: look at their kinds)."""
        pairs = site.family.tie_pairs(site)
        if pairs is None:
            return None
        if operands is None:
            operands = site.stmt.args
        tests, found = [], False
        for p, other in pairs:
            operand = operands[p]
            value = (copy_tree(operands[other]) if isinstance(other, str)
                     else ast.Constant(other))
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            tests.append(ast.Compare(copy_tree(operand), [ast.Eq()], [value]))
            if arrays is None:
                for node in (operand, value):
                    kind = operand_kind(node, self.c.trace, self.c.kinds)
                    if kind is None or not (kind.is_python_number or
                                            (kind.is_array and kind.shape == ())):
                        found = True
        if not tests:
            return ast.Constant(False)
        if arrays is None:
            arrays = found
        if arrays:
            test = tests[0]
            for t in tests[1:]:
                test = ast.BinOp(test, ast.BitOr(), t)
            np_name = ast.Name(self.c.modules["np"], ast.Load())
            return ast.Call(ast.Attribute(np_name, "any", ast.Load()), [test], [])
        return tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)

    def tangent(self):
        """f's forward sweep with tangents, `(hook, *args, *arg_dots) -> None`, calling
        `hook` after each site and continuing with what it returns (module docstring).
        The hook is an argument, so that each call has its own. A site on numbers with
        an inline form calls it at a tie only; off it the piece its values select is
        written in place (kink_family.py: inline_tangent)."""
        c, hook_name = self.c, self.c.names.fresh("clarke_hook")
        transform = TangentTransform(c.trace, c.kinds, self.compiler.wrt, c.names,
                                     c.modules, c.helpers, c.aliases)
        # Only the tangents the selections read are computed: nothing after the last
        # kink, nothing that feeds only has_aux data.
        transform.varied &= self._feeding_sites()
        analysis = self

        class Emitter(TangentEmitter):
            def item(self, item):
                site = analysis.by_stmt.get(id(item))
                if site is None:
                    return super().item(item)
                dots = [transform.dot(item.args[p]) for p in site.params]
                call = ast.Call(ast.Name(hook_name, ast.Load()), [
                    ast.Constant(site.index), ast.Name(item.target, ast.Load()),
                    analysis._operands(site), ast.Tuple(dots, ast.Load())], [])
                if site.family.checks_only:     # its own tangent, and a check for ties
                    return super().item(item) + [self.noted(ast.Expr(call), item)]
                out = ForwardEmitter.item(self, item)
                compare = site.family.name == "compare"
                target = item.target if compare else transform.dot_name(item.target)
                inline = analysis.inline(site)
                if inline is None:
                    out.append(self.noted(assign(target, call), item))
                    return out
                arrays, _, tangent = inline
                test = analysis._tie_test(site, arrays=arrays)
                otherwise = []
                if not compare:
                    nodes = {p: site.stmt.args[p] for p in site.params}
                    nodes.update({f"{p}_dot": d for p, d in zip(site.params, dots)})
                    otherwise = [assign(target, analysis.fill(tangent, nodes))]
                out.append(self.noted(ast.If(test, [assign(target, call)], otherwise), item))
                return out
        # Nothing after the last top-level item holding a site feeds a selection.
        body = c.trace.body
        last = max(i for i, item in enumerate(body)
                   if any(id(inner) in self.by_stmt for inner in walk_items([item])))
        statements = Emitter(transform).block(body[:last + 1])
        params = ([hook_name] + list(c.trace.params)
                  + [transform.dot_name(p) for p in c.trace.params])
        return self._compile("clarke_tangents", statements, {}, params,
                             ast.Return(ast.Constant(None)))

    def inline(self, site):
        """How a site is selected in place off a tie, or None (its hook runs at every
        evaluation): (arrays?, the selection's template, the tangent's template), the
        templates None for a comparison (its own value is its selection)."""
        are = self.operands_are(site)
        if are is None or site.family.tie_pairs(site) is None:
            return None
        arrays = are == "arrays"
        if site.family.name == "compare":
            return arrays, None, None
        family = site.family
        selection, tangent = ((family.inline_array_selection, family.inline_array_tangent)
                              if arrays else (family.inline_selection, family.inline_tangent))
        if tangent is None:
            return None
        return arrays, selection, tangent

    def fill(self, template, nodes):
        """A family's inline template with the site's operands and NumPy's name."""
        return fill(template, {"np": ast.Name(self.c.modules["np"], ast.Load()), **nodes})

    def _feeding_sites(self):
        """The names the sites' operands depend on (their own included)."""
        trace = self.c.trace
        reads = {}
        for item in walk_items(trace.body):
            for target, operands in item.deps():
                reads.setdefault(target, set()).update(
                    o.id for o in operands if trace.is_local(o))
        work = [o.id for site in self.sites for p in site.params
                for o in [site.stmt.args[p]] if trace.is_local(o)]
        needed = set(work)
        while work:
            for name in reads.get(work.pop(), ()):
                if name not in needed:
                    needed.add(name)
                    work.append(name)
        return needed

    def _compile(self, suffix, statements, extra, params, returns):
        c = self.c
        namespace = {**c.namespace, **extra}
        builtin_names.protect(statements, namespace, c.names, c.trace)
        name = c.names.fresh(f"{c.trace.name}_{suffix}")
        args = ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], vararg=None,
                             kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        source = render_function(ast.FunctionDef(name, args), [(None, statements)], returns)
        function = compile_function(source, name, namespace, origin(self.compiler.parsed))
        function.source = source
        return function
