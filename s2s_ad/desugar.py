"""Rewrites of the parsed function's AST into the lowered subset, before the subset
check: Python as people write it, said with the statements the lowering knows.

- `f = lambda t: ...` becomes the nested `def f(t): return ...` (see inline.py for
  how nested functions and closures are inlined).
- A list comprehension or generator expression becomes a loop that appends to a new
  list, placed just before the statement that uses it: `[e for x in xs if c]` is

      listcomp = []
      for x in xs:
          if c:
              listcomp.append(e)

  and a generator expression is the same list (every consumer s2s_ad supports,
  `sum`, `max`, `np.array`, ..., reads it whole; `sum` of the list adds the same
  numbers in the same order as `sum` of the generator). The comprehension's own
  variables are renamed when the function uses the same name elsewhere, as they are
  local to the comprehension in Python.

A comprehension whose evaluation is conditional (inside `a if c else b`, after the
first operand of `and`/`or`, in a `while` test, in a lambda) is left in place and
refused by the subset check with what to write instead.
"""
import ast
import collections

from .lambdas import as_def
from .walk import all_nodes


def desugar(parsed):
    """Rewrite parsed.node in place; return every node of it (all_nodes) when nothing
    needed rewriting, else None."""
    node = parsed.node
    everything = all_nodes(node)
    if _REWRITTEN.isdisjoint(map(type, everything)):
        return everything   # nothing to rewrite (most functions): no second walk
    uses = collections.Counter(n.id for n in everything if isinstance(n, ast.Name))
    taken = set(uses) | {a.arg for a in everything if isinstance(a, ast.arg)}
    _Rewriter(taken, uses).function(node)


# What the rewriter changes; a function without them is left as it is.
_REWRITTEN = {ast.Lambda, ast.ListComp, ast.GeneratorExp}


class _Rewriter:
    def __init__(self, taken, uses):
        self.taken = set(taken)
        self.uses = uses            # how often each name occurs in the whole function
        self.counts = {}

    def fresh(self, base):
        k = self.counts.get(base, 0)
        while True:
            k += 1
            name = base if k == 1 else f"{base}_{k}"
            if name not in self.taken:
                self.counts[base] = k
                self.taken.add(name)
                return name

    def function(self, fn):
        fn.body = self.block(fn.body)

    def block(self, statements):
        out = []
        for s in statements:
            out.extend(self.statement(s))
        return out

    def statement(self, s):
        if (isinstance(s, ast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Lambda)):
            fn = as_def(s.value, s.targets[0].id)
            ast.copy_location(fn, s)
            self.function(fn)
            return [fn]
        if isinstance(s, ast.FunctionDef):
            self.function(s)
            return [s]
        before = []
        for field in _EVALUATED_FIRST.get(type(s), ()):
            value = getattr(s, field, None)
            if value is not None:
                setattr(s, field, self.hoist(value, before))
        if isinstance(s, ast.Assign):
            s.targets = [self.hoist(t, before) for t in s.targets]
        for field in ("body", "orelse"):
            if isinstance(getattr(s, field, None), list):
                setattr(s, field, self.block(getattr(s, field)))
        return before + [s]

    def hoist(self, expr, before):
        """`expr` with its unconditionally evaluated comprehensions replaced by names
        of lists that statements appended to `before` build."""
        if not any(isinstance(n, (ast.ListComp, ast.GeneratorExp)) for n in all_nodes(expr)):
            return expr     # (ast.walk is iterative: a 1,000-term sum costs no recursion)
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
            return self.comprehension(expr, before)
        if isinstance(expr, (ast.Lambda, ast.SetComp, ast.DictComp)):
            return expr
        if isinstance(expr, ast.IfExp):
            expr.test = self.hoist(expr.test, before)
            return expr
        if isinstance(expr, ast.BoolOp):
            expr.values[0] = self.hoist(expr.values[0], before)
            return expr
        for field, value in ast.iter_fields(expr):
            if isinstance(value, ast.AST):
                setattr(expr, field, self.hoist(value, before))
            elif isinstance(value, list):
                setattr(expr, field, [self.hoist(v, before) if isinstance(v, ast.AST) else v
                                      for v in value])
        return expr

    def comprehension(self, comp, before):
        name = self.fresh("listcomp" if isinstance(comp, ast.ListComp) else "genexp")
        if any(gen.is_async for gen in comp.generators):
            return comp     # refused by the subset check
        inside = collections.Counter(n.id for n in all_nodes(comp) if isinstance(n, ast.Name))
        renames = {}
        for gen in comp.generators:
            for t in all_nodes(gen.target):
                if isinstance(t, ast.Name) and t.id not in renames:
                    clash = self.uses[t.id] > inside[t.id]
                    renames[t.id] = self.fresh(t.id) if clash else t.id
        # The first iterable is evaluated in the enclosing scope: not renamed.
        first = comp.generators[0].iter
        comp.generators[0].iter = ast.Constant(None)
        _Rename(renames).visit(comp)
        comp.generators[0].iter = first
        append = ast.Expr(ast.Call(ast.Attribute(ast.Name(name, ast.Load()), "append",
                                                 ast.Load()), [comp.elt], []))
        inner = [append]
        for gen in reversed(comp.generators):
            for cond in reversed(gen.ifs):
                inner = [ast.If(cond, inner, [])]
            inner = [ast.For(gen.target, gen.iter, inner, [])]
        statements = [ast.Assign([ast.Name(name, ast.Store())], ast.List([], ast.Load()))]
        statements += inner
        for s in statements:
            _locate(s, comp)
        # The first iterable is evaluated outside; nested comprehensions become loops
        # of their own, inside this one's.
        before.extend(self.block(statements))
        return _locate(ast.Name(name, ast.Load()), comp)


# The fields of each statement Python evaluates before (or without) running its body.
_EVALUATED_FIRST = {ast.Assign: ("value",), ast.AugAssign: ("value",),
                    ast.AnnAssign: ("value",), ast.Return: ("value",), ast.Expr: ("value",),
                    ast.If: ("test",), ast.For: ("iter",), ast.Assert: ("test",)}


class _Rename(ast.NodeTransformer):
    def __init__(self, renames):
        self.renames = {k: v for k, v in renames.items() if k != v}

    def visit_Name(self, node):
        if node.id in self.renames:
            node.id = self.renames[node.id]
        return node

    def visit_Lambda(self, node):
        return node         # its own scope


def _locate(node, origin):
    for n in all_nodes(node):
        if "lineno" in n._attributes and getattr(n, "lineno", None) is None:
            n.lineno, n.col_offset = origin.lineno, origin.col_offset
            n.end_lineno, n.end_col_offset = origin.end_lineno, origin.end_col_offset
    return node
