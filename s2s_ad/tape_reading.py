"""The generated gradient's tape, rewritten so that forward mode can read it
(forward over reverse through loops: hessian, jvp(grad(f))).

The tape stage writes the tape as a list used as a stack:

    tape = []                               tape_pop = tape.pop
    tape_push = tape.append                 for i in reversed(range(n)):
    for i in range(n):                          z3, z5 = tape_pop()
        ...                                     ...
        tape_push((z3, z5))

and the reverse sweep pops other lists too (`out_bar.pop()`, a list's adjoint). Forward
mode reads appends and element reads, not bound methods or pops, so each popped list gets
a read position instead: `tape_top = len(tape)` where popping starts, and each pop becomes

    tape_top = tape_top - 1
    z3, z5 = tape[tape_top]

which reads the same entry the pop returns, provided every append of that list comes
before popping starts and nothing in between changes its length: the rewrite checks this
on the function's top-level statements (they run in order, each once) and gives up
(returns None) on anything else, so the caller falls back to reverse over forward. With
the values read in place, forward mode carries a tangent tape beside the primal one
(`tape_dot.append((z3_dot, z5_dot))`, `z3_dot, z5_dot = tape_dot[tape_top]`), and the
jvp of the gradient is one sweep.

In S2S_AD_CHECK=1 code, `tape_check(entry, tag)` becomes `entry[1]` and `tape_empty`
goes: the gradient those tags checked is the code being read, unchanged otherwise.
"""
import ast
import inspect
import weakref

from .emit import compile_function

_READABLE = weakref.WeakKeyDictionary()     # generated gradient -> rewritten, or None
_GROWS = {"append", "extend", "insert", "clear", "remove", "sort", "reverse"}
# runtime helpers the reverse sweep applies to a list adjoint: they keep its length
_KEEP_LENGTH = {"add_each", "add_elements"}


def readable(generated):
    """`generated` with its popped lists read in place (see the module docstring) and
    its reversed(range(...)) loops counted down: a new function over the same
    namespace, or `generated` itself when there is neither, or None when the rewrite
    cannot show the reads are the pops' entries."""
    try:
        return _READABLE[generated]
    except (KeyError, TypeError):
        pass
    result = _rewrite(generated)
    try:
        _READABLE[generated] = result
    except TypeError:
        pass
    return result


def _rewrite(generated):
    try:
        tree = ast.parse(inspect.getsource(generated))
    except (OSError, TypeError, SyntaxError):
        return None
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef):
        return None
    try:
        changed = _Reader(definition, generated.__globals__).run()
    except _GiveUp:
        return None
    if not changed:
        return generated
    source = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    origin = f"{generated.__code__.co_filename.strip('<>')} with its tape read in place"
    return compile_function(source, definition.name, generated.__globals__, origin)


class _GiveUp(Exception):
    pass


