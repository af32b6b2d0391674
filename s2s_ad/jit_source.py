"""The generated Python of a gradient, rewritten into the form numba compiles.

The Python backend writes code that is fast in CPython; a few of its idioms are not in
numba's subset, and each has an equivalent that is:

- The tape. One Python list serves the whole function, with its bound methods saved
  once (`tape_push = tape.append`); entries of different blocks are tuples of
  different types, which a numba list cannot hold together. Here every distinct
  recorded tuple gets a list of its own. A pop always takes the entry its own block
  pushed, and a block pushes and pops the same names in the same order (tape.py), so
  the pops with those names see exactly the subsequence of the one-list history made of
  those pushes, in the same (last in, first out) order: the same values. (In the
  S2S_AD_CHECK mode the entries carry their block's tag, which is the key instead.)
- `reversed(range(...))`: numba has no `reversed`; a range with step -1 runs the same
  indices.

Anything else numba refuses is reported by numba when it compiles, and `jit` falls
back to the Python backend (jit.py).
"""
import ast


class NotCompilable(Exception):
    """The generated code has a form this rewrite does not handle (the reason)."""


def numba_form(source, name):
    """The source of function `name` (a module-level def in `source`) in numba's form."""
    tree = ast.parse(source)
    fun = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name),
               None)
    if fun is None:
        raise NotCompilable(f"no function {name} in the generated code")
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    _Tape(fun, taken).rewrite()
    _Reversed().visit(fun)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n"


class _Tape:
    """Finds the tape's list and bound methods and gives each recorded tuple its list."""

    def __init__(self, fun, taken):
        self.fun = fun
        self.taken = set(taken)
        self.tape = self.push = self.pop = None
        self.check = self.empty = None
        self.stacks = {}            # key -> list name

    def rewrite(self):
        body = self.fun.body
        for s in list(body):
            if _is_assign_of(s, ast.List) and not s.value.elts and self.tape is None:
                if self._methods_of(_target(s), body):
                    self.tape = _target(s)
                    body.remove(s)
        if self.tape is None:
            return
        for s in list(body):
            if isinstance(s, ast.Assign) and _is_method(s.value, self.tape):
                body.remove(s)
        self._rewrite_block(body)
        leftover = [n for n in ast.walk(self.fun) if isinstance(n, ast.Name)
                    and n.id in (self.tape, self.push, self.pop)]
        if leftover:
            raise NotCompilable(f"the tape is used other than by push and pop "
                                f"(line {leftover[0].lineno})")
        body[:0] = [ast.parse(f"{name} = []").body[0] for name in self.stacks.values()]

    def _methods_of(self, tape, body):
        for s in body:
            if isinstance(s, ast.Assign) and _is_method(s.value, tape, "append"):
                self.push = _target(s)
            if isinstance(s, ast.Assign) and _is_method(s.value, tape, "pop"):
                self.pop = _target(s)
        return self.push is not None

    def _rewrite_block(self, statements):
        out = []
        for s in statements:
            replaced = self._statement(s)
            if replaced is None:
                continue
            for field in ("body", "orelse"):
                if isinstance(getattr(replaced, field, None), list):
                    self._rewrite_block(getattr(replaced, field))
            out.append(replaced)
        statements[:] = out

    def _statement(self, s):
        # forward: push(entry)
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) \
                and _is_name(s.value.func, self.push):
            entry = s.value.args[0]
            stack = self._stack(self._key(entry))
            if self._tagged(entry):
                entry = entry.elts[1]
            return ast.Expr(ast.Call(ast.Attribute(ast.Name(stack, ast.Load()), "append",
                                                   ast.Load()), [entry], []))
        # reverse: names = pop()  or  names = tape_check(pop(), tag)
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            value, key = s.value, None
            if isinstance(value, ast.Call) and len(value.args) == 2 \
                    and isinstance(value.args[0], ast.Call) \
                    and _is_name(value.args[0].func, self.pop) \
                    and isinstance(value.args[1], ast.Constant):
                key = ("tag", value.args[1].value)          # S2S_AD_CHECK mode
            elif isinstance(value, ast.Call) and _is_name(value.func, self.pop):
                key = _names_key(s.targets[0])
            if key is not None:
                pop = ast.Call(ast.Attribute(ast.Name(self._stack(key), ast.Load()), "pop",
                                             ast.Load()), [], [])
                return ast.Assign(s.targets, pop, lineno=s.lineno)
        # the check mode's final tape_empty(tape): every list is popped to its end
        # exactly when the one list would be (each pop takes its own entry)
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) \
                and len(s.value.args) == 1 and _is_name(s.value.args[0], self.tape):
            return None
        return s

    def _tagged(self, entry):
        return isinstance(entry, ast.Tuple) and len(entry.elts) == 2 \
            and isinstance(entry.elts[0], ast.Constant) \
            and isinstance(entry.elts[0].value, int)

    def _key(self, entry):
        if self._tagged(entry):
            return ("tag", entry.elts[0].value)
        return _names_key(entry)

    def _stack(self, key):
        if key not in self.stacks:
            base = f"{self.tape}_{len(self.stacks) + 1}"
            name = base
            while name in self.taken:
                name += "_"
            self.taken.add(name)
            self.stacks[key] = name
        return self.stacks[key]


def _names_key(node):
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
        return tuple(e.id for e in node.elts)
    raise NotCompilable("a tape entry that is not a tuple of names")


class _Reversed(ast.NodeTransformer):
    """reversed(range(n)) -> range(n - 1, -1, -1); reversed(range(a, b)) ->
    range(b - 1, a - 1, -1). (Other steps are left to numba, which refuses them.)"""

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (_is_name(node.func, "reversed") and len(node.args) == 1
                and isinstance(node.args[0], ast.Call)
                and _is_name(node.args[0].func, "range") and not node.args[0].keywords):
            return node
        args = node.args[0].args
        if len(args) == 1:
            start, stop = ast.Constant(0), args[0]
        elif len(args) == 2:
            start, stop = args
        else:
            return node
        one = ast.Constant(1)
        return ast.Call(ast.Name("range", ast.Load()),
                        [ast.BinOp(stop, ast.Sub(), one), ast.BinOp(start, ast.Sub(), one),
                         ast.UnaryOp(ast.USub(), ast.Constant(1))], [])


def _is_name(node, name):
    return isinstance(node, ast.Name) and node.id == name


def _is_assign_of(s, kind):
    return isinstance(s, ast.Assign) and len(s.targets) == 1 \
        and isinstance(s.targets[0], ast.Name) and isinstance(s.value, kind)


def _target(s):
    return s.targets[0].id if len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
        else None


def _is_method(node, obj, method=None):
    return isinstance(node, ast.Attribute) and _is_name(node.value, obj) \
        and (method is None or node.attr == method)
