"""What a `for` loop runs over: range bounds and the binding of the user's targets
inside the body, for `range`, `reversed`, sequences, `zip` and `enumerate` (nested as
in enumerate(zip(x, w))). Every `for` becomes a loop over indices 0..n-1 (or a
range's own bounds), so the reverse sweep can run over the same indices backwards.
"""
import ast
import builtins

from . import rules
from .lower_values import is_structure


class IterationLowering:
    """The iteration part of lower_loops.LoopLowering."""

    def iteration(self, node):
        """What a `for` runs over, as range bounds, the user's index name (or None), and a
        function that binds the user's targets from the index inside the body."""
        target, it = node.target, node.iter
        fn = self.callee_object(it)
        if fn is builtins.range:
            if not isinstance(target, ast.Name):
                raise self.error("a range loop needs a single name as its target", target)
            bounds = [self.expr(a) for a in it.args]
            return bounds, target.id, lambda index: None
        if fn is builtins.reversed:
            inner = it.args[0]
            if self.callee_object(inner) is builtins.range:
                # The same indices backwards: loop over the range object range(...)[::-1]
                span = self.call_rule(builtins.range, [self.expr(a) for a in inner.args], it)
                seq = self.getitem(span, ast.Slice(None, None, ast.Constant(-1)), it)
                n = self.call_rule(builtins.len, [seq], it)
                return [n], None, lambda index: self.bind_target(target, seq, index)
            seq = self.expr(inner)
            n = self.call_rule(builtins.len, [seq], it)
            last = self.binop(ast.Sub, n, ast.Constant(1), it)
            bounds = [last, ast.Constant(-1), ast.Constant(-1)]
            return bounds, None, lambda index: self.bind_target(target, seq, index)
        if fn in (builtins.enumerate, builtins.zip):
            n, bind = self.iterable(it)
            return [n], None, lambda index: bind(target, index)
        if isinstance(it, ast.Call) and fn is not None:
            raise self.error(f"a for loop can run over range, zip, enumerate, reversed or "
                             f"a sequence, not over a call of {rules.describe(fn)}", it)
        seq = self.expr(it)
        n = self.call_rule(builtins.len, [seq], it)
        return [n], None, lambda index: self.bind_target(target, seq, index)

    def iterable(self, it):
        """What `for target in it` runs over, for `it` a sequence, `zip(...)` or
        `enumerate(...)` (nested as in enumerate(zip(x, w))): its length and a function
        binding a target to the element at an index."""
        fn = self.callee_object(it)
        if fn is builtins.enumerate:
            if it.keywords or not 1 <= len(it.args) <= 2:
                raise self.error("enumerate takes a sequence and a start", it)
            n, inner = self.iterable(it.args[0])
            start = self.expr(it.args[1]) if len(it.args) > 1 else None

            def bind(target, index):
                if not (isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2):
                    raise self.error("enumerate needs two targets: 'for i, v in "
                                     "enumerate(...)'", target)
                count = index if start is None else self.binop(ast.Add, index, start, it)
                self.bind_name(target.elts[0], count)
                inner(target.elts[1], index)
            return n, bind
        if fn is builtins.zip:
            if it.keywords or not it.args:
                raise self.error("zip takes the sequences only here (no strict=)", it)
            parts = [self.iterable(a) for a in it.args]
            n = parts[0][0]
            for other, _ in parts[1:]:
                n = self.call_rule(builtins.min, [n, other], it)

            def bind(target, index):
                if not (isinstance(target, (ast.Tuple, ast.List))
                        and len(target.elts) == len(parts)):
                    raise self.error(f"zip of {len(parts)} sequences needs {len(parts)} "
                                     "targets here, as in 'for a, b in zip(xs, ys)'", target)
                for t, (_, inner) in zip(target.elts, parts):
                    inner(t, index)
            return n, bind
        if isinstance(it, ast.Call) and fn is not None and fn is not builtins.range:
            raise self.error(f"a for loop can run over range, zip, enumerate, reversed or "
                             f"a sequence, not over a call of {rules.describe(fn)}", it)
        seq = self.sequence_operand(self.expr(it), it)
        n = self.call_rule(builtins.len, [seq], it)
        return n, lambda target, index: self.bind_target(target, seq, index)

    def sequence_operand(self, seq, node):
        """A compile-time tuple iterated over becomes a runtime list (once)."""
        if isinstance(seq, ast.Tuple) and is_structure(seq):
            return self.runtime_list(seq, node)
        return seq

    def bind_target(self, target, seq, index):
        value = self.getitem(seq, index, target)
        self.bind_name(target, value)

    def bind_name(self, target, operand):
        if isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, operand, target)      # for i, (a, b) in ...
            return
        if not isinstance(target, ast.Name):
            raise self.error("loop targets must be names", target)
        name = self.new_version(target.id)
        self.emit(name, rules.rule_for_operator("copy", None), {"x": operand}, target,
                  call_args=[operand])
        self.current[target.id] = ast.Name(name, ast.Load())
