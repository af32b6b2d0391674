"""`grad(f, kinks="clarke")`: an element of the Clarke subdifferential at kinks
(Kakade & Lee, "Provably correct automatic subdifferentiation for qualified programs",
NeurIPS 2018).

At a kink the default mode takes a fixed tie rule (docs/nonsmooth.md): each is an
element of the primitive's Clarke set, but the chain rule on such elements can leave
the program's Clarke set (`relu(x) - relu(-x)` is the identity, whose derivative is 1;
the tie rules give 0 - 0 = 0). The Clarke mode instead takes, at every kink, the
smooth piece that is active on x + t·v for small t > 0, for a random direction v, and
differentiates the program made of those pieces. That program equals f on a set with
x in its closure, and its gradient at x is the limit of f's gradients along the ray:
an element of f's Clarke set.

How, for one call:

1. Cheap test (kink_sweep.detector): f's forward sweep with a test of each kinked
   primitive's operands for an exact tie (a comparison in place for numbers), which
   returns f's result and whether a tie was hit. No tie: the ordinary gradient is
   returned (bit for bit: it is the default mode's own code).
2. Selection (kink_sweep.tangent): the forward sweep with tangents along a random
   direction v beside the primal values; at each kink hit the piece whose tangent
   wins (the larger argument of a max along v, the side of a tied comparison x + t·v
   falls on) is selected by a Python hook and the sweep continues along it; off a
   tie, max/min/abs and comparisons (on numbers or arrays) follow the piece their
   values select in place, without a call. A tie in
   that direction too stays undecided and is decided along a further random
   direction, with every decision taken so far kept (lexicographic order); after
   three directions what is still tied is tied to first order in all of them, so
   either piece has the same derivative along them, and the default's choice is kept.
3. Gradient on the selected pieces: a gradient of the same trace in which each kinked
   primitive reads its selection `sel` (its values' own choice off a tie, written in
   place where the tangent sweep does so; the hook's record at a tie, read in order
   from a runtime helper), and its adjoint passes g to the selected piece only (kink_table's
   selected rules); a tied comparison is replaced by its resolved value, so branches
   and np.where follow the selected side. Compiled once per signature by the
   ordinary pipeline (tape, cleaning, emission).

value_and_grad's value (and has_aux's aux) is the one step 1 computed: f's own, bit
for bit, even where the selected piece computes the same number differently.

Calls may run concurrently: the detector and the tangent sweep keep nothing between
calls (the hook is an argument), the selections the gradient reads are per thread,
and compiling is done under the transform's lock. A function that draws random
numbers or has effects (print, assert) runs every sweep but one with effects off and
NumPy's and `random`'s global generators restored (lower_effects.probing), so each
sweep sees f's draws and the caller sees those of one call of f; such calls are
serialized by the lock (the generators' state is process-wide).
"""
import ast
import copy
import threading

import numpy as np

from .compiler import GradientCompiler
from .errors import TranslationError, UsageError, UsageValueError
from .ir import If, Loop, Stmt, walk_items
from .kinds import signature_key
from .kink_sweep import KinkAnalysis
from .kink_table import ClarkeUnsupported
from .lower_effects import probing
from .rules import Rule, _signature

DIRECTIONS = 3          # random directions tried before a tie is left to the default
SEED = 0                # the directions are drawn from a generator seeded with this

# `sel = pieces(k, *operands)`: the next selection of site k (piecewise constant: no
# adjoint). Impure: each call reads the next record, so no call may be shared, moved
# out of a loop, or dropped.
_PIECE = Rule("the Clarke mode's selection", _signature("site, *operands"), {},
              zero_grad=True, pure=False)


