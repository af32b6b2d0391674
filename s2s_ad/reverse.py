"""The reverse sweep: the trace's items, last to first, with each active statement's
contributions `a_bar += template(g=t_bar)` from the rule table.

In the lean form (the default) a variable's adjoint is written once, as the sum of its
contributions, at the point in the reverse sweep where it is complete; single-term
adjoints that are names or numbers are not written at all but substituted, so ±1
seeds fold away. The explicit form (`lean=False`) writes one statement per
contribution, like the lecture's adjoint table.

The pieces: activity.py says which values get adjoints, adjoints.py holds each
adjoint's Accumulator and the symbolic Masked/Filled values, contributions.py
instantiates a rule's template at a call site, containers.py writes the in-place
adjoints of element reads and writes, gradients.py packages the result. This module
walks the items; ledger.py keeps the accumulators, and its public methods
(`is_active`, `add`, `finish`, `container`, `has_waiting`, `emit`) are what
containers.py uses.
"""
import ast
import copy

from . import containers, ir, tape
from .activity import Activity
from .adjoints import ZERO, names_read
from .ledger import AdjointLedger, assign as _assign
from .contributions import Contributions
from .errors import TranslationError
from .forward import range_call
from .gradients import Gradients

SEED = 1.0


class ReverseTransform(AdjointLedger):
    """Builds the reverse sweep of a structured trace from the kinds of its values
    (observed on example arguments; None where unknown).

    A variable that receives contributions inside a branch or loop while being defined
    outside it becomes a running sum: its adjoint variable is written before the
    block and each contribution inside adds to it. Containers read as x[i] or written
    element-wise get an adjoint container (`x_bar = np.zeros_like(x)`) updated in
    place, so each access costs O(1).
    """

    def __init__(self, trace, kinds, wrt, names, modules, helpers, lean=True, aliases=None):
        self.trace = trace
        self.kinds = kinds
        self.wrt = wrt
        self.names = names              # NameAllocator for adjoint names
        self.modules = modules          # template module name -> name in generated code
        self.helpers = helpers          # runtime helper name -> name in generated code
        self.lean = lean
        self.activity = Activity(trace, kinds, wrt)
        self.rules = Contributions(trace, kinds, self.activity, modules, helpers)
        self.accumulators = {}          # forward name -> its Accumulator in scope
        self.all_accumulators = []      # every Accumulator made, loop bodies' included
        self._by_var = (0, {})          # (its length, var -> its Accumulators), see adjoint_name
        self.out = []                   # the reverse block being written
        self.pairs = []                 # tape.BlockPair for every block inside a loop
        self.loop_depth = 0
        self.neg_names = set()          # adjoint names of temporaries holding -adjoint
        self.roots = containers.adjoint_roots(trace, kinds, self.activity)
        self.aliases = aliases or {}    # name -> the names sharing its memory
        # Arrays the reverse sweep restores element by element, and every view of them:
        # a term that reads one must be evaluated before the restore changes it.
        self.restored = self.sharing({item.array for item in ir.walk_items(trace.body)
                                      if isinstance(item, ir.Store)})

    # -- the sweep ----------------------------------------------------------------------

    def reverse_sweep(self):
        result = self.trace.result
        if self.trace.is_local(result) and result.id in self.activity:
            if self.lean:
                self._acc(result.id).terms.append(ast.Constant(SEED))
            else:
                self.add(result.id, ast.Constant(SEED))
        self.materialize_roots(self.trace.params)
        self.block(self.trace.body)
        self.rules.release()
        return self.out

    def gradients(self):
        """One expression per differentiated parameter, in `wrt` order."""
        return Gradients(self).expressions(self.wrt)

    def adjoint_name(self, var):
        """The name of var's adjoint variable, if it got one. (The accumulators are
        indexed by variable once per count of them: a scan per call made asking for
        every array's adjoint quadratic.)"""
        count, index = self._by_var
        if count != len(self.all_accumulators):
            index = {}
            for a in self.all_accumulators:
                index.setdefault(a.var, []).append(a)
            self._by_var = (len(self.all_accumulators), index)
        return next((a.name for a in index.get(var, ()) if a.name), None)

    def block(self, items, materialize=True):
        if materialize:
            self.materialize_roots(ir.level_defs(items))
        for item in reversed(items):
            if isinstance(item, ir.If):
                self.if_(item)
            elif isinstance(item, ir.Loop):
                self.loop(item)
            elif isinstance(item, ir.Store):
                containers.store(self, item)
            elif isinstance(item, ir.Append):
                containers.append(self, item)
            else:
                self.stmt(item)

    def stmt(self, s):
        self._check_discrete(s)
        handler = containers.HANDLERS.get(id(s.rule))
        if handler is not None and handler(self, s):
            return
        if s.target not in self.activity or s.rule.zero_grad:
            return      # (a constructor's array can be active through later writes)
        g = self.finish(s.target, keep_mask=s.rule.broadcasts is True)
        if g is ZERO:
            return
        for param, operand in s.args.items():
            if self.is_active(operand) and param.partition("[")[0] not in s.rule.discrete:
                self.add(operand.id, self.rules.contribution(s, param, operand, g))

    def _check_discrete(self, s):
        """An index (or another argument the rule never differentiates) that depends on
        a differentiated input, where the output depends on the result: refused, never
        a silent zero."""
        if s.target not in self.activity.useful:
            return
        for param in s.rule.discrete:
            for name in ir.names_in(s.args.get(param)):
                if name in self.activity.varied:
                    raise TranslationError(
                        f"'{name}' depends on the differentiated inputs, but it reaches "
                        f"{s.rule.name} as its '{param}', a discrete argument (an index, "
                        "a count, an order) that has no derivative; pass a value that "
                        "does not depend on them (leave that input out of argnums, or "
                        "compute the value another way, for example np.concatenate "
                        "instead of an index that depends on them)", s.loc)

    def if_(self, item):
        finished = [(a, b, self.finish(t)) for t, a, b in item.phis if t in self.activity]
        for name in _outer_reads(item, self.trace):
            if name in self.activity:
                self.materialize(name)
        codes = []
        for block, which in ((item.body, 0), (item.orelse, 1)):
            outer, self.out = self.out, []
            self.materialize_roots(ir.level_defs(block))
            for a, b, g in finished:
                operand = (a, b)[which]
                if g is not ZERO and self.is_active(operand):
                    self.add(operand.id, g)
            self.block(block, materialize=False)
            codes.append(self.out)
            self.out = outer
            if self.loop_depth:
                self.pairs.append(tape.BlockPair([block], codes[-1]))
        then, orelse = codes
        self.out.append(ast.If(copy.deepcopy(item.test), then, orelse))

    def loop(self, item):
        # The reverse loop pops earlier values into names the loop defines, and restores
        # arrays it writes: adjoint terms still waiting that read them are written first.
        overwritten = {n for inner in ir.walk_items([item]) for n in inner.defs()}
        overwritten |= self.sharing({n for inner in ir.walk_items([item]) for n in inner.writes()})
        for acc in list(self.accumulators.values()):
            if any(names_read(t) & overwritten for t in acc.terms):
                self._materialize(acc)
        carried = [(h, last) for h, last in item.carried if h in self.activity]
        for h, _ in carried:
            self.materialize(h)
        headers = [h for h, _ in item.carried]      # in order: the tape tuple follows it
        for name in _outer_reads(item, self.trace):
            if name in self.activity and name not in headers:
                self.materialize(name)
        outer, self.out = self.out, []
        self.loop_depth += 1
        self.materialize_roots(ir.level_defs((item.cond_body or []) + item.body))
        # One iteration's adjoints of the carried values: fresh accumulators for the
        # body, fed by the carriers (the outer accumulators' variables).
        outer_accs = {h: self._acc(h) for h, _ in carried}
        carrier = {h: self._name(acc) for h, acc in outer_accs.items()}
        for h, last in carried:
            self.accumulators[h] = self._new_acc(h)
            if self.is_active(last):
                self.add(last.id, ast.Name(carrier[h], ast.Load()))
        self.block(item.body, materialize=False)
        self.block(item.cond_body or [], materialize=False)
        # The adjoints of the headers at the start of this iteration become the
        # carried adjoints for the iteration before; assigned together, since each
        # may read another's old value.
        targets, values = [], []
        for h, _ in carried:
            value = self._sum_so_far(self.accumulators[h]) or self.zero(h)
            self.accumulators[h] = outer_accs[h]
            if not (isinstance(value, ast.Name) and value.id == carrier[h]):
                targets.append(carrier[h])
                values.append(value)
        self.out.extend(_assign_many(targets, values))
        code, self.out = self.out, outer
        self.loop_depth -= 1
        self.out.append(self._reverse_loop(item, code))
        self.pairs.append(tape.BlockPair([item.cond_body or [], item.body], code,
                                         own_index=item.target, headers=headers,
                                         outermost_loop=self.loop_depth == 0,
                                         counter=item.counter))

    def sharing(self, names):
        """These names and every name that may share memory with one of them."""
        return set(names).union(*(self.aliases.get(n, ()) for n in names))

    def _reverse_loop(self, item, code):
        """`for i in reversed(range(...))` over the same indices, or `for _ in
        range(trips)` for a while loop."""
        if item.kind == "for":
            span = range_call(item.bounds)
            if item.counter:
                span = ast.Subscript(span, ast.Slice(None, ast.Name(item.counter, ast.Load())),
                                     ast.Load())
            iterate = ast.Call(ast.Name("reversed", ast.Load()), [span], [])
            target = item.target
        else:
            iterate = range_call([ast.Name(item.counter, ast.Load())])
            target = self.names.fresh("_")
        return ast.For(ast.Name(target, ast.Store()), iterate, code or [ast.Pass()], [])



def _assign_many(targets, values):
    """Assign all values to targets as if at once: one after the other when an order
    exists in which no value reads a target already assigned, else as a tuple."""
    pending = list(zip(targets, values))
    ordered = []
    while pending:
        for k, (t, v) in enumerate(pending):
            if not any(t in names_read(other) for _, other in pending[:k] + pending[k + 1:]):
                ordered.append(_assign(t, v))
                del pending[k]
                break
        else:
            ts, vs = zip(*pending)
            ordered.append(ast.Assign(
                [ast.Tuple([ast.Name(t, ast.Store()) for t in ts], ast.Store())],
                ast.Tuple(list(vs), ast.Load()), lineno=0))
            break
    return ordered


def _outer_reads(item, trace):
    """Local names that a branch or loop reads differentiably but does not define:
    their adjoints receive contributions inside it."""
    reads = [op.id for _, ops in item.deps() for op in ops if trace.is_local(op)]
    defined = set()
    for block in item.blocks():
        for inner in ir.walk_items(block):
            defined.update(inner.defs())
            reads += [op.id for _, ops in inner.deps() for op in ops if trace.is_local(op)]
    return [r for r in dict.fromkeys(reads) if r not in defined]
