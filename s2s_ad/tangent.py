"""Forward mode: the structured trace -> primal and tangent statements, side by side.

Each primal statement is followed by its tangent statement: `x_dot` beside `x`,

    z3 = np.sin(z2)
    z3_dot = z2_dot * np.cos(z2)

branches and loops keep their structure (phi copies and loop-carried copies copy the
tangents too), element writes write tangents (`a_dot[i] = v_dot`), appends append
them. Nothing is recorded: the tangents run alongside the primal values.

Which values carry a tangent: those that depend on an input (the forward closure of
activity analysis over the items' `deps()`). The tangent of one statement comes from its
rule (rules/__init__.py, tangent_rules.py): linear primitives are applied to the
tangents, multilinear ones get one term per active argument, reductions sum over their
fibres, elementwise rules substitute `x_dot` for g in their adjoint. A statement whose
rule has no tangent for an active argument is a located refusal, never a zero.
"""
import ast
import collections
import copy


from . import ir, rules
from .activity import _forward_closure, _is_real
from .contributions import Contributions
from .errors import TranslationError
from .forward import ForwardEmitter, assign
from .rules import PRODUCT
from .simplify import simplify
from .tangent_rules import annotate
from .trace import operand_kind
from .walk import copy_tree


from .tangent_terms import TangentTerms
class TangentTransform(TangentTerms):
    def __init__(self, trace, kinds, wrt, names, modules, helpers, aliases=None):
        annotate()
        self.aliases = aliases or {}
        # Arrays and lists written in place: their tangents must own their memory
        # whenever the primal value owns its own (see `owned`).
        self.mutated = {n for item in ir.walk_items(trace.body) for n in item.writes()}
        self.trace, self.kinds, self.names = trace, kinds, names
        self.modules, self.helpers = modules, helpers
        # (an appended or stored tuple display carries its elements' tangents)
        edges = [(target, [o.id for o in _displayed(operands) if trace.is_local(o)])
                 for item in ir.walk_items(trace.body) for target, operands in item.deps()]
        self.varied = _forward_closure(edges, {p for p in wrt if _is_real(kinds.get(p))},
                                       lambda name: _is_real(kinds.get(name)))
        self.dots = {}                      # name -> its tangent's name
        self.primal_of = {}                 # ... and back
        for p in trace.params:              # the tangent parameters come first
            self.dot_name(p)
        self.contributions = Contributions(trace, kinds, self.varied, modules, helpers)

    def dot_name(self, name):
        if name not in self.dots:
            self.dots[name] = self.names.fresh(f"{name}_dot")
            self.primal_of[self.dots[name]] = name
        return self.dots[name]

    def is_varied(self, operand):
        return self.trace.is_local(operand) and operand.id in self.varied

    # -- tangents of operands ---------------------------------------------------------------

    def dot(self, operand):
        """The tangent of an operand: its x_dot, or a zero of its shape."""
        if self.is_varied(operand):
            return ast.Name(self.dot_name(operand.id), ast.Load())
        return self.zero(operand)

    def zero(self, operand):
        if isinstance(operand, (ast.List, ast.Tuple)):
            return type(operand)([self.dot(e) for e in operand.elts], ast.Load())
        kind = operand_kind(operand, self.trace, self.kinds)
        if kind is not None and (kind.is_python_number or (kind.is_array and kind.shape == ())):
            return ast.Constant(0.0)
        if kind is not None and kind.is_array:      # the shape is known: a literal
            return self.np_call("zeros", ast.Constant(tuple(kind.shape)))
        # (np.shape has no rule: zeros_like keeps the code inside the subset s2s_ad
        # reads again, for hessian's reverse over forward)
        return self.np_call("zeros_like", copy_tree(operand), dtype=ast.Name("float", ast.Load()))

    def np_call(self, name, *args, **keywords):
        np_name = ast.Name(self.modules["np"], ast.Load())
        return ast.Call(ast.Attribute(np_name, name, ast.Load()), list(args),
                        [ast.keyword(k, v) for k, v in keywords.items()])

    # -- the tangent of one statement -------------------------------------------------------

    def statement(self, s):
        """The tangent statements that follow the primal statement `s`."""
        if s.target not in self.varied:
            return []
        rule = s.rule
        active = [p for p, op in s.args.items() if self.is_varied(op)
                  and p.partition("[")[0] not in rule.discrete]
        if rule.zero_grad:          # piecewise constant (written into later: varied)
            active = []
        if not active and rule.name != "list":
            return [assign(self.dot_name(s.target), self.zero(ast.Name(s.target, ast.Load())))]
        if rule.refuses is not None:
            raise TranslationError(f"jvp cannot differentiate this call of {rule.name}: "
                                   f"{rule.refuses}", s.loc)
        if rule.linear or rule.name == "list":
            value = self.linear(s, active)
        else:
            terms = [self.term(s, p) for p in self._top_level(s, active)]
            terms = [t for t in terms if t is not None]
            value = terms[0] if terms else self.zero(ast.Name(s.target, ast.Load()))
            for t in terms[1:]:
                value = ast.BinOp(value, ast.Add(), t)
        return [assign(self.dot_name(s.target), self.owned(s, simplify(value)))]

    def owned(self, s, value):
        """A tangent that may alias another (x_dot * 1.0 simplifies to x_dot, +0 to the
        other tangent) is copied when its primal is a new value that is later written in
        place: the write must not reach the other tangent. Where the primal is itself a
        view of an operand (x.T, x[1:]), the tangent is the same view of its tangent, and
        writes reach both, as they do for the primal values."""
        group = self.aliases.get(s.target, {s.target})
        if not group & self.mutated:
            return value
        if any(n in group for op in s.args.values() for n in ir.names_in(op)):
            return value
        if isinstance(value, (ast.List, ast.Constant)):
            return value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and \
                value.func.attr in ("zeros", "array"):
            return value
        kind = self.kinds.get(s.target)
        if kind is not None and kind.pytype is list:
            return ast.Call(ast.Name("list", ast.Load()), [value], [])
        return self.np_call("array", value)

    def _top_level(self, s, active):
        """Active parameters, with list elements ('arrays[1]') kept only when the rule's
        tangent handles elements one by one (PRODUCT), else as their whole list."""
        out = []
        for p in active:
            base = p.partition("[")[0]
            if p != base and s.rule.tangent.get(base) is not PRODUCT:
                p = base
            if p == base and s.rule.tangent.get(base) is PRODUCT and \
                    any(k.startswith(base + "[") for k in s.args):
                continue            # its elements are listed one by one
            if p not in out:
                out.append(p)
        return out

    def linear(self, s, active):
        """The primitive applied to the tangents of its linear arguments."""
        if s.rule.name == "list":
            return self.spelled(s, {id(op): self.dot(op) for op in s.call_args})
        operands = self.call_operands(s)
        linear = set(s.rule.linear)
        shape_only = set(getattr(s.rule, "shape_only", ()))
        for p in active:
            base = p.partition("[")[0]
            if base not in linear:
                self.refuse(s, p, "it is linear only in " + ", ".join(sorted(linear)))
        replace = {}
        for p, node in operands.items():
            base = p.partition("[")[0]
            if base in linear and base not in shape_only and isinstance(node, ast.AST) \
                    and (p == base or isinstance(operands.get(base), tuple)):
                replace[id(node)] = self.dot(node)
        return self.spelled(s, replace)

    def call_operands(self, s):
        """Parameter name (and 'param[i]' for list elements) -> the operand object in
        the call as written (`s.call_args`), which is what the forward sweep spells: the
        rule's signature bound to the call again. (Binding by the parameter objects in
        `s.args` would miss after renaming passes copy the operands.)"""
        a = s.call_args
        params = s.rule.params
        if s.rule.spelling == rules.SUBSCRIPT and len(params) == 1:
            # np.r_[a, b]: the object indexed, then the pieces (one, or a tuple)
            bound = {params[0]: a[1]}
        else:
            try:
                bound = s.rule.signature.bind(*a, **dict(s.call_keywords)).arguments
            except TypeError:
                bound = None
        operands = {}
        for p, value in (bound or {}).items():
            operands[p] = value
            elements = value if isinstance(value, tuple) else (
                value.elts if isinstance(value, (ast.List, ast.Tuple)) else ())
            for i, e in enumerate(elements):
                operands[f"{p}[{i}]"] = e
        # Every named operand must be where the rule's binding put it: else refuse
        # (never spell a tangent from a mismatched operand).
        for p, op in s.args.items():
            node = operands.get(p)
            if isinstance(op, ast.Name) and not (isinstance(node, ast.Name)
                                                 and node.id == op.id):
                raise TranslationError(f"jvp cannot match this call of {s.rule.name} to "
                                       "its rule's parameters; use grad/vjp for this "
                                       "function", s.loc)
        return operands

    def spelled(self, s, replace):
        """The statement's own expression with some operands (by identity) replaced."""
        seen = collections.Counter(id(n) for a in s.call_args + [v for _, v in s.call_keywords]
                                   for n in _operand_nodes(a))
        if any(seen[key] > 1 for key in replace):
            raise TranslationError(f"jvp cannot tell apart two operands of this call of "
                                   f"{s.rule.name}; use grad/vjp for this function", s.loc)
        twin = copy.copy(s)
        twin.call_args = [_replaced(a, replace) for a in s.call_args]
        twin.call_keywords = [(k, _replaced(v, replace)) for k, v in s.call_keywords]
        return s.rule.spell(twin)

    def _kind_of_name(self, name):
        primal = self.primal_of.get(name, name)
        if primal in self.kinds:
            return self.kinds[primal]
        return None


