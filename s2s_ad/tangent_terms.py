"""The tangent of one primitive at one call site: the rule table's tangent column
(linear, product and fiber rules, hand-written templates) or, where the adjoint
template is linear in g, the template itself with the tangent in place of g. A rule
with neither is a located refusal, never a zero.
"""
import ast

import numpy as np

from . import rules
from .contributions import _as_expression
from .errors import TranslationError
from .rules import FIBER, PRODUCT
from .tangent_rules import is_derivable
from .walk import all_nodes, copy_tree




class TangentTerms:
    """The per-rule part of `tangent.TangentTransform`."""

    def term(self, s, p):
        """The tangent that flows in through the active parameter `p`."""
        rule = s.rule
        base = p.partition("[")[0]
        tangent = rule.tangent.get(base)
        if tangent is PRODUCT:
            node = self.call_operands(s).get(p)
            if not isinstance(node, ast.AST):
                self.refuse(s, p, "its argument is not one operand of the call")
            return self.spelled(s, {id(node): self.dot(s.args[p])})
        if tangent is FIBER:
            return self.fiber(s, p)
        if tangent is not None:
            info = self.contributions.info(s)
            info.param = p
            try:
                text = tangent(info) if callable(tangent) else tangent
            except rules.Unsupported as exc:
                raise TranslationError(f"cannot differentiate this call of {rule.name}: "
                                       f"{exc}", s.loc) from None
            mapping = {name: _as_expression(op) for name, op in s.args.items()}
            mapping[f"{p}_dot"] = self.dot(s.args[p])
            mapping["ans"] = ast.Name(s.target, ast.Load())
            expr = self.contributions._instantiate(ast.parse(text, mode="eval").body, mapping)
            return self.broadcast(s, expr)
        if is_derivable(rule):     # elementwise, or of numbers (math, abs, pow, ...)
            return self.derived(s, p)
        self.refuse(s, p, "its rule has no tangent (forward-mode) template")

    def refuse(self, s, p, why):
        raise TranslationError(
            f"jvp cannot differentiate this call of {s.rule.name} with respect to its "
            f"argument '{p}': {why}; use grad/vjp (reverse mode) for this function, or "
            "give the rule a tangent template (Rule.tangent)", s.loc)

    @staticmethod
    def template(s, p, info):
        """The rule's adjoint template for parameter p at this call site (None: none)."""
        try:
            return s.rule.template(p, info)
        except rules.Unsupported as exc:
            raise TranslationError(f"cannot differentiate this call of {s.rule.name}: {exc}",
                                   s.loc) from None

    def derived(self, s, p):
        """x_dot * (the adjoint with g = 1): the adjoint template at this call site with
        x_dot in place of g, where the template is linear in g."""
        info = self.contributions.info(s)
        template = self.template(s, p, info)
        if template is None:
            self.refuse(s, p, "its rule has no derivative for it")
        if info.fills:
            self.refuse(s, p, "its adjoint is not elementwise")
        linear = _linear_in_g(template)
        if linear is None:
            self.refuse(s, p, "its adjoint template is not of the form g * derivative")
        if linear == "zero":
            return None
        mapping = {name: _as_expression(op) for name, op in s.args.items()}
        mapping["g"] = self.dot(s.args[p])
        mapping["ans"] = ast.Name(s.target, ast.Load())
        return self.broadcast(s, self.contributions._instantiate(template, mapping))

    def fiber(self, s, p):
        """A reduction: sum over the reduced axes of a_dot * (its adjoint with g = 1)."""
        info = self.contributions.info(s)
        template = self.template(s, p, info)
        mapping = {name: _as_expression(op) for name, op in s.args.items()}
        mapping["ans"] = ast.Name(s.target, ast.Load())
        result = self.kinds.get(s.target)
        if result is not None and result.is_array and result.shape != ():
            mapping["g"] = self.np_call("ones_like", ast.Name(s.target, ast.Load()))
        else:
            mapping["g"] = ast.Constant(1.0)
        weights = self.contributions._instantiate(template, mapping)
        product = ast.BinOp(self.dot(s.args[p]), ast.Mult(), weights)
        keywords = {}
        for name in ("axis", "keepdims"):
            if name in s.args:
                keywords[name] = copy_tree(_as_expression(s.args[name]))
        return self.np_call("sum", product, **keywords)

    def broadcast(self, s, expr):
        """An elementwise term whose operands do not cover the result's shape (x_dot + 0
        where y was broadcast) is broadcast to it."""
        result = self.kinds.get(s.target)
        if result is None or not result.is_array or s.rule.broadcasts is not True:
            return expr
        shapes = []
        for node in all_nodes(expr):
            if isinstance(node, ast.Name):
                kind = self._kind_of_name(node.id)
                if kind is None:
                    continue
                if kind.is_numeric:
                    shapes.append(kind.shape)
        try:
            shape = np.broadcast_shapes(*shapes) if shapes else ()
        except ValueError:
            shape = None
        if shape == result.shape:
            return expr
        return self.np_call("broadcast_to", expr, ast.Constant(result.shape))


def _linear_in_g(template):
    """'linear' when the template is g scaled elementwise (g appears once, reached only
    through *, / (as numerator), unary -, or an arm of `np.where(c, ., 0.0)` / an `if`
    expression whose other arm is 0); 'zero' when it has no g or is zeros_like(g);
    else None."""
    uses = [n for n in all_nodes(template) if isinstance(n, ast.Name) and n.id == "g"]
    if not uses:
        return "zero"
    if (isinstance(template, ast.Call) and isinstance(template.func, ast.Attribute)
            and template.func.attr == "zeros_like"):
        return "zero"
    if len(uses) != 1:
        return None
    return "linear" if _scales(template) else None


def _scales(node):
    if isinstance(node, ast.Name) and node.id == "g":
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _scales(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _scales(node.left) or _scales(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _scales(node.left)
    if isinstance(node, ast.IfExp):
        return (_scales(node.body) and _is_zero(node.orelse)) or \
               (_scales(node.orelse) and _is_zero(node.body))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "where" and len(node.args) == 3):
        return (_scales(node.args[1]) and _is_zero(node.args[2])) or \
               (_scales(node.args[2]) and _is_zero(node.args[1]))
    return False


def _is_zero(node):
    return isinstance(node, ast.Constant) and node.value == 0
