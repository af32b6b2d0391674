"""Contributions: a rule's adjoint template instantiated at one call site.

For a statement `t = h(a, b)` and the adjoint `g` of t, `Contributions.contribution`
gives the term that flows to one argument: the rule's template with `g`, `ans` and the
arguments substituted, simplified, and summed back over the axes NumPy broadcast the
argument along. Shapes are known at compile time when the signature fixes them, so
that sum is written out (`np.sum(expr, axis=0)`); where they are not, the runtime
helper `unbroadcast` does it. Masked and Filled adjoints (adjoints.py) pass through
elementwise rules unevaluated.
"""
import ast
import copy

import numpy as np

from . import adjoints, rules
from .adjoints import Filled, Masked
from .errors import TranslationError
from .simplify import SETTLED, simplify
from .trace import operand_kind, static_value
from .walk import all_nodes, copy_tree


class Contributions:
    """Instantiates rule templates for one trace, given the kinds of its values and
    the names generated code uses for modules and runtime helpers."""

    def __init__(self, trace, kinds, active, modules, helpers):
        self.trace = trace
        self.kinds = kinds
        self.active = active            # the Activity: which arguments carry adjoints
        self.modules = modules          # template module name -> name in generated code
        self.helpers = helpers          # runtime helper name -> name in generated code
        # (the call site asked about last, its RuleInfo, {name: expression} and their
        # _shapes: the sweep asks about each statement's arguments in turn, so one is
        # kept, not one per statement of the program)
        self._site = None
        self._simplified = {}           # (template, shapes) -> (template, simplified,
                                        # settled): see _simplified_instance
        self._renames = {**modules, **helpers}

    def release(self):
        """Drop what was made once per call site (the sweep is over; the stages after
        it hold the whole program in memory)."""
        self._site, self._simplified = None, {}

    def contribution(self, s, param, operand, g):
        base, _, path = param.partition("[")
        if path and not s.rule.handles_elements(base):
            return self._element_of_whole(s, base, param[len(base):], g)
        info = self.info(s)
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
            g = self.materialise(g)
        mask = None
        if isinstance(g, Masked):           # only elementwise rules receive one
            mask, g = g.cond, g.value
        if s.rule.selects is not None:      # where(condition, x, y)
            condition = copy.deepcopy(s.args[s.rule.selects[0]])
            if not s.rule.selects[1][param.partition("[")[0]]:
                condition = self.np_call("logical_not", condition)
            mask = condition if mask is None else self.np_call("logical_and", mask, condition)
        operands, shapes = self._site_operands(s)
        mapping = dict(operands)
        mapping["g"] = g
        expr = self._simplified_instance(template, mapping, shapes)
        if info.fills:                      # a scalar standing for the whole argument
            kind = self.kind(operand)
            if kind is not None and kind.is_array and mask is None:
                return Filled(expr, kind.shape, kind.dtype)
            expr = self.np_call("full_like", copy.deepcopy(operand), expr)
        if not s.rule.broadcasts:
            return expr if mask is None else self.materialise(Masked(mask, expr))
        if callable(s.rule.broadcasts):
            shape = from_shape
        else:
            result = self.kinds.get(s.target)
            shape = result.shape if result is not None and result.is_numeric else None
        reduced = self.reduce_to(expr, operand, shape)
        if mask is None:
            return reduced
        if reduced is expr:                 # same shape: keep the mask for the next rule
            return Masked(mask, expr)
        return self.reduce_to(self.materialise(Masked(mask, expr)), operand, shape)

    def _element_of_whole(self, s, base, path, g):
        """np.mean([x, y]): the contribution to the list argument as a whole, an array,
        read at the element's position."""
        whole = self.materialise(self.contribution(s, base, s.args[base], g))
        index = [ast.Constant(int(i)) for i in path.strip("[]").split("][")]
        array = self.np_call("asarray", whole)
        return ast.Subscript(array, index[0] if len(index) == 1 else
                             ast.Tuple(index, ast.Load()), ast.Load())

    def materialise(self, term):
        """A Masked adjoint as np.where(cond, value, 0.0), a Filled one as
        np.full(shape, value); anything else as it is."""
        return adjoints.materialise(term, self.modules["np"])

    def _filled_contribution(self, s, template, operand, g):
        """An elementwise rule fed a Filled adjoint: instantiate its template with the
        scalar. The result is the operand's contribution as it is when its shape is the
        operand's, or Filled again when it is still a scalar; else None (materialise)."""
        if s.rule.broadcasts is not True or s.rule.selects is not None:
            return None
        shape = self._template_shape(template, s)
        mine = self.kind(operand)
        if shape is None or mine is None or not mine.is_numeric or mine.shape != g.shape:
            return None                     # (the operand was broadcast: sum it normally)
        mapping = {name: _as_expression(op) for name, op in s.args.items()}
        mapping["g"] = g.value
        mapping["ans"] = ast.Name(s.target, ast.Load())
        expr = self._simplified_instance(template, mapping)
        if shape == mine.shape:
            return expr
        if shape == () and mine.is_array:
            return Filled(expr, mine.shape, mine.dtype)
        return None

    def _template_shape(self, template, s):
        """The broadcast shape of the values a template reads besides g, or None."""
        shapes = []
        for node in all_nodes(template):
            if not isinstance(node, ast.Name) or node.id == "g" or node.id in self.modules:
                continue
            if node.id == "ans":
                kind = self.kinds.get(s.target)
            elif node.id in s.args:
                kind = self.kind(s.args[node.id])
            else:
                return None
            if kind is None or not kind.is_real:    # g * mask must stay a float
                return None
            shapes.append(kind.shape)
        return np.broadcast_shapes(*shapes) if shapes else ()

    def np_call(self, name, *args):
        np_name = ast.Name(self.modules["np"], ast.Load())
        return ast.Call(ast.Attribute(np_name, name, ast.Load()), list(args), [])

    # -- helpers -------------------------------------------------------------------------

    def info(self, s):
        """The RuleInfo of a call site, made once per statement (a statement with two
        active arguments asks twice; kinds and activity do not change meanwhile)."""
        known = self._site
        if known is not None and known[0] is s:
            info = known[1]
            info.fills = False          # (set again by the template that asks for it)
            return info
        info = self._new_info(s)
        # What a template's names stand for at this call site, but g: the operands as
        # expressions and `ans`, the result (copied where a template reads them).
        operands = {name: _as_expression(op) for name, op in s.args.items()}
        operands["ans"] = ast.Name(s.target, ast.Load())
        # (a parameter named g is never read by a template: g is the adjoint there)
        shapes = _shapes({k: v for k, v in operands.items() if k != "g"})
        self._site = (s, info, operands, shapes)
        return info

    def _site_operands(self, s):
        """(the call site's {name: expression}, their _shapes), made with its info."""
        if self._site is None or self._site[0] is not s:
            self.info(s)
        return self._site[2], self._site[3]

    def _new_info(self, s):
        kinds, statics, active = {}, {}, set()
        for param, operand in s.args.items():
            if self.trace.is_local(operand):        # (operand_kind's first case)
                kinds[param] = self.kinds.get(operand.id)
                if operand.id in self.active:
                    active.add(param)
                continue
            kinds[param] = self.kind(operand)
            try:
                statics[param] = static_value(operand, self.trace.parsed)
            except LookupError:
                pass
        info = rules.RuleInfo(kinds, statics, self.kinds.get(s.target), active, s.args)
        info.kind_of = self.kind           # for operands nested in an index or a list
        info.names = _UserNames(s.args, self.trace)   # (asked for by messages only)
        return info

    def kind(self, operand):
        return operand_kind(operand, self.trace, self.kinds)

    def _instantiate(self, template, mapping):
        return _substituted(template, mapping, self._renames)

    def _simplified_instance(self, template, mapping, known_shapes=None):
        """simplify(self._instantiate(template, mapping)). Simplifying looks at the
        shape of an expression, never at which names it reads: where every expression
        is a name, a number or a negated name, the template is simplified once per such
        shape (with stand-in names) and the result copied with the call site's names.
        (`known_shapes`: _shapes of every entry of the mapping but g, made before.)"""
        if known_shapes is None:
            shapes, names = _shapes(mapping)
        else:
            more, more_names = _shapes({"g": mapping["g"]})
            shapes, names = (None, None) if known_shapes[0] is None or more is None else \
                (known_shapes[0] + more, {**known_shapes[1], **more_names})
        if shapes is None:
            return simplify(self._instantiate(template, mapping))
        key = (id(template),) + shapes
        known = self._simplified.get(key)
        if known is None or known[0] is not template:
            stand_ins = {k: _stand_in(k, v) for k, v in mapping.items()}
            simplified = simplify(self._instantiate(template, stand_ins))
            # (simplifying is not always idempotent: a sum of terms simplifies each
            # term again, except one that is known to stay as it is)
            again = simplify(copy_tree(simplified))
            # (the template is kept, so that no other template can take its id)
            known = (template, simplified, ast.dump(again) == ast.dump(simplified))
            self._simplified[key] = known
        _, simplified, settled = known
        expr = _substituted(simplified, names, {})
        if settled:
            expr.__dict__[SETTLED] = True
        return expr

    def reduce_to(self, expr, operand, shape):
        """Sum a contribution of shape `shape` (NumPy broadcast the operand to it) back to
        the operand's shape: resolved at compile time when both shapes are known, else
        left to the runtime helper."""
        mine = self.kind(operand)
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


