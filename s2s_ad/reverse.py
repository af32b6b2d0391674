"""The reverse transform: trace -> forward sweep + adjoint statements in reverse order.

For each active statement `t = h(a, b)`, taken last to first, the rule table gives each
argument's contribution `a_bar += template(g=t_bar)`. In the lean form (the default) a
variable's adjoint is written once, as the sum of its contributions, at the point in the
reverse sweep where it is complete; single-term adjoints that are names or constants are
not written at all but substituted, so ±1 seeds fold away. The explicit form
(`lean=False`) writes one statement per contribution, like the lecture's adjoint table.
"""
import ast
import copy
import dataclasses
from dataclasses import dataclass

import numpy as np

from . import containers, ir, rules, tape
from .errors import TranslationError
from .forward import range_call
from .rules import control_rules as cr
from .simplify import add_terms, number, simplify
from .trace import Stmt, operand_kind, static_value
from .walk import copy_tree

SEED = 1.0


class Activity:
    """A value is active when it depends on a differentiated input (varied) and
    the output depends on it (useful). Only active values get adjoints. Loops make the
    dependence cyclic (a header depends on its last value), so both sets are fixed
    points over every definition in the trace."""

    def __init__(self, trace, kinds, wrt):
        # Both closures by worklist, each edge looked at once per newly reached name
        # (a pass over all edges until nothing changes took a pass per if-statement
        # in a chain of them: quadratic).
        edges = list(_dependencies(trace))
        readers, definitions = {}, {}
        for edge in edges:
            target, operands, zero = edge
            if zero:
                continue
            definitions.setdefault(target, []).append(operands)
            for o in operands:
                readers.setdefault(o, []).append(target)
        varied = {p for p in wrt if _is_real(kinds.get(p))}
        work = list(varied)
        while work:
            for target in readers.get(work.pop(), ()):
                if target not in varied and _is_real(kinds.get(target)):
                    varied.add(target)
                    work.append(target)
        useful = {trace.result.id} if trace.is_local(trace.result) else set()
        work = list(useful)
        while work:
            for operands in definitions.get(work.pop(), ()):
                for o in operands:
                    if o not in useful:
                        useful.add(o)
                        work.append(o)
        self.active = varied & useful

    def __contains__(self, name):
        return name in self.active


def _dependencies(trace):
    """(target, local operand names, piecewise constant?) for every definition."""
    for item in ir.walk_items(trace.body):
        if isinstance(item, ir.If):
            for target, a, b in item.phis:
                yield target, [o.id for o in (a, b) if trace.is_local(o)], False
        elif isinstance(item, ir.Loop):
            for header, last in item.carried:
                yield header, [last.id] if trace.is_local(last) else [], False
        else:
            operands = [v.id for k, v in item.args.items()
                        if trace.is_local(v) and k not in ("index", "saved")]
            yield item.target, operands, item.rule.zero_grad


def _is_real(kind):
    """Can this value carry a derivative? Unknown kinds are assumed to, and so are
    lists (of numbers, as local containers)."""
    return kind is None or kind.is_real or kind.pytype is list


@dataclass
class Masked:
    """An adjoint equal to `value` where `cond` holds and 0 elsewhere, as the adjoint of
    a `where` branch is. It stays unevaluated through elementwise rules, which apply
    the mask after their own derivative: where(c, g * f'(x), 0) rather than
    where(c, g, 0) * f'(x), so an infinite f' at a masked-out point (sqrt at 0) cannot
    turn 0 * inf into NaN in the gradient."""
    cond: ast.expr
    value: ast.expr


@dataclass
class Filled:
    """An adjoint that is the scalar `value` at every position of an array of `shape`,
    as after a full sum or mean. Elementwise rules use the scalar as it is (NumPy
    broadcasts it); elsewhere it becomes np.full(shape, value)."""
    value: ast.expr
    shape: tuple
    dtype: object


