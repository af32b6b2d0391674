"""Loops over compile-time containers, unrolled, and dict comprehensions, built at
compile time (see lower_trees.py for the containers themselves).

A `for` over a tree (`for W, b in params`, `.items()`, `enumerate`, `zip`, `reversed`,
or a range over `len(params)` whose body indexes the tree) runs its body once per
element, with the loop variables bound to the elements themselves: keys and indices
stay constants, so `d[k]` and `params[i]` are read at compile time. A dict
comprehension is unrolled the same way, with its keys and conditions evaluated now.
"""
import ast
import builtins

from .errors import TranslationError, TreeDependentError
from .lower_trees import _NOT, _constant, _elements, _is_function
from .lower_values import _is_literal, is_structure
from .tree_values import DictValue, is_tree_value

UNROLL_LIMIT = 1000      # iterations of a loop over a tree (each is lowered separately)


class UnrolledLoopLowering:
    """The unrolled-loop part of `control.StructuredLowerer`."""

    def for_statement(self, node):
        elements = self.unrolled_elements(node)
        if elements is None:
            return super().for_statement(node)
        for element in elements:
            self.bind_static(node.target, element, node)
            self.block(node.body)
        return None

    def unrolled_elements(self, node):
        """The elements a `for` over a tree runs over, when it is unrolled; else None."""
        it = node.iter
        if node.orelse or _exits(node.body):
            if _computed_tuple(it):
                raise self.error("a loop over a tuple of computed values is written "
                                 "out once per element, so it cannot leave early or "
                                 "have an 'else': replace the break/continue/return "
                                 "with a flag the body tests ('if not done: ...')", node)
            return None
        if (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                and self.is_external(it.func) and isinstance(node.target, ast.Name)):
            try:
                fn = self.resolve(it.func)
            except TranslationError:
                fn = None
            if fn is builtins.range:
                return self.unrolled_range(node)
        if _computed_tuple(it):
            # `for a in (x, w):` (a wrapper's `for a in args` too): a tuple of computed
            # values has no runtime form to loop over; its elements are evaluated first,
            # in order, as Python evaluates the display before the loop
            return [self.expr(e) for e in it.elts]
        return self.static_elements(it)

    def static_elements(self, it):
        """The elements of a tree (or `.items()`, `enumerate`, `zip`, `reversed` of
        trees) as operands; None when `it` is not one."""
        base = self.static_path(it)
        if base is not None:
            if isinstance(base, DictValue):
                return [ast.Constant(k) for k in base.keys]
            if isinstance(base, ast.Tuple) and (is_tree_value(base) or any(
                    is_structure(e) for e in base.elts)):
                return list(base.elts)
            return None
        if not isinstance(it, ast.Call) or it.keywords:
            return None
        func = it.func
        if isinstance(func, ast.Attribute) and not self.is_external(func):
            owner = self.static_path(func.value)
            if isinstance(owner, DictValue) and func.attr in ("keys", "values", "items"):
                return list(self.tree_method(owner, it).elts)
            return None
        if not (isinstance(func, ast.Name) and self.is_external(func)):
            return None
        try:
            fn = self.resolve(func)
        except TranslationError:
            return None
        if fn is builtins.enumerate and 1 <= len(it.args) <= 2:
            inner = self.static_elements(it.args[0])
            start = _constant(it.args[1]) if len(it.args) > 1 else 0
            if inner is None or type(start) is not int:
                return None
            return [ast.Tuple([ast.Constant(start + i), e], ast.Load())
                    for i, e in enumerate(inner)]
        if fn is builtins.zip and it.args:
            parts = [self.static_elements(a) for a in it.args]
            if any(p is None for p in parts):
                return None
            return [ast.Tuple(list(es), ast.Load()) for es in zip(*parts)]
        if fn is builtins.reversed and len(it.args) == 1:
            inner = self.static_elements(it.args[0])
            return None if inner is None else inner[::-1]
        return None

    def unrolled_range(self, node):
        """`for i in range(len(params))` whose body indexes the tree with i: the indices,
        as constants (each iteration reads its own element)."""
        bounds = [self.static_int(a) for a in node.iter.args]
        if not bounds or len(bounds) > 3 or any(b is None for b in bounds) \
                or node.iter.keywords:
            return None
        indices = range(*bounds)
        if len(indices) > UNROLL_LIMIT or not self.indexes_tree(node.body, node.target.id):
            return None
        return [ast.Constant(i) for i in indices]

    def static_int(self, node):
        value = _constant(node)
        if type(value) is int:
            return value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and self.is_external(node.func) and len(node.args) == 1:
            try:
                fn = self.resolve(node.func)
            except TranslationError:
                return None
            base = self.static_path(node.args[0])
            if fn is builtins.len and base is not None and is_structure(base) \
                    and not _is_function(base):
                return len(_elements(base))
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            a, b = self.static_int(node.left), self.static_int(node.right)
            if a is None or b is None:
                return None
            return a + b if isinstance(node.op, ast.Add) else a - b
        return None

    def indexes_tree(self, body, index):
        for n in (n for s in body for n in ast.walk(s)):
            if isinstance(n, ast.Subscript) and any(
                    isinstance(m, ast.Name) and m.id == index for m in ast.walk(n.slice)):
                base = self.static_path(n.value)
                if base is not None and is_structure(base) and (
                        is_tree_value(base) or any(is_structure(e) for e in _elements(base))):
                    return True
        return False

    def bind_static(self, target, element, node):
        """Bind a loop target to an element of an unrolled loop: constants (dict keys,
        indices) stay constants, so `d[k]` reads the element at compile time."""
        if isinstance(target, ast.Name) and isinstance(element, ast.Constant):
            self.new_version(target.id)
            self.current[target.id] = element
            return
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(element, ast.Tuple) \
                and len(target.elts) == len(element.elts) \
                and not any(isinstance(t, ast.Starred) for t in target.elts):
            for t, e in zip(target.elts, element.elts):
                self.bind_static(t, e, node)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, element, node)
            return
        self.bind_value(target, element, node)

    # -- dict comprehensions -----------------------------------------------------------

    def dict_comprehension(self, node):
        """`{k: f(v) for k, v in p.items() if k != 'b'}`: a compile-time dict, built by
        unrolling its loops, which must run over trees, their .items()/.keys()/.values(),
        or ranges of constant length, with keys and conditions known at compile time.
        Its loop variables are its own, as in Python."""
        targets = {n.id for gen in node.generators for n in ast.walk(gen.target)
                   if isinstance(n, ast.Name)}
        saved = {name: self.current.get(name, _NOT) for name in targets}
        saved_assigned = set(self.assigned)
        self.assigned |= targets
        keys, values = [], []
        try:
            self._dict_entries(node, node.generators, keys, values)
        finally:
            self.assigned = saved_assigned
            for name, value in saved.items():
                if value is _NOT:
                    self.current.pop(name, None)
                else:
                    self.current[name] = value
        return DictValue(keys, values)

    def _dict_entries(self, node, generators, keys, values):
        if not generators:
            key = self.expr(node.key)
            if not (isinstance(key, ast.Constant) and type(key.value) in (int, str)):
                raise self.error("the keys of a dict comprehension must be known at compile "
                                 "time (strings or ints from the loop over a tree, or "
                                 "literals)", node.key)
            value = self.expr(node.value)
            if key.value in keys:           # a repeated key: the last value, first place
                values[keys.index(key.value)] = value
            else:
                keys.append(key.value)
                values.append(value)
            return
        gen = generators[0]
        if gen.is_async:
            raise self.error("async comprehensions are not supported", node)
        elements = self.static_elements(gen.iter)
        if elements is None and isinstance(gen.iter, ast.Call) \
                and isinstance(gen.iter.func, ast.Name) and self.is_external(gen.iter.func):
            try:
                fn = self.resolve(gen.iter.func)
            except TranslationError:
                fn = None
            bounds = [self.static_int(a) for a in gen.iter.args]
            if fn is builtins.range and bounds and None not in bounds and len(bounds) <= 3:
                elements = [ast.Constant(i) for i in range(*bounds)]
        if elements is None or len(elements) > UNROLL_LIMIT:
            raise TreeDependentError("a dict comprehension is built at compile time: loop over a "
                             "parameter tree, its .items(), .keys() or .values(), or a "
                             "range of constant length", self.parsed.loc(gen.iter))
        for element in elements:
            self.bind_static(gen.target, element, node)
            if all(self.static_truth(c) for c in gen.ifs):
                self._dict_entries(node, generators[1:], keys, values)

    def static_truth(self, node):
        """The truth of a dict comprehension's condition, known at compile time."""
        value = self._static_value(node)
        if value is _NOT:
            raise self.error("the condition of a dict comprehension must be known at "
                             "compile time (a test of its keys or indices)", node)
        return bool(value)

    def _static_value(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.assigned:
                value = self.current.get(node.id)
                return value.value if isinstance(value, ast.Constant) else _NOT
            return _NOT
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            value = self._static_value(node.operand)
            if value is _NOT:
                return _NOT
            return (not value) if isinstance(node.op, ast.Not) else -value
        if isinstance(node, ast.BoolOp):
            parts = [self._static_value(v) for v in node.values]
            if any(p is _NOT for p in parts):
                return _NOT
            return all(parts) if isinstance(node.op, ast.And) else any(parts)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            a, b = self._static_value(node.left), self._static_value(node.right)
            if type(a) is not int or type(b) is not int:
                return _NOT
            try:
                return _ARITHMETIC[type(node.op)](a, b)
            except ZeroDivisionError:
                return _NOT
        if isinstance(node, ast.Compare):
            left = self._static_value(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._static_value(right_node)
                test = _COMPARE.get(type(op))
                if left is _NOT or right is _NOT or test is None:
                    return _NOT
                if not test(left, right):
                    return False
                left = right
            return True
        return _NOT


_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b, ast.FloorDiv: lambda a, b: a // b,
               ast.Mod: lambda a, b: a % b}

_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


def _computed_tuple(it):
    """Is `it` a tuple display whose elements are computed (not all literals)?"""
    return isinstance(it, ast.Tuple) and 0 < len(it.elts) <= UNROLL_LIMIT and \
        not _is_literal(it) and not any(isinstance(e, ast.Starred) for e in it.elts)


def _exits(body):
    """Does this loop body return, or break/continue out of this loop itself?"""
    stack = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return):
            return True
        if isinstance(n, (ast.Break, ast.Continue)):
            return True
        if isinstance(n, (ast.For, ast.While)):
            # its own breaks are its business; a return inside leaves this loop too
            if any(isinstance(m, ast.Return) for m in ast.walk(n)):
                return True
            continue
        if isinstance(n, (ast.FunctionDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False