def _displayed(operands):
    """The operands, with tuple and list displays replaced by their elements."""
    for op in operands:
        if isinstance(op, (ast.Tuple, ast.List)):
            yield from _displayed(op.elts)
        elif isinstance(op, ast.Starred):
            yield from _displayed([op.value])
        else:
            yield op


def _operand_nodes(node):
    """The node and, for a list, tuple or starred operand, its elements."""
    yield node
    if isinstance(node, (ast.List, ast.Tuple)):
        for e in node.elts:
            yield from _operand_nodes(e)
    elif isinstance(node, ast.Starred):
        yield from _operand_nodes(node.value)


def _replaced(node, replace):
    """A copy of `node` with subtrees replaced by identity."""
    if id(node) in replace:
        return replace[id(node)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return type(node)([_replaced(e, replace) for e in node.elts], ast.Load())
    if isinstance(node, ast.Starred):
        return ast.Starred(_replaced(node.value, replace), ast.Load())
    return node


class TangentEmitter(ForwardEmitter):
    """The forward sweep with each item's tangent statements after it."""

    def __init__(self, transform):
        super().__init__()
        self.t = transform

    def item(self, item):
        out = super().item(item)
        t = self.t
        if isinstance(item, ir.Stmt):
            return out + [self.noted(s, item) for s in t.statement(item)]
        if isinstance(item, ir.Store) and item.array in t.varied:
            target = ast.Subscript(ast.Name(t.dot_name(item.array), ast.Load()),
                                   copy_tree(item.index), ast.Store())
            return out + [self.noted(ast.Assign([target], t.dot(item.value), lineno=0), item)]
        if isinstance(item, ir.Append) and item.lst in t.varied:
            call = ast.Call(ast.Attribute(ast.Name(t.dot_name(item.lst), ast.Load()),
                                          "append", ast.Load()), [t.dot(item.value)], [])
            return out + [self.noted(ast.Expr(call), item)]
        return out

    def copies(self, pairs):
        out = []
        for target, operand in pairs:
            out.append(assign(target, ast.Constant(None) if operand is None else operand))
            if target in self.t.varied:
                value = ast.Constant(None) if operand is None else self.t.dot(operand)
                out.append(assign(self.t.dot_name(target), value))
        return out