class ClarkeGradient:
    """The callable `grad(f, kinks="clarke")` returns."""

    def __init__(self, fun, argnums, with_value, has_aux, default):
        self.fun, self.argnums = fun, argnums
        self.with_value, self.has_aux = with_value, has_aux
        self.default = default          # the ordinary gradient: the cheap path
        self.programs = {}              # signature key -> _Program
        self.lock = threading.RLock()   # compiling; the calls of functions with effects
        self.__name__ = getattr(fun, "__name__", "f")
        self.__doc__ = getattr(fun, "__doc__", None)
        self.__wrapped__ = fun

    def __call__(self, *args):
        try:
            return self._call(args)
        except (TranslationError, UsageError) as error:
            raise error.with_traceback(None) from None   # located: no compiler frames

    def _call(self, args):
        key = signature_key(args)
        program = self.programs.get(key)
        if program is None or not program.still_valid():
            program = self._program(key, args)
        return program.call(args)

    def _program(self, key, args):
        with self.lock:
            program = self.programs.get(key)
            if program is not None and not program.still_valid():
                self.programs.clear()   # a global or closure variable was rebound
                program = None
            if program is None:
                program = self.programs[key] = _Program(self, args)
            return program

    def selections(self, *args):
        """The pieces the Clarke mode selects at `args`: site -> [selection per hit]."""
        program = self._program(signature_key(args), args)
        args = program.complete(args)
        program.prepare(args)
        return program.select(args)


class _Program:
    """The Clarke mode's code for one argument signature."""

    def __init__(self, owner, args):
        self.owner = owner
        self.analysis = KinkAnalysis(owner.fun, owner.argnums, args, owner.with_value,
                                     owner.has_aux)
        # Random draws and effects (print, assert): every sweep but one runs quietly
        # (module docstring).
        self.effects = any(isinstance(item, Stmt) and not item.rule.pure
                           for item in walk_items(self.analysis.c.trace.body))
        self.detector = None            # no site: no kink can be hit
        if self.analysis.sites:
            # grad without aux needs no value at a kink: the test stops at the first tie
            early = not (owner.with_value or owner.has_aux or self.effects)
            self.detector = self.analysis.detector(_Ties(self.analysis.sites), early)
        self.tangent = self.selected = None
        self.pieces = _Pieces(self.analysis.sites)
        self.dependencies = list(self.analysis.compiler.parsed.dependencies)
        self.directions = None
        self.n_params = len(self.analysis.c.trace.params)
        self.defaults = tuple(self.analysis.compiler.parsed.defaults or ())

    def still_valid(self):
        """Does every global, closure variable and builtin the code was built from
        still hold the same object? (Its code may have inlined or folded them.)"""
        return all(dep.current() is dep.value for dep in self.dependencies)

    def call(self, args):
        if self.detector is None:
            return self.owner.default(*args)
        if self.effects:
            with self.owner.lock:
                with probing():
                    hit, value, aux = self.detector(*args)
                if not hit:
                    return self.owner.default(*args)    # f's draws and effects
                result = self.at_kink(args, value, aux)
                self.detector(*args)                    # f's draws and effects, once
                return result
        hit, value, aux = self.detector(*args)
        if not hit:
            return self.owner.default(*args)
        return self.at_kink(args, value, aux)

    def at_kink(self, args, value, aux):
        """The gradient on the selected pieces, with f's value (and aux)."""
        args = self.complete(args)
        self.prepare(args)
        chosen = self.select(args)
        if self.selected is None:
            with self.owner.lock:
                if self.selected is None:
                    self.pieces.load(chosen)    # the compile's probe runs the forward sweep
                    self.selected = self.run(_compile_selected, self.analysis, self.pieces,
                                             args)
        self.pieces.load(chosen)
        out = self.run(self.selected, *args)
        owner = self.owner
        if owner.with_value:
            return ((value, aux) if owner.has_aux else value), out[1]
        if owner.has_aux:
            return out[0], aux
        return out

    def complete(self, args):
        """`args` with the function's defaults for the parameters not passed."""
        missing = self.n_params - len(args)
        if missing > 0:
            args = tuple(args) + self.defaults[len(self.defaults) - missing:]
        return tuple(args)

    def prepare(self, args):
        """Compile the tangent sweep and draw the random directions (one tangent per
        parameter; None for those not differentiated), once per signature, from a
        generator seeded with SEED, so a call's result does not depend on earlier ones."""
        if self.tangent is not None:
            return
        with self.owner.lock:
            if self.tangent is not None:
                return
            rng = np.random.default_rng(SEED)
            wrt = set(self.analysis.compiler.wrt)
            params = self.analysis.c.trace.params
            self.directions = [[_direction(rng, a) if p in wrt else None
                                for p, a in zip(params, args)] for _ in range(DIRECTIONS)]
            try:
                self.tangent = self.analysis.tangent()
            except TranslationError as error:
                raise _clarke_error(error) from None

    def select(self, args):
        """site -> [the selection of each of its hooked hits], from up to DIRECTIONS
        tangent sweeps along random directions (lexicographically)."""
        selector = None
        for directions in self.directions:
            selector = _Selector(self.analysis.sites, selector)
            self.run(self.tangent, selector, *args, *directions)
            selector.finish()
            if not selector.undecided:
                break
        return selector.selections

    def run(self, function, *args):
        """function(*args), quietly for a function with effects (module docstring)."""
        if not self.effects:
            return function(*args)
        with probing():
            return function(*args)