def _shapes(mapping):
    """((the shape of each expression), {stand-in name: the call site's name}) when
    every expression is a name, a number or a negated name; else (None, None). A
    number's shape is its type and value: simplifying folds numbers."""
    shapes, names = [], {}
    for key, value in mapping.items():
        t = type(value)
        if t is ast.Name:
            shapes.append(key)
            names[_STAND_IN + key] = value
        elif t is ast.Constant:
            shapes.append((key, type(value.value), repr(value.value)))
        elif t is ast.UnaryOp and type(value.op) is ast.USub \
                and type(value.operand) is ast.Name:
            shapes.append((key, "-"))
            names[_STAND_IN + key] = value.operand
        else:
            return None, None
    return tuple(shapes), names


def _stand_in(key, value):
    """The stand-in for an expression of _shape: a name no program has for a name."""
    t = type(value)
    if t is ast.Name:
        return ast.Name(_STAND_IN + key, ast.Load())
    if t is ast.UnaryOp:
        return ast.UnaryOp(ast.USub(), ast.Name(_STAND_IN + key, ast.Load()))
    return value


_STAND_IN = "\0"      # (not an identifier: never a user's name, and never printed)


def _as_expression(operand):
    """An operand as an expression: slices in an index become slice(...) calls."""
    if isinstance(operand, ast.Slice):
        parts = [p if p is not None else ast.Constant(None)
                 for p in (operand.lower, operand.upper, operand.step)]
        return ast.Call(ast.Name("slice", ast.Load()), parts, [])
    if isinstance(operand, ast.Tuple):
        return ast.Tuple([_as_expression(e) for e in operand.elts], ast.Load())
    return operand