def _list_method(node, names):
    """(list name, method) for `L.method` with L in `names`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
            node.value.id in names:
        return node.value.id, node.attr
    return None


class _Reader:
    def __init__(self, definition, namespace):
        self.definition = definition
        self.namespace = namespace
        self.taken = {n.id for n in ast.walk(definition) if isinstance(n, ast.Name)}
        self.taken |= {a.arg for a in definition.args.args}
        body = definition.body
        self.lists = {s.targets[0].id for s in body if _assigns_list(s)}
        self.pushers, self.poppers = {}, {}       # bound method name -> its list
        for s in body:
            if isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                    isinstance(s.targets[0], ast.Name):
                bound = _list_method(s.value, self.lists)
                if bound and bound[1] == "append":
                    self.pushers[s.targets[0].id] = bound[0]
                elif bound and bound[1] == "pop":
                    self.poppers[s.targets[0].id] = bound[0]

    def is_helper(self, func, name):
        value = self.namespace.get(func.id) if isinstance(func, ast.Name) else None
        return getattr(value, "__name__", None) == name and \
            getattr(value, "__module__", "").startswith("s2s_ad.")

    def pop_of(self, node):
        """The list a call pops (`L.pop()` or `tape_pop()`), else None."""
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Name) and node.func.id in self.poppers:
            lst = self.poppers[node.func.id]
        else:
            bound = _list_method(node.func, self.lists)
            if not (bound and bound[1] == "pop"):
                return None
            lst = bound[0]
        if node.args or node.keywords:
            raise _GiveUp           # pop(i): not the top
        return lst

    def run(self):
        body = self.definition.body
        popped = {}                 # list -> index of the first top-level statement popping it
        for k, s in enumerate(body):
            for node in ast.walk(s):
                lst = self.pop_of(node)
                if lst is None and isinstance(s, ast.Assign) and node is s.value and \
                        isinstance(s.targets[0], ast.Name) and s.targets[0].id in self.poppers:
                    lst = self.poppers[s.targets[0].id]
                if lst is not None:
                    popped.setdefault(lst, k)
        self.counted = False
        if not popped:
            self.tops = {}
            self.definition.body = [t for s in body for t in self.statements(s)]
            return self.counted
        self.check_bound_names()
        for lst, first in popped.items():
            self.check_suffix(lst, body[first:])
        self.tops = {lst: self.fresh(f"{lst}_top") for lst in popped}
        new_body = []
        for k, s in enumerate(body):
            for lst, first in popped.items():
                if k == first:
                    new_body.append(_assign(self.tops[lst], _call("len", _name(lst))))
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and \
                    (s.targets[0].id in self.poppers or s.targets[0].id in self.pushers):
                continue            # the bound methods: their calls are rewritten
            new_body.extend(self.statements(s))
        self.definition.body = new_body
        return True

    def fresh(self, name):
        candidate, n = name, 2
        while candidate in self.taken:
            candidate, n = f"{name}_{n}", n + 1
        self.taken.add(candidate)
        return candidate

    def check_bound_names(self):
        """A bound method's name is only called (push: one argument; pop: none), and
        its list is bound once (a call of the method reaches the list it names)."""
        bound = set(self.pushers.values()) | set(self.poppers.values())
        stores = [n.id for n in ast.walk(self.definition) if isinstance(n, ast.Name) and
                  not isinstance(n.ctx, ast.Load)]
        if any(stores.count(lst) != 1 for lst in bound) or \
                any(stores.count(m) != 1 for m in list(self.pushers) + list(self.poppers)):
            raise _GiveUp
        for node in ast.walk(self.definition):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in self.pushers and (len(node.args) != 1 or node.keywords):
                raise _GiveUp
        calls = {id(n.func) for n in ast.walk(self.definition) if isinstance(n, ast.Call)}
        binds = {id(s.targets[0]) for s in self.definition.body if isinstance(s, ast.Assign)}
        for node in ast.walk(self.definition):
            if isinstance(node, ast.Name) and (node.id in self.pushers or
                                               node.id in self.poppers) and \
                    id(node) not in calls and id(node) not in binds:
                raise _GiveUp

    def check_suffix(self, lst, statements):
        """From the first pop on, the list is only popped (or given to a helper that keeps
        its length): no append, no other use that could change or expose its length."""
        allowed = set()
        for s in statements:
            for node in ast.walk(s):
                if self.pop_of(node) == lst:
                    if isinstance(node.func, ast.Attribute):
                        allowed.add(id(node.func.value))
                elif isinstance(node, ast.Call) and any(
                        self.is_helper(node.func, h) for h in _KEEP_LENGTH) and \
                        node.args and isinstance(node.args[0], ast.Name):
                    allowed.add(id(node.args[0]))
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                        isinstance(node.targets[0], ast.Name) and \
                        self.poppers.get(node.targets[0].id) == lst:
                    allowed.add(id(node.value.value))
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                        self.pushers.get(node.func.id) == lst:
                    raise _GiveUp   # pushed after popping started
        for s in statements:
            for node in ast.walk(s):
                if isinstance(node, ast.Name) and node.id == lst and id(node) not in allowed:
                    if not (isinstance(s, ast.Expr) and self.is_tape_empty(s.value)):
                        raise _GiveUp

    def is_tape_empty(self, node):
        return isinstance(node, ast.Call) and self.is_helper(node.func, "tape_empty")

    # -- the rewrite ---------------------------------------------------------------------

    def statements(self, s):
        """`s` rewritten: a list of statements (pops read in place)."""
        if isinstance(s, ast.Expr) and self.is_tape_empty(s.value):
            return []
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and \
                len(s.value.args) == 2 and isinstance(s.value.args[0], ast.Name) and \
                not s.value.keywords:
            for helper in _KEEP_LENGTH:
                if self.is_helper(s.value.func, helper):
                    return [self.added(helper, *s.value.args)]
        if isinstance(s, (ast.For, ast.While, ast.If, ast.With, ast.Try)):
            for field in ("iter", "test", "target"):
                part = getattr(s, field, None)
                if part is not None and any(self.pop_of(n) for n in ast.walk(part)):
                    raise _GiveUp
            for field in ("body", "orelse", "finalbody"):
                block = getattr(s, field, None)
                if block:
                    setattr(s, field, [t for b in block for t in self.statements(b)] or
                            [ast.Pass()])
            if isinstance(s, ast.Try):
                raise _GiveUp
            if isinstance(s, ast.For):
                s.iter = self.counted_down(s.iter)
            return [s]
        if isinstance(s, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            raise _GiveUp
        pops = [n for n in ast.walk(s) if self.pop_of(n)]
        if len(pops) > 1:
            raise _GiveUp           # the order of two pops in one statement: not read
        if pops and _maybe_not_once(s, pops[0]):
            raise _GiveUp           # a pop that may run never or many times
        before = []
        for node in pops:
            lst = self.pop_of(node)
            top = self.tops[lst]
            before.append(_assign(top, ast.BinOp(_name(top), ast.Sub(), ast.Constant(1))))
        s = _Replace(self).visit(s)
        return before + [s]


    def counted_down(self, iterable):
        """`reversed(range(n))` -> `range(n - 1, -1, -1)` and `reversed(range(a, b))` ->
        `range(b - 1, a - 1, -1)`: the same indices, in a loop whose index the lowering
        carries like any other (after reversed(...) that runs no iteration, an index
        bound before was not kept: the jvp raised UnboundLocalError)."""
        if not (isinstance(iterable, ast.Call) and _is_builtin(iterable.func, "reversed",
                                                               self.namespace) and
                len(iterable.args) == 1 and not iterable.keywords):
            return iterable
        inner, sliced = iterable.args[0], None
        if isinstance(inner, ast.Subscript) and isinstance(inner.slice, ast.Slice) and \
                inner.slice.lower is None and inner.slice.step is None:
            # range(a, b)[:trips] (the iterations a loop with an exit ran): its first
            # len(range(a, b)[:trips]) indices, counting up from a
            inner, sliced = inner.value, inner
        if not (isinstance(inner, ast.Call) and _is_builtin(inner.func, "range",
                                                            self.namespace) and
                1 <= len(inner.args) <= 2 and not inner.keywords and
                not any(isinstance(a, ast.Starred) for a in inner.args)):
            return iterable
        start, stop = ([ast.Constant(0)] + inner.args)[-2:]
        if sliced is not None:
            if not _is_builtin(ast.Name("len", ast.Load()), "len", self.namespace):
                return iterable
            taken = _call("len", sliced)
            stop = taken if _is_zero(start) else ast.BinOp(start, ast.Add(), taken)
        self.counted = True
        return _call("range", _minus_one(stop), _minus_one(start), ast.Constant(-1))

    def added(self, helper, acc, g):
        """`add_each(acc, g)` (acc[k] += g) or `add_elements(acc, g)` (acc[k] += g[k])
        written out as the loop it runs, which forward mode reads."""
        k = self.fresh("k")
        term = g if helper == "add_each" else ast.Subscript(g, _name(k), ast.Load())
        element = ast.Subscript(_name(acc.id), _name(k), ast.Load())
        store = ast.Subscript(_name(acc.id), _name(k), ast.Store())
        body = [ast.Assign([store], ast.BinOp(element, ast.Add(), term), lineno=0)]
        return ast.For(ast.Name(k, ast.Store()), _call("range", _call("len", _name(acc.id))),
                       body, [], lineno=0)


class _Replace(ast.NodeTransformer):
    """Pops -> reads at the list's position; pushes -> appends; tape_check -> entry[1]."""

    def __init__(self, reader):
        self.r = reader

    def visit_Call(self, node):
        self.generic_visit(node)
        r = self.r
        lst = r.pop_of(node)
        if lst is not None:
            return ast.Subscript(_name(lst), _name(r.tops[lst]), ast.Load())
        if isinstance(node.func, ast.Name) and node.func.id in r.pushers:
            method = ast.Attribute(_name(r.pushers[node.func.id]), "append", ast.Load())
            return ast.Call(method, node.args, [])
        if r.is_helper(node.func, "tape_check") and len(node.args) == 2:
            return ast.Subscript(node.args[0], ast.Constant(1), ast.Load())
        return node