class _Ties:
    """The detector's test of a site whose tie is not a comparison of its operands
    (np.max/np.min, np.sort, ...): does this evaluation sit on a tie? Pure."""

    def __init__(self, sites):
        self.sites = sites

    def __call__(self, k, ans, vals):
        site = self.sites[k]
        return bool(np.any(site.family.ties(site, ans, vals)))


def _direction(rng, value):
    """A standard normal tangent shaped like `value` (an array, a number, a list)."""
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape)
    if isinstance(value, (list, tuple)):
        return type(value)(_direction(rng, v) for v in value)
    return float(rng.standard_normal())


class _Selector:
    """The hook of one tangent sweep (one per call and direction): selects the piece at
    each kink hit, keeping the decisions of the previous direction's sweep (see the
    module docstring). `selections[k]` and `masks[k]` list, per hooked hit of site k,
    the selection and what is still undecided; `undecided` says whether anything is."""

    def __init__(self, sites, previous=None):
        self.sites = sites
        self.previous = previous
        self.selections = {site.index: [] for site in sites}
        self.masks = {site.index: [] for site in sites}
        self.undecided = False

    def __call__(self, k, ans, vals, dots):
        site = self.sites[k]
        hits = self.selections[k]
        earlier = None
        if self.previous is not None:
            n = len(hits)
            before = self.previous.selections[k]
            if n >= len(before):
                raise _diverged(site)
            earlier = before[n], self.previous.masks[k][n]
        try:
            (selection, mask), value = site.family.select(site, ans, vals, dots, earlier)
        except ClarkeUnsupported as exc:
            raise TranslationError(f"kinks='clarke': {exc}", site.stmt.loc) from None
        hits.append(selection)
        self.masks[k].append(mask)
        if mask is not False and (mask is True or np.any(mask)):
            self.undecided = True
        return value

    def finish(self):
        if self.previous is not None:
            for k, hits in self.selections.items():
                if len(hits) != len(self.previous.selections[k]):
                    raise _diverged(self.sites[k])


def _diverged(site):
    return TranslationError(
        "kinks='clarke': a tie persisted along a random direction and deciding it "
        "along the next one changed the control flow here; the Clarke mode cannot "
        "select a piece consistently at this point (move the point slightly)",
        site.stmt.loc)


def _clarke_error(error):
    message = error.msg.replace("use grad/vjp (reverse mode) for this function, or give "
                                "the rule a tangent template (Rule.tangent)",
                                "use the default mode (kinks=None) for this function")
    loc = None
    if error.filename is not None:
        class _Loc:
            filename, lineno, col, text = (error.filename, error.lineno,
                                           (error.offset or 1) - 1, error.text)
        loc = _Loc
    return TranslationError("kinks='clarke' runs the program with forward-mode tangents: "
                            + message, loc)


class _Pieces:
    """The selections the gradient on the selected pieces reads at ties (and at every
    evaluation of a site on arrays): `pieces(k, *operands)` is the next one of site k,
    per thread. Counted modulo their number, so a second run of the forward sweep (the
    compile's probe may run it twice) reads them again in order. A site with none
    recorded (in a branch this call did not take; the compiler evaluates such
    statements on stand-in values to learn their kinds) gets the selection its
    operands' values make, without a tie resolved."""

    def __init__(self, sites):
        self.sites = sites
        self.local = threading.local()

    def load(self, selections):
        self.local.lists = selections
        self.local.counts = dict.fromkeys(selections, 0)

    def __call__(self, k, *operands):
        local = self.local
        values = local.lists.get(k)
        if not values:
            site = self.sites[k]
            ans = site.family.evaluate(site, operands)
            dots = tuple(0.0 for _ in operands)
            return site.family.select(site, ans, operands, dots, None)[0][0]
        i = local.counts[k]
        local.counts[k] = i + 1
        return values[i % len(values)]


