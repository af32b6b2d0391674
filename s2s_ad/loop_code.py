"""The generated code's loops and tape, as scalar_loops.py reads and rewrites them: the
forward loop's push (`tape_push((a, b))`) and the reverse loop's pop (`a, b =
tape_pop()`) statements, the names they carry, range bounds, and small predicates on
statements. Plain functions on AST statements; nothing here decides a rewrite."""
import ast
import copy

from .walk import name_nodes


def nodes(statements, skip=None):
    """Every node under `statements`; with `skip`, not under a node carrying that
    attribute."""
    stack = list(reversed(statements))
    while stack:
        node = stack.pop()
        if skip is not None and getattr(node, skip, False):
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def stores(s):
    return {n.id for n in name_nodes(s) if isinstance(n.ctx, ast.Store)}


def loops(statements):
    return [n for n in nodes(statements) if isinstance(n, ast.For)]


def escapes(body):
    """Could an iteration end before its push (break, continue, return)?"""
    return any(isinstance(n, (ast.Break, ast.Continue, ast.Return, ast.While))
               for s in body for n in ast.walk(s))


def tape_names(forward, reverse):
    """(push, pop, tape) names from `push = tape.append` / `pop = tape.pop`."""
    push = pop = tape = None
    for s in forward + reverse:
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Attribute) and \
                isinstance(s.value.value, ast.Name) and len(s.targets) == 1 and \
                isinstance(s.targets[0], ast.Name):
            if s.value.attr == "append" and push is None:
                push, tape = s.targets[0].id, s.value.value.id
            elif s.value.attr == "pop" and s.value.value.id == tape:
                pop = s.targets[0].id
    return (push, pop, tape) if pop is not None else (None, None, None)


def push_entry(push):
    """(tag or None, node holding the names) of a push's argument."""
    arg = push.value.args[0]
    if isinstance(arg, ast.Tuple) and len(arg.elts) == 2 and \
            isinstance(arg.elts[0], ast.Constant) and type(arg.elts[0].value) is int:
        return arg.elts[0].value, arg.elts[1]   # check mode: (tag, entry)
    return None, arg


def pushed_names(push):
    entry = push_entry(push)[1]
    if isinstance(entry, ast.Tuple):
        return [e.id for e in entry.elts]
    return [entry.id]


def push_key(push):
    tag, _ = push_entry(push)
    return tag, tuple(pushed_names(push))


def pop_key(pop):
    call = pop.value
    tag = None
    if isinstance(call.args, list) and len(call.args) == 2 and \
            isinstance(call.args[1], ast.Constant):
        tag = call.args[1].value
    target = pop.targets[0]
    names = [e.id for e in target.elts] if isinstance(target, ast.Tuple) else [target.id]
    return tag, tuple(names)


def set_pushed_names(push, names):
    tag, _ = push_entry(push)
    entry = tuple_or_name(names, ast.Load)
    push.value.args[0] = (entry if tag is None else
                          ast.Tuple([ast.Constant(tag), entry], ast.Load()))


def with_names(pop, names):
    new = copy.copy(pop)
    new.targets = [tuple_or_name(names, ast.Store)]
    return new


def tuple_or_name(names, ctx):
    if len(names) == 1:
        return ast.Name(names[0], ctx())
    return ast.Tuple([ast.Name(n, ctx()) for n in names], ctx())


def reversed_of(reverse_loop, forward_loop):
    """Is the reverse loop `for t in reversed(ITER)` over the forward `for t in ITER`?"""
    it = reverse_loop.iter
    return (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
            and it.func.id == "reversed" and len(it.args) == 1
            and ast.dump(it.args[0]) == ast.dump(forward_loop.iter)
            and ast.dump(reverse_loop.target) == ast.dump(forward_loop.target)
            and is_range(forward_loop.iter))


def is_range(node):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "range" and not node.keywords
            and all(isinstance(a, (ast.Name, ast.Constant)) for a in node.args))


def range_size(node):
    """n for range(n) (a name or an int constant), else None."""
    if is_range(node) and len(node.args) == 1:
        n = node.args[0]
        if isinstance(n, ast.Name) or type(getattr(n, "value", None)) is int:
            return n
    return None


def iterate_backwards(loop, pairs):
    """Make `loop` iterate over the lists of `pairs` [(name, list name)] backwards,
    binding each name: `for a in reversed(a_tape):` or `for a, b in
    zip(reversed(a_tape), reversed(b_tape)):`."""
    walks = [ast.Call(ast.Name("reversed", ast.Load()), [ast.Name(tape, ast.Load())], [])
             for _, tape in pairs]
    loop.target = tuple_or_name([name for name, _ in pairs], ast.Store)
    loop.iter = walks[0] if len(walks) == 1 else ast.Call(ast.Name("zip", ast.Load()),
                                                          walks, [])


def cannot_raise(node):
    """Negation, +, -, * of names and number constants (on Python numbers: no error)."""
    for n in ast.walk(node):
        if isinstance(n, ast.BinOp):
            if not isinstance(n.op, (ast.Add, ast.Sub, ast.Mult)):
                return False
        elif isinstance(n, ast.UnaryOp):
            if not isinstance(n.op, (ast.USub, ast.UAdd)):
                return False
        elif isinstance(n, ast.Constant):
            if type(n.value) not in (int, float):
                return False
        elif not isinstance(n, (ast.Name, ast.Load, ast.operator, ast.unaryop)):
            return False
    return True


def assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)


def replace(body, old, new):
    at = body.index(old)
    body[at:at + 1] = new
