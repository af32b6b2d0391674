"""Lowering of calls: a call of a rule's primitive as one statement, a call whose
result is a tuple or a function (inlined, or bound at compile time), arguments that are
compile-time values, and calls whose result is unused (effects such as print, or
mistakes such as `x.sort()`, reported with what they change).
"""
import ast
import builtins

from . import rules
from .lower_effects import is_effect_call
from .lower_values import ExternalFunction, FunctionValue
from .errors import TranslationError



class CallLowering:
    """The call part of `control.StructuredLowerer`."""

    def call_rule(self, fn, operands, node):
        rule = rules.rule_for_call(fn)
        args = dict(zip(rule.params, operands))
        return self.emit(None, rule, args, node, call_args=operands,
                         callee=ast.Name(fn.__name__, ast.Load()))

    def binop(self, op, x, y, node):
        rule = rules.rule_for_operator(rules.BINOP, op)
        return self.emit(None, rule, {"x": x, "y": y}, node, call_args=[x, y])

    def call_structure(self, node, target):
        """Calls the lowering resolves at compile time: nested functions, functions
        passed as arguments, max/min of three or more values. None for other calls."""
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.assigned:
            value = self.current.get(func.id)
            if isinstance(value, FunctionValue):
                from .inline import inline_local
                return inline_local(self, value, node, target)
            if isinstance(value, ExternalFunction):
                alias = self.names.fresh(getattr(value.obj, "__name__", "fn"))
                self.extra_namespace[alias] = value.obj
                self.parsed.namespace[alias] = value.obj
                call = ast.copy_location(ast.Call(ast.Name(alias, ast.Load()), node.args,
                                                  node.keywords), node)
                saved = self.assigned
                self.assigned = self.assigned - {alias}
                try:
                    return self._expr(call, target)
                finally:
                    self.assigned = saved
            if value is not None and not isinstance(value, FunctionValue):
                raise self.error(f"'{func.id}' is a local variable, not a function s2s_ad "
                                 "can follow; call functions by their own name", node)
        if self.is_external(func) and isinstance(func, ast.Name) and not node.keywords \
                and len(node.args) >= 3:
            try:
                fn = self.resolve(func)
            except TranslationError:
                fn = None
            if fn is builtins.max or fn is builtins.min:
                # max(a, b, c) is max(max(a, b), c): the first of the largest, as Python.
                value = self.expr(node.args[0])
                for arg in node.args[1:]:
                    value = self.call_rule(fn, [value, self.expr(arg)], node)
                return value
        return None

    def argument_value(self, node):
        """An argument of an inlined call: a function passed by name stays a function."""
        if isinstance(node, (ast.Name, ast.Attribute)) and self.is_external(node):
            try:
                obj = self.resolve(node)
            except TranslationError:
                obj = None
            if callable(obj) and not isinstance(obj, type) and not hasattr(obj, "shape"):
                return ExternalFunction(obj, node)
        return self.expr(node)

    def effect_function(self, call):
        """The print/logging function a call statement calls, or None."""
        if not self.is_external(call.func):
            return None
        try:
            fn = self.resolve(call.func)
        except TranslationError:
            return None
        return fn if is_effect_call(fn) else None

    def unused_call(self, node):
        call = node.value
        func = call.func
        if isinstance(func, ast.Attribute) and not self.is_external(func):
            if func.attr in ("sort", "fill", "resize", "put", "itemset", "setflags",
                             "partition", "extend", "insert", "remove", "reverse", "clear",
                             "update", "pop"):
                owner = ast.unparse(func.value)
                return self.error(f"'{ast.unparse(call)}' changes '{owner}' in place, which "
                                  "s2s_ad does not follow; use the function that returns "
                                  f"a new value instead (e.g. {owner} = np.sort({owner}))",
                                  node)
        if any(k.arg == "out" for k in call.keywords):
            from .trace import _out_message
            return self.error(_out_message(call), node)
        return self.error("a call whose result is not used has no effect on the result; "
                          "assign it or remove it", node)