def _assigns_list(s):
    """`L = []` or `L = [...] * n`: a list the function makes itself."""
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1 and
            isinstance(s.targets[0], ast.Name)):
        return False
    value = s.value
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        value = value.left
    return isinstance(value, ast.List)


def _name(n):
    return ast.Name(n, ast.Load())


def _assign(target, value):
    return ast.Assign([ast.Name(target, ast.Store())], value, lineno=0)


def _call(func, *args):
    return ast.Call(_name(func), list(args), [])


def forward_readable(generated):
    """The generated gradient (unwrapped) as forward mode can read it; TranslationError
    where its tape cannot be read in place (the caller falls back)."""
    from .errors import TranslationError
    generated = getattr(generated, "__wrapped__", generated)
    result = readable(generated)
    if result is None:
        raise TranslationError("forward mode cannot read this gradient's tape in place",
                               None)
    return result


def _is_builtin(func, name, namespace):
    return isinstance(func, ast.Name) and func.id == name and name not in namespace


def _minus_one(node):
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return ast.Constant(node.value - 1)
    return ast.BinOp(node, ast.Sub(), ast.Constant(1))


def _is_zero(node):
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 0


_NOT_ONCE = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
             ast.GeneratorExp)


def _maybe_not_once(statement, target):
    """Is `target` inside a part of `statement` that may run other than exactly once
    (a conditional expression, and/or, a comprehension, a lambda)?"""
    def inside(node, guarded):
        if node is target:
            return guarded
        guarded = guarded or isinstance(node, _NOT_ONCE)
        return any(inside(child, guarded) for child in ast.iter_child_nodes(node))
    return inside(statement, False)