class ReverseTransform:
    """Builds the reverse sweep of a structured trace from the kinds of its values
    (observed on example arguments; None where unknown).

    Adjoint bookkeeping, per variable: contributions wait in `pending` until the
    variable's definition is reached, then are written once as their sum (lean) or
    substituted when they are a single name or number. A variable that receives
    contributions inside a branch or loop while being defined outside it becomes an
    accumulator (`acc`): its adjoint variable is materialized before the block and
    each contribution adds to it. Containers read as x[i] or written element-wise
    get an adjoint container (`x_bar = np.zeros_like(x)`, `[0.0] * len(L)`) updated
    in place, so each access costs O(1).
    """

    def __init__(self, trace, kinds, wrt, names, modules, helpers, lean=True):
        self.trace = trace
        self.kinds = kinds
        self.wrt = wrt
        self.names = names              # NameAllocator for adjoint names
        self.modules = modules          # template module name -> name in generated code
        self.helpers = helpers          # runtime helper name -> name in generated code
        self.lean = lean
        self.activity = Activity(trace, kinds, wrt)
        self.pending = {}               # key -> [terms], in reverse-sweep order
        self.acc = set()                # keys whose adjoint variable holds a running sum
        self.adjoint = {}               # key -> expression for its finished adjoint
        self.bar_names = {}             # key -> the name of its adjoint variable
        self.alias = {}                 # header -> its per-iteration key, inside its loop
        self.out = []                   # the reverse block being written
        self.pairs = []                 # tape.BlockPair for every block inside a loop
        self.loop_depth = 0
        self.neg_names = set()          # adjoint names of temporaries holding -adjoint
        self.roots = containers.adjoint_roots(trace, kinds, self.activity)
        self.mutated = containers.written_arrays(trace)

    # -- the sweep -------------------------------------------------------------------

    def reverse_sweep(self):
        result = self.trace.result
        if self.trace.is_local(result) and result.id in self.activity:
            if self.lean:
                self.pending[result.id] = [ast.Constant(SEED)]
            else:
                self.add(result.id, ast.Constant(SEED))
        self.materialize_roots(self.trace.params)
        self.block(self.trace.body)
        return self.out

    def gradients(self):
        """One expression per differentiated parameter, in `wrt` order."""
        out, owners = [], set()
        for p in self.wrt:
            kind = self.kinds.get(p)
            expr = self.finish(p) if p in self.activity else None
            if expr is None:
                expr = self._zero(p, kind)
            elif kind is not None and kind.is_python_number and not self._all_floats():
                expr = ast.Call(ast.Name("float", ast.Load()), [expr], [])
            elif kind is not None and kind.is_array:
                expr = self._fresh(expr, kind, owners)
            out.append(expr)
        return out
    def _fresh(self, expr, kind, owners):
        """Make an array gradient a new writable array of the input's shape and dtype.
        Adjoints built by arithmetic are fresh already; a parameter or forward value, a
        read-only broadcast view, or an array another gradient returns is copied; 0-d
        results (NumPy scalars) and non-float64 dtypes go through np.asarray."""
        np_name = ast.Name(self.modules["np"], ast.Load())
        dtype = ast.Attribute(np_name, np.dtype(kind.dtype).name, ast.Load())
        if number(expr) is not None:
            return ast.Call(ast.Attribute(np_name, "full", ast.Load()),
                            [ast.Constant(kind.shape), expr], [ast.keyword("dtype", dtype)])
        definitions = {st.targets[0].id: st.value for st in self.out
                       if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name)}
        owner = _fresh_owner(expr, definitions, self.modules["np"])
        if owner is None or owner in owners:
            return ast.Call(ast.Attribute(np_name, "array", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        owners.add(owner)
        if kind.shape == () or np.dtype(kind.dtype) != np.float64:
            return ast.Call(ast.Attribute(np_name, "asarray", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        return expr


    def block(self, items, materialize=True):
        if materialize:
            self.materialize_roots(_level_targets(items))
        for item in reversed(items):
            if isinstance(item, ir.If):
                self.if_(item)
            elif isinstance(item, ir.Loop):
                self.loop(item)
            else:
                self.stmt(item)

    def stmt(self, s):
        handler = containers.HANDLERS.get(id(s.rule))
        if handler is not None and handler(self, s):
            return
        if s.target not in self.activity:
            return
        g = self.finish(s.target, keep_mask=s.rule.broadcasts is True)
        if g is None:
            return
        for param, operand in s.args.items():
            if self.is_active(operand):
                self.add(operand.id, self._contribution(s, param, operand, g))

    def if_(self, item):
        finished = []
        for target, a, b in item.phis:
            if target in self.activity:
                finished.append((a, b, self.finish(target)))
        for name in _outer_reads(item, self.trace):
            if name in self.activity:
                self.materialize(name)
        codes = []
        for block, which in ((item.body, 0), (item.orelse, 1)):
            outer, self.out = self.out, []
            self.materialize_roots(_level_targets(block))
            for a, b, g in finished:
                operand = (a, b)[which]
                if g is not None and self.is_active(operand):
                    self.add(operand.id, g)
            self.block(block, materialize=False)
            codes.append(self.out)
            self.out = outer
            if self.loop_depth:
                self.pairs.append(tape.BlockPair([block], codes[-1]))
        then, orelse = codes
        self.out.append(ast.If(_copy(item.test), then, orelse))

    def loop(self, item):
        # The reverse loop pops earlier values into names the loop defines: adjoint
        # terms still waiting that read such a name must be written out first.
        overwritten = _loop_definitions(item)
        for key, terms in list(self.pending.items()):
            if any(_names_in(t) & overwritten for t in terms):
                self.materialize(key.split("@")[0] if key not in self.alias.values()
                                 else next(h for h, k in self.alias.items() if k == key))
        carried = [(h, last) for h, last in item.carried if h in self.activity]
        for h, _ in carried:
            self.materialize(h)
        headers = [h for h, _ in item.carried]      # in order: the tape tuple follows it
        for name in _outer_reads(item, self.trace):
            if name in self.activity and name not in headers:
                self.materialize(name)
        outer, self.out = self.out, []
        self.loop_depth += 1
        blocks = (item.cond_body or []) + item.body
        self.materialize_roots(_level_targets(blocks))
        carrier = {}
        for h, last in carried:
            carrier[h] = self._bar(h)
            self.alias[h] = h + "@iteration"
            if self.is_active(last):
                self.add(last.id, ast.Name(carrier[h], ast.Load()))
        self.block(item.body, materialize=False)
        self.block(item.cond_body or [], materialize=False)
        # The adjoints of the headers at the start of this iteration become the
        # carried adjoints for the iteration before; assigned together, since each
        # may read another's old value.
        targets, values = [], []
        for h, _ in carried:
            value = self._sum_so_far(h) or self._zero(h, self.kinds.get(h))
            del self.alias[h]
            if not (isinstance(value, ast.Name) and value.id == carrier[h]):
                targets.append(carrier[h])
                values.append(value)
        for statement in _assign_many(targets, values):
            self.emit(statement)
        code, self.out = self.out, outer
        self.loop_depth -= 1
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
        self.out.append(ast.For(ast.Name(target, ast.Store()), iterate, code or [ast.Pass()], []))
        self.pairs.append(tape.BlockPair([item.cond_body or [], item.body], code,
                                         own_index=item.target, headers=headers,
                                         outermost_loop=self.loop_depth == 0,
                                         counter=item.counter))

    # -- adjoints --------------------------------------------------------------------

    def key(self, var):
        return self.alias.get(var, var)

    def is_active(self, operand):
        return self.trace.is_local(operand) and operand.id in self.activity

    def emit(self, statement):
        self.out.append(statement)

    def add(self, var, term):
        """Record one contribution to var's adjoint."""
        key = self.key(var)
        if key in self.acc or not self.lean or self.mutated:
            term = self._materialise(term)
        if key in self.acc:
            bar = self._bar(key)
            self.emit(_assign(bar, simplify(ast.BinOp(ast.Name(bar, ast.Load()), ast.Add(), term))))
        elif not self.lean:
            self.emit(_assign(self._bar(key), term))
            self.acc.add(key)
        else:
            if self.mutated and _names_in(term) & self.mutated:
                # The term reads an array that an earlier write will restore: read it now.
                tmp = self.names.fresh("t")
                self.emit(_assign(tmp, term))
                term = ast.Name(tmp, ast.Load())
            self.pending.setdefault(key, []).append(term)

    def finish(self, var, keep_mask=False):
        """The expression for var's complete adjoint (None: no contribution), writing it
        if it needs a name. With `keep_mask` (var feeds an elementwise rule), an adjoint
        masked by one condition stays Masked and a Filled one stays Filled."""
        key = self.key(var)
        if key in self.adjoint:
            return self.adjoint[key]
        terms = self.pending.pop(key, [])
        lazy = self._lazy(key, terms) if keep_mask and key not in self.acc else None
        if lazy is not None:
            self.adjoint[key] = lazy
            return lazy
        terms = [self._materialise(t) for t in terms]
        if key in self.acc:
            if terms:
                self._write(key, terms, accumulate=True)
            expr = ast.Name(self._bar(key), ast.Load())
        elif not terms:
            expr = None
        elif len(terms) == 1 and _is_atom(terms[0]):
            expr = terms[0]
        elif len(terms) == 1 and _is_neg(terms[0]):
            # Keep the sign symbolic: the next rule usually cancels or absorbs it.
            name = self.names.fresh(f"{key.split('@')[0]}_bar_neg")
            kind = self.kinds.get(var)
            if var in self.trace.temps and kind is not None and kind.is_array:
                self.neg_names.add(name)
            self.emit(_assign(name, terms[0].operand))
            expr = ast.UnaryOp(ast.USub(), ast.Name(name, ast.Load()))
        else:
            expr = self._write(key, list(reversed(terms)))
        self.adjoint[key] = expr
        return expr

    def _lazy(self, key, terms):
        """A Masked adjoint with one condition, or a single Filled one, kept as it is."""
        if not self.lean or not terms:
            return None
        conditions = {ast.dump(t.cond) for t in terms if isinstance(t, Masked)}
        if len(conditions) == 1 and all(isinstance(t, Masked) for t in terms):
            values = [t.value for t in terms]
            value = values[0] if len(values) == 1 and _is_atom(values[0]) \
                else self._write(key, list(reversed(values)))
            return Masked(terms[0].cond, value)
        if len(terms) == 1 and isinstance(terms[0], Filled):
            value = terms[0].value if _is_atom(terms[0].value) \
                else self._write(key, [terms[0].value])
            return dataclasses.replace(terms[0], value=value)
        return None

    def _sum_so_far(self, var):
        """var's adjoint as one expression, without writing it to a variable."""
        key = self.key(var)
        terms = [self._materialise(t) for t in reversed(self.pending.pop(key, []))]
        total = ast.Name(self._bar(key), ast.Load()) if key in self.acc else None
        return add_terms(total, terms)

    def materialize(self, var):
        """Make var's adjoint a variable holding the sum so far (an accumulator)."""
        key = self.key(var)
        if key in self.acc or key in self.adjoint:
            return
        terms = [self._materialise(t) for t in self.pending.pop(key, [])]
        if terms:
            self._write(key, list(reversed(terms)))
        else:
            self.emit(_assign(self._bar(key), self._zero(var, self.kinds.get(var))))
        self.acc.add(key)

    def materialize_roots(self, names):
        for name in names:
            if name in self.roots and self.key(name) not in self.acc:
                self.emit(_assign(self._bar(name), containers.new_container(self, name)))
                self.acc.add(name)

    def _write(self, key, terms, accumulate=False):
        name = self._bar(key)
        if accumulate:
            total = add_terms(ast.Name(name, ast.Load()), terms)
        else:
            total = terms[0] if len(terms) == 1 else add_terms(simplify(terms[0]), terms[1:])
        self.emit(_assign(name, total))
        return ast.Name(name, ast.Load())

    def _bar(self, key):
        if key not in self.bar_names:
            base = key.split("@")[0]
            self.bar_names[key] = self.names.fresh(f"{base}_bar")
        return self.bar_names[key]

    def _contribution(self, s, param, operand, g):
        base, _, path = param.partition("[")
        if path and not s.rule.handles_elements(base):
            return self._element_of_whole(s, base, param[len(base):], g)
        info = self._info(s)
        try:
            template = s.rule.template(param, info)
            if template is not None and callable(s.rule.broadcasts):
                from_shape = s.rule.broadcasts(info)    # the contribution's own shape
        except rules.Unsupported as exc:
            raise TranslationError(f"cannot differentiate this call of {s.rule.name}: {exc}",
                                   s.loc) from None
        if template is None:
            raise TranslationError(f"no derivative rule for {s.rule.name} with respect to "
                                   f"its argument '{param}'", s.loc)
        if isinstance(g, Filled):
            lazy = self._filled_contribution(s, template, operand, g)
            if lazy is not None:
                return lazy
            g = self._materialise(g)
        mask = None
        if isinstance(g, Masked):           # only elementwise rules receive one
            mask, g = g.cond, g.value
        if s.rule.selects is not None:      # where(condition, x, y)
            condition = copy.deepcopy(s.args[s.rule.selects[0]])
            if not s.rule.selects[1][param.partition("[")[0]]:
                condition = self._np_call("logical_not", condition)
            mask = condition if mask is None else self._np_call("logical_and", mask, condition)
        mapping = {name: _as_expression(op) for name, op in s.args.items()}
        mapping["g"] = g
        mapping["ans"] = ast.Name(s.target, ast.Load())
        expr = simplify(self._instantiate(template, mapping))
        if info.fills:                      # a scalar standing for the whole argument
            kind = self._kind(operand)
            if kind is not None and kind.is_array and mask is None:
                return Filled(expr, kind.shape, kind.dtype)
            expr = self._np_call("full_like", copy.deepcopy(operand), expr)
        if not s.rule.broadcasts:
            return expr if mask is None else self._materialise(Masked(mask, expr))
        if callable(s.rule.broadcasts):
            shape = from_shape
        else:
            result = self.kinds.get(s.target)
            shape = result.shape if result is not None and result.is_numeric else None
        reduced = self._reduce_to(expr, operand, shape)
        if mask is None:
            return reduced
        if reduced is expr:                 # same shape: keep the mask for the next rule
            return Masked(mask, expr)
        return self._reduce_to(self._materialise(Masked(mask, expr)), operand, shape)

    def _element_of_whole(self, s, base, path, g):
        """np.mean([x, y]): the contribution to the list argument as a whole, an array,
        read at the element's position."""
        whole = self._materialise(self._contribution(s, base, s.args[base], g))
        index = [ast.Constant(int(i)) for i in path.strip("[]").split("][")]
        array = self._np_call("asarray", whole)
        return ast.Subscript(array, index[0] if len(index) == 1 else
                             ast.Tuple(index, ast.Load()), ast.Load())

    def _materialise(self, term):
        """A Masked adjoint as an array, np.where(cond, value, 0.0); a Filled one as
        np.full(shape, value)."""
        if isinstance(term, Filled):
            if term.shape == ():
                return term.value
            keywords = [] if np.dtype(term.dtype) == np.float64 else [ast.keyword(
                "dtype", ast.Attribute(ast.Name(self.modules["np"], ast.Load()),
                                       np.dtype(term.dtype).name, ast.Load()))]
            call = self._np_call("full", ast.Constant(term.shape), term.value)
            call.keywords = keywords
            return call
        if not isinstance(term, Masked):
            return term
        return self._np_call("where", term.cond, term.value, ast.Constant(0.0))

    def _filled_contribution(self, s, template, operand, g):
        """An elementwise rule fed a Filled adjoint: instantiate its template with the
        scalar. The result is the operand's contribution as it is when its shape is the
        operand's, or Filled again when it is still a scalar; else None (materialise)."""
        if s.rule.broadcasts is not True or s.rule.selects is not None:
            return None
        shape = self._template_shape(template, s)
        mine = self._kind(operand)
        if shape is None or mine is None or not mine.is_numeric or mine.shape != g.shape:
            return None                     # (the operand was broadcast: sum it normally)
        mapping = {name: _as_expression(op) for name, op in s.args.items()}
        mapping["g"] = g.value
        mapping["ans"] = ast.Name(s.target, ast.Load())
        expr = simplify(self._instantiate(template, mapping))
        if shape == mine.shape:
            return expr
        if shape == () and mine.is_array:
            return Filled(expr, mine.shape, mine.dtype)
        return None

    def _template_shape(self, template, s):
        """The broadcast shape of the values a template reads besides g, or None."""
        shapes = []
        for node in ast.walk(template):
            if not isinstance(node, ast.Name) or node.id == "g" or node.id in self.modules:
                continue
            if node.id == "ans":
                kind = self.kinds.get(s.target)
            elif node.id in s.args:
                kind = self._kind(s.args[node.id])
            else:
                return None
            if kind is None or not kind.is_real:    # g * mask must stay a float
                return None
            shapes.append(kind.shape)
        return np.broadcast_shapes(*shapes) if shapes else ()

    def _np_call(self, name, *args):
        np_name = ast.Name(self.modules["np"], ast.Load())
        return ast.Call(ast.Attribute(np_name, name, ast.Load()), list(args), [])

    # -- helpers -------------------------------------------------------------------------

    def _info(self, s):
        kinds, statics = {}, {}
        for param, operand in s.args.items():
            kinds[param] = self._kind(operand)
            if not self.trace.is_local(operand):
                try:
                    statics[param] = static_value(operand, self.trace.parsed)
                except LookupError:
                    pass
        active = {p for p, v in s.args.items() if self.trace.is_local(v) and v.id in self.activity}
        info = rules.RuleInfo(kinds, statics, self.kinds.get(s.target), active, s.args)
        info.kind_of = self._kind           # for operands nested in an index or a list
        return info

    def _kind(self, operand):
        return operand_kind(operand, self.trace, self.kinds)

    def _instantiate(self, template, mapping):
        modules, helpers = self.modules, self.helpers

        class Substitute(ast.NodeTransformer):
            def visit_Name(self, node):
                if node.id in mapping:
                    return copy_tree(mapping[node.id])
                if node.id in modules:
                    return ast.Name(modules[node.id], ast.Load())
                if node.id in helpers:
                    return ast.Name(helpers[node.id], ast.Load())
                return node

            def visit_Subscript(self, node):
                # `operands[1]` in a template: the element operand itself.
                if isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
                    key = f"{node.value.id}[{node.slice.value}]"
                    if key in mapping:
                        return copy_tree(mapping[key])
                return self.generic_visit(node)
        return Substitute().visit(copy_tree(template))

    def _reduce_to(self, expr, operand, shape):
        """Sum a contribution of shape `shape` (NumPy broadcast the operand to it) back to
        the operand's shape: resolved at compile time when both shapes are known, else
        left to the runtime helper."""
        mine = self._kind(operand)
        if mine is None or shape is None or not mine.is_numeric:
            return ast.Call(ast.Name(self.helpers["unbroadcast"], ast.Load()),
                            [expr, copy.deepcopy(operand)], [])
        if mine.shape == shape:
            return expr
        np_name = ast.Name(self.modules["np"], ast.Load())
        total = ast.Attribute(np_name, "sum", ast.Load())
        if mine.shape == ():
            return ast.Call(total, [expr], [])
        lead = len(shape) - len(mine.shape)
        kept = [lead + i for i, n in enumerate(mine.shape) if n == 1 and shape[lead + i] != 1]
        axes = tuple(range(lead)) + tuple(kept)
        axis = ast.Constant(axes[0] if len(axes) == 1 else axes)
        reduced = ast.Call(total, [expr], [ast.keyword("axis", axis)])
        if kept:
            reduced = ast.Call(ast.Attribute(reduced, "reshape", ast.Load()),
                               [ast.Constant(mine.shape)], [])
        return reduced

    def _zero(self, param, kind):
        if kind is not None and kind.is_python_number:
            return ast.Constant(0.0)
        if kind is not None and kind.is_array:
            np_name = ast.Name(self.modules["np"], ast.Load())
            return ast.Call(ast.Attribute(np_name, "zeros_like", ast.Load()),
                            [ast.Name(param, ast.Load())], [])
        return ast.Call(ast.Name(self.helpers["zeros_like"], ast.Load()),
                        [ast.Name(param, ast.Load())], [])

    def _all_floats(self):
        """True when every active value is a Python float, so adjoints are too."""
        return all(self.kinds.get(v) is not None and self.kinds[v].pytype is float
                   for v in self.activity.active)


# Calls that return a new array (or a view of a new array: reshape, transpose, ...).
_ALLOCATING = {"full_like", "full", "zeros", "ones", "outer", "einsum", "tensordot", "where",
               "sum", "mean", "matmul", "dot", "inner", "concatenate", "stack", "sign",
               "scatter", "scatter_add", "copy", "zeros_like"}
_VIEWS = {"reshape", "transpose", "swapaxes", "expand_dims", "squeeze", "moveaxis", "T", "flip"}


def _fresh_owner(expr, definitions, np_name):
    """The name (or expression dump) that owns the new array `expr` evaluates to, or
    None when `expr` may be an input, a forward value or a read-only view."""
    if isinstance(expr, ast.Name):
        value = definitions.get(expr.id)
        if value is None:
            return None
        inner = _fresh_owner(value, definitions, np_name)
        return inner if inner is None or isinstance(value, ast.Name) else expr.id
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        return ast.dump(expr)
    if isinstance(expr, ast.Attribute) and expr.attr in _VIEWS:
        return _fresh_owner(expr.value, definitions, np_name)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        func = expr.func
        on_module = isinstance(func.value, ast.Name) and func.value.id == np_name
        if func.attr in _VIEWS:
            base = expr.args[0] if on_module and expr.args else func.value
            return None if on_module and not expr.args else \
                _fresh_owner(base, definitions, np_name)
        if func.attr in _ALLOCATING:
            return ast.dump(expr)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
            and expr.func.id in _ALLOCATING:
        return ast.dump(expr)           # a runtime helper
    return None


def _is_atom(expr):
    """Names, negated names and numbers are substituted rather than given an adjoint
    variable; the signs then fold into the expressions that use them."""
    if _is_neg(expr) and isinstance(expr.operand, ast.Name):
        return True
    return isinstance(expr, (ast.Name, ast.Constant)) or number(expr) is not None


def _is_neg(expr):
    return isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)


def _assign_many(targets, values):
    """Assign all values to targets as if at once: one after the other when an order
    exists in which no value reads a target already assigned, else as a tuple."""
    pending = list(zip(targets, values))
    ordered = []
    while pending:
        for k, (t, v) in enumerate(pending):
            if not any(t in _names_in(other) for _, other in pending[:k] + pending[k + 1:]):
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


def _copy(operand):
    return copy.deepcopy(operand)


def _names_in(term):
    """The names an adjoint term reads (a Masked or Filled one included)."""
    if isinstance(term, Masked):
        parts = [term.cond, term.value]
    elif isinstance(term, Filled):
        parts = [term.value]
    else:
        parts = [term]
    return {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}


def _as_expression(operand):
    """An operand as an expression: slices in an index become slice(...) calls."""
    if isinstance(operand, ast.Slice):
        parts = [p if p is not None else ast.Constant(None)
                 for p in (operand.lower, operand.upper, operand.step)]
        return ast.Call(ast.Name("slice", ast.Load()), parts, [])
    if isinstance(operand, ast.Tuple):
        return ast.Tuple([_as_expression(e) for e in operand.elts], ast.Load())
    return operand


def _level_targets(items):
    return [item.target for item in items if isinstance(item, Stmt)]


def _loop_definitions(loop):
    names = {h for h, _ in loop.carried} | {n for n in (loop.target, loop.counter) if n}
    for inner in ir.walk_items((loop.cond_body or []) + loop.body):
        if isinstance(inner, ir.If):
            names.update(t for t, _, _ in inner.phis)
        elif isinstance(inner, ir.Loop):
            names |= _loop_definitions(inner)
        else:
            names.add(inner.target)
    return names


def _outer_reads(item, trace):
    """Local names that code inside a branch or loop reads but does not define: their
    adjoints receive contributions inside it."""
    reads, defined = [], set()
    blocks = [item.body, item.orelse] if isinstance(item, ir.If) else \
        [item.cond_body or [], item.body]
    if isinstance(item, ir.If):
        reads += [o.id for _, a, b in item.phis for o in (a, b) if trace.is_local(o)]
    else:
        reads += [last.id for _, last in item.carried if trace.is_local(last)]
    for block in blocks:
        for inner in ir.walk_items(block):
            if isinstance(inner, ir.If):
                defined.update(t for t, _, _ in inner.phis)
                reads += [o.id for _, a, b in inner.phis for o in (a, b) if trace.is_local(o)]
            elif isinstance(inner, ir.Loop):
                defined.update(h for h, _ in inner.carried)
                defined.update(n for n in (inner.target, inner.counter) if n)
                reads += [last.id for _, last in inner.carried if trace.is_local(last)]
            else:
                if inner.rule not in (cr.SETITEM, cr.APPEND):
                    defined.add(inner.target)
                reads += [v.id for k, v in inner.args.items()
                          if trace.is_local(v) and k not in ("index", "saved")]
    return [r for r in dict.fromkeys(reads) if r not in defined]