def _compile_selected(analysis, pieces, args):
    """The gradient of the trace whose kinked primitives read their selections."""
    c = analysis.c
    helper = c.names.fresh("clarke_piece")
    added = set()
    rules = {}

    def selected(stmt):
        site = analysis.by_stmt.get(id(stmt))
        if site is None:
            return [stmt]
        # The site's operands are passed along (and ignored) so that the selection
        # varies in a loop exactly where the primitive's operands do: the tape then
        # records it wherever the reverse sweep needs each iteration's own.
        operands = [copy.deepcopy(stmt.args[p]) for p in site.params]
        inline = analysis.inline(site)
        call = dict(rule=_PIECE if inline is None else _inline_piece(analysis, site, inline, helper),
                    loc=stmt.loc,
                    args={"site": ast.Constant(site.index),
                          **{f"operands[{i}]": op for i, op in enumerate(operands)}},
                    call_args=[ast.Constant(site.index)] + operands,
                    callee=ast.Name(helper, ast.Load()), inlined=stmt.inlined)
        if site.family.name == "compare":
            return [Stmt(stmt.target, **call)]
        if id(stmt.rule) not in rules:
            rules[id(stmt.rule)] = site.family.selected_rule(stmt.rule)
        rule = rules[id(stmt.rule)]
        if rule is None:
            return [stmt]
        sel = c.names.fresh(f"{stmt.target}_piece")
        added.add(sel)
        new = copy.copy(stmt)
        new.rule = rule
        new.args = {**stmt.args, "sel": ast.Name(sel, ast.Load())}
        return [Stmt(sel, **call), new]

    def block(items):
        out = []
        for item in items:
            if isinstance(item, Stmt):
                out += selected(item)
                continue
            new = copy.copy(item)
            if isinstance(item, If):
                new.body, new.orelse = block(item.body), block(item.orelse)
            elif isinstance(item, Loop):
                new.body = block(item.body)
                if item.cond_body is not None:
                    new.cond_body = block(item.cond_body)
            out.append(new)
        return out
    trace = copy.copy(c.trace)
    trace.body = block(c.trace.body)
    trace.locals = trace.locals | added
    trace.taken = trace.taken | added | {helper}
    compiler = _SelectedCompiler(analysis.compiler, trace, {helper: pieces})
    compiled = compiler.compile(args)
    compiled.function.source = compiled.source
    return compiled.function


def _inline_piece(analysis, site, inline, helper):
    """The selection rule of a site with an inline form: spelled
        sel = pieces(k, x, y) if x == y else <the values' own choice>
    (`np.any(x == y)` on arrays), so the helper runs at ties only: the tangent sweep
    hooks the same evaluations, so the records line up.
    For a comparison the values' own choice is the comparison itself."""
    arrays, template, _ = inline
    rule = site.stmt.rule

    def spell(call_args):
        k, *operands = call_args
        nodes = dict(zip(site.params, operands))
        test = analysis._tie_test(site, nodes, arrays)
        at_tie = ast.Call(ast.Name(helper, ast.Load()),
                          [k] + [copy.deepcopy(o) for o in operands], [])
        if template is None:            # a comparison: the user's own spelling
            own = copy.copy(site.stmt)
            own.call_args = [copy.deepcopy(o) for o in operands]
            otherwise = rule.spell(own)
        else:
            otherwise = analysis.fill(template, nodes)
        return ast.IfExp(test, at_tie, otherwise)
    return Rule(f"the Clarke mode's selection at line {site.line}",
                _signature("site, *operands"), {}, zero_grad=True, pure=False,
                spelling=spell)


class _SelectedCompiler(GradientCompiler):
    """The user's GradientCompiler, with the rewritten trace and the helper bound."""

    def __init__(self, base, trace, extra):
        self.__dict__.update(base.__dict__)
        self._trace = trace
        self.extra = extra

    def forget(self):
        pass

    def namespace_for(self, trace, names):
        modules, helpers, namespace = super().namespace_for(trace, names)
        namespace.update(self.extra)
        return modules, helpers, namespace


def clarke_transform(fun, argnums, with_value, has_aux, default):
    if not callable(fun):
        raise UsageValueError("grad(f, kinks='clarke'): f must be a function")
    return ClarkeGradient(fun, argnums, with_value, has_aux, default)


__all__ = ["ClarkeGradient", "clarke_transform"]