def _substituted(node, mapping, renames):
    """A copy of a template with its names replaced: `g`, `ans` and parameters by the
    call site's expressions (`operands[1]` by that element), `np`/`math`/helpers by
    their names in the generated code. (Templates are a few nodes deep: recursion is
    fine here, and one copying pass costs half of a copy and a NodeTransformer.)
    Contexts and operators, which hold nothing, are shared, as the parser shares them."""
    t = type(node)
    if t is ast.Name:
        if node.id in mapping:
            value = mapping[node.id]
            # (an operand is usually a name or a number: a shallow copy is a full one)
            return _shallow(value) if type(value) in _LEAVES else copy_tree(value)
        return ast.Name(renames.get(node.id, node.id), node.ctx)
    if t is ast.Subscript and type(node.value) is ast.Name \
            and type(node.slice) is ast.Constant:
        key = f"{node.value.id}[{node.slice.value}]"
        if key in mapping:
            value = mapping[key]
            return _shallow(value) if type(value) in _LEAVES else copy_tree(value)
    new = t.__new__(t)
    attrs, old = new.__dict__, node.__dict__
    for key in t._fields:       # (not a template's positions: generated code has none)
        if key not in old:
            continue
        value = old[key]
        if type(value) is list:
            value = [_substituted(v, mapping, renames) if isinstance(v, ast.AST) else v
                     for v in value]
        elif isinstance(value, ast.AST) and value._fields:
            value = _substituted(value, mapping, renames)
        attrs[key] = value
    return new


_LEAVES = (ast.Name, ast.Constant)     # their fields hold no node but a shared context


def _shallow(node):
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(node.__dict__)
    return new


class _UserNames:
    """parameter -> the user's name for its operand (for messages), where it is one of
    theirs: 'y' for the version y_2, nothing for a temporary. Worked out when a message
    asks (`get`), not for every contribution."""

    def __init__(self, args, trace):
        self.args, self.trace = args, trace

    def get(self, param, default=None):
        from .aliasing import user_name
        op = self.args.get(param)
        if isinstance(op, ast.Name) and self.trace.is_local(op) and \
                op.id not in self.trace.temps:
            return user_name(op.id)
        return default
