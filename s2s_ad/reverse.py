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

from . import rules
from .errors import TranslationError
from .kinds import kind_of
from .simplify import number, simplify
from .trace import static_value

SEED = 1.0


class Activity:
    """A value is active when it depends on a differentiated input (varied) and
    the output depends on it (useful). Only active values get adjoints."""

    def __init__(self, trace, kinds, wrt):
        varied = {p for p in wrt if _is_real(kinds.get(p))}
        for s in trace.body:
            if s.rule.zero_grad or not _is_real(kinds.get(s.target)):
                continue
            if any(trace.is_local(v) and v.id in varied for v in s.args.values()):
                varied.add(s.target)
        useful = {trace.result.id} if trace.is_local(trace.result) else set()
        for s in reversed(trace.body):
            if s.target in useful:
                useful.update(v.id for v in s.args.values() if trace.is_local(v))
        self.active = varied & useful

    def __contains__(self, name):
        return name in self.active


def _is_real(kind):
    return kind is None or kind.is_real        # unknown kinds are assumed real


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
    """Builds the statements of a gradient function from a trace and the kinds of its
    values (observed on example arguments; None where unknown)."""

    def __init__(self, trace, kinds, wrt, names, modules, helpers, lean=True):
        self.trace = trace
        self.kinds = kinds
        self.wrt = wrt
        self.names = names              # NameAllocator for adjoint names
        self.modules = modules          # template module name -> name in generated code
        self.helpers = helpers          # runtime helper name -> name in generated code
        self.lean = lean
        self.activity = Activity(trace, kinds, wrt)
        self.contributions = {}         # variable -> [expr], in reverse-sweep order
        self.adjoint = {}               # variable -> expr standing for its finished adjoint
        self.bar_names = {}             # variable -> the name of its adjoint variable
        self.reverse = []               # [(note, stmt)]
        self.neg_names = set()          # adjoint names of temporaries holding -adjoint

    # -- the sweeps ------------------------------------------------------------------

    def forward_sweep(self):
        return [(f"line {s.loc.lineno}: {s.loc.text.strip()}", _assign(s.target, s.forward_expr()))
                for s in self.trace.body]

    def reverse_sweep(self):
        result = self.trace.result
        active = [s for s in self.trace.body if s.target in self.activity]
        if self.trace.is_local(result) and result.id in self.activity:
            self.adjoint[result.id] = ast.Constant(SEED)
            if not self.lean:
                self.adjoint[result.id] = self._write(result.id, [ast.Constant(SEED)])
        for s in reversed(active):
            g = self._finish(s.target, keep_mask=s.rule.broadcasts is True)
            for param, operand in s.args.items():
                if self.trace.is_local(operand) and operand.id in self.activity:
                    self.contributions.setdefault(operand.id, []).append(
                        self._contribution(s, param, operand, g))
                    if not self.lean:
                        term = self._materialise(self.contributions[operand.id][-1])
                        self._write(operand.id, [term],
                                    accumulate=len(self.contributions[operand.id]) > 1)
        return self.reverse

    def gradients(self):
        """One expression per differentiated parameter, in `wrt` order."""
        out, owners = [], set()
        for p in self.wrt:
            kind = self.kinds.get(p)
            if p in self.activity:
                expr = self._finish(p)
                if kind is not None and kind.is_python_number and not self._all_floats():
                    expr = ast.Call(ast.Name("float", ast.Load()), [expr], [])
                elif kind is not None and kind.is_array:
                    expr = self._fresh(expr, kind, owners)
            else:
                expr = self._zero(p, kind)
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
        owner = _fresh_owner(expr, {st.targets[0].id: st.value for _, st in self.reverse},
                             self.modules["np"])
        if owner is None or owner in owners:
            return ast.Call(ast.Attribute(np_name, "array", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        owners.add(owner)
        if kind.shape == () or np.dtype(kind.dtype) != np.float64:
            return ast.Call(ast.Attribute(np_name, "asarray", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        return expr

    # -- adjoints --------------------------------------------------------------------

    def _contribution(self, s, param, operand, g):
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
        mapping = {name: op for name, op in s.args.items()}
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
        mapping = dict(s.args)
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

    def _finish(self, var, keep_mask=False):
        """The expression for var's complete adjoint, writing it if it needs a name.
        With `keep_mask` (var feeds an elementwise rule), an adjoint that is masked by
        one condition stays Masked, its value written unmasked."""
        if var in self.adjoint:
            return self.adjoint[var]
        terms = self.contributions.get(var, [])
        conditions = {ast.dump(t.cond) for t in terms if isinstance(t, Masked)}
        if (keep_mask and self.lean and terms and len(conditions) == 1
                and all(isinstance(t, Masked) for t in terms)):
            values = [t.value for t in terms]
            value = values[0] if len(values) == 1 and _is_atom(values[0]) \
                else self._write(var, list(reversed(values)))
            self.adjoint[var] = Masked(terms[0].cond, value)
            return self.adjoint[var]
        if keep_mask and self.lean and len(terms) == 1 and isinstance(terms[0], Filled):
            value = terms[0].value if _is_atom(terms[0].value) else self._write(var, [terms[0].value])
            self.adjoint[var] = dataclasses.replace(terms[0], value=value)
            return self.adjoint[var]
        terms = [self._materialise(t) for t in terms]
        self.contributions[var] = terms
        if self.lean and len(terms) == 1 and _is_atom(terms[0]):
            self.adjoint[var] = terms[0]
        elif self.lean and len(terms) == 1 and _is_neg(terms[0]):
            # Keep the sign symbolic: the next rule usually cancels or absorbs it.
            name = self.names.fresh(f"{var}_bar_neg")
            kind = self.kinds.get(var)
            if var in self.trace.temps and kind is not None and kind.is_array:
                self.neg_names.add(name)
            self.reverse.append((None, _assign(name, terms[0].operand)))
            self.adjoint[var] = ast.UnaryOp(ast.USub(), ast.Name(name, ast.Load()))
        elif self.lean:
            self.adjoint[var] = self._write(var, list(reversed(terms)))
        else:
            self.adjoint[var] = ast.Name(self._bar(var), ast.Load())
        return self.adjoint[var]

    def _write(self, var, terms, accumulate=False):
        name = self._bar(var)
        total = ast.Name(name, ast.Load()) if accumulate else terms[0]
        for term in (terms if accumulate else terms[1:]):
            total = simplify(ast.BinOp(total, ast.Add(), term))
        self.reverse.append((None, _assign(name, total)))
        return ast.Name(name, ast.Load())

    def _bar(self, var):
        if var not in self.bar_names:
            self.bar_names[var] = self.names.fresh(f"{var}_bar")
        return self.bar_names[var]

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
        if self.trace.is_local(operand):
            return self.kinds.get(operand.id)
        try:
            return kind_of(static_value(operand, self.trace.parsed))
        except LookupError:
            pass
        try:
            return kind_of(_external(operand, self.trace.parsed))
        except (KeyError, AttributeError, TypeError):
            return None

    def _instantiate(self, template, mapping):
        modules = {**self.modules, **self.helpers}

        class Substitute(ast.NodeTransformer):
            def visit_Name(self, node):
                if node.id in mapping:
                    return copy.deepcopy(mapping[node.id])
                if node.id in modules:
                    return ast.Name(modules[node.id], ast.Load())
                return node

            def visit_Subscript(self, node):
                # `operands[1]` in a template: the element operand itself.
                if isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant):
                    key = f"{node.value.id}[{node.slice.value}]"
                    if key in mapping:
                        return copy.deepcopy(mapping[key])
                return self.generic_visit(node)
        return Substitute().visit(copy.deepcopy(template))

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
        """True when every value in the trace is a Python float, so adjoints are too."""
        return all(k is not None and k.pytype is float for k in self.kinds.values())


# Calls that return a new array (or a view of a new array: reshape, transpose, ...).
_ALLOCATING = {"full_like", "full", "zeros", "ones", "outer", "einsum", "tensordot", "where",
               "sum", "mean", "matmul", "dot", "inner", "concatenate", "stack", "sign",
               "scatter", "scatter_add", "copy"}
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
    variable."""
    if _is_neg(expr) and isinstance(expr.operand, ast.Name):
        return True
    return isinstance(expr, (ast.Name, ast.Constant)) or number(expr) is not None


def _is_neg(expr):
    return isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub)


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)


def _external(node, parsed):
    if isinstance(node, ast.Name):
        return parsed.lookup(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_external(node.value, parsed), node.attr)
    if isinstance(node, ast.Constant):
        return node.value
    raise TypeError(node)


def eliminate_dead_code(statements, returns):
    """Drop assignments whose value nobody reads (every statement here is pure)."""
    used = {n.id for n in ast.walk(returns) if isinstance(n, ast.Name)}
    kept = []
    for note, stmt in reversed(statements):
        target = stmt.targets[0].id
        if target in used:
            used.discard(target)
            used.update(n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name))
            kept.append((note, stmt))
    kept.reverse()
    return kept
