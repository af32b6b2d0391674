"""Attributes and method calls in the user's code: `x.T`, `math.pi` (a module's
constant), `x.reshape(...)`, `data.sum()` on a global array, each lowered to its rule."""
import numpy as np

from . import rules
from .errors import TreeDependentError
from .rules.array_methods import METHOD_KEYWORDS


class AttributeLowering:
    """The attribute and method part of trace._Lowerer."""

    def attribute(self, node, target):
        if self.is_external(node):          # math.pi, np.e: a constant of a module
            self.resolve(node)
            return node
        rule = rules.rule_for_operator(rules.ATTRIBUTE, node.attr)
        if rule is None:
            raise self.error(f"the attribute '.{node.attr}' is not supported", node)
        x = self.expr(node.value)
        return self.emit(target, rule, {"x": x}, node, call_args=[x])

    def _is_array_method(self, func):
        """`data.reshape(...)` on a global array is a method call, like on a local."""
        return isinstance(self.resolve(func.value), np.ndarray)

    def method_call(self, node, target):
        rule = rules.rule_for_operator(rules.METHOD, node.func.attr)
        if rule is None:
            raise TreeDependentError(f"no derivative rule for the method "
                                            f"'.{node.func.attr}()'", self.parsed.loc(node))
        receiver = self.expr(node.func.value)
        args = [receiver] + [self.argument(a) for a in node.args]
        keywords = [(k.arg, self.argument(k.value)) for k in node.keywords]
        # x.clip(min=...) binds np.clip's a_min (rules/array_methods.py); spelled as written
        renames = METHOD_KEYWORDS.get(node.func.attr, {})
        bound = self.bind(rule, args, [(renames.get(k, k), v) for k, v in keywords], node)
        return self.emit(target, rule, bound, node, call_args=args, call_keywords=keywords)
