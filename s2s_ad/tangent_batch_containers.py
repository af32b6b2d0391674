"""Lists and tuples of batched tangents (tangent_batch.py), for the jvp of a gradient
whose tape is a list (tape_reading.py): hessian's one batched sweep for all its columns.

The tangent of a list is a list of the elements' tangents, so with a batch each element
is a batched tangent, or a zero standing in for one (an element that does not vary: 0.0,
or np.zeros of its shape). These statements keep their meaning as they are:

    tape_dot = []                           a new list (or tuple) of tangents
    tape_dot.append((z3_dot, 0.0))          an element added
    out_dot[k] = z5_dot                     an element replaced
    entry_dot = tape_dot[top]               an element that is a list or tuple itself
    tape_2_dot = tape_dot                   a copy

and a number read out of one gets the batch's shape, whichever it was:

    z3_dot = entry_dot[0]       ->      z3_dot = np.zeros((B,)) + entry_dot[0]

An array read out of one is the element itself when it is a batched tangent, a new zero
array when a zero stands in for it, and NotBatchable where the value read is written
into (the new array would not be the element such a write changes).

The zero of a list (np.zeros_like(L) unbatched) becomes [0.0] * len(L), whose elements
the batched tangents replace. A list tangent anywhere else (a sum over it, np.array of
it) is NotBatchable: the caller falls back to one call per basis vector.
"""
import ast

from .tangent_batch import NotBatchable

CONTAINERS = (list, tuple)


def statement(batcher, s):
    """The batched statement(s) for `s` where it handles a list or tuple tangent, else
    None (tangent_batch.py goes on with `s`)."""
    if isinstance(s, ast.Expr) and _appends_to(batcher, s.value):
        _check_element(batcher, s.value.args[0])
        return [s]
    if not (isinstance(s, ast.Assign) and len(s.targets) == 1):
        return None
    target, value = s.targets[0], s.value
    if isinstance(target, ast.Subscript) and _is_container_dot(batcher, target.value):
        batcher.untouched(target.slice)
        _check_element(batcher, value)
        return [s]
    if not (isinstance(target, ast.Name) and target.id in batcher.dots):
        return None
    if isinstance(value, ast.Constant) and value.value is None:
        return [s]              # (a branch that did not assign the primal either)
    primal = batcher.dots[target.id]
    if _is_container(batcher, primal):
        return [_like(ast.Assign([target], _container_value(batcher, primal, value),
                                 lineno=0), s)]
    if isinstance(value, ast.Subscript) and _is_container_dot(batcher, value.value):
        batcher.untouched(value.slice)
        shape = batcher.tangent_shape(target.id)
        if shape == ():
            padded = ast.BinOp(batcher.zeros(shape), ast.Add(), value)
            return [_like(ast.Assign([target], padded, lineno=0), s)]
        return _array_read(batcher, s, target, primal, value, shape)
    return None


def _array_read(batcher, s, target, primal, value, shape):
    """An array read out of a list of tangents: the element itself where it is a batched
    tangent (a write through either reaches both, as without a batch), a new zero array
    of the batch's shape where it is a zero standing in for one. Only where nothing
    writes into the value read (or what shares its memory): the new array would not be
    the list's element that such a write changes."""
    # (a list's own appends and element replacements change no element's values)
    written = {n for n in batcher.aliases.get(primal, {primal}) & batcher.mutated
               if not _is_container(batcher, n)}
    if written:
        raise NotBatchable(f"an array tangent read out of a list ({primal}) and written")
    full = (batcher.batch,) + tuple(shape)
    read = _like(ast.Assign([target], value, lineno=0), s)
    name = ast.Name(target.id, ast.Load())
    test = ast.Compare(batcher.call("shape", name), [ast.NotEq()], [ast.Constant(full)])
    pad = ast.Assign([ast.Name(target.id, ast.Store())],
                     ast.BinOp(batcher.zeros(shape), ast.Add(), name), lineno=0)
    return [read, ast.If(test, [pad], [])]


def _container_value(batcher, primal, value):
    if isinstance(value, (ast.List, ast.Tuple)):
        for element in value.elts:
            _check_element(batcher, element)
        return value
    if isinstance(value, ast.Name) and _is_container_dot(batcher, value):
        return value
    if isinstance(value, ast.Subscript) and _is_container_dot(batcher, value.value):
        batcher.untouched(value.slice)
        return value
    if _is_zero_call(value) and batcher.kinds[primal].pytype is list:
        return ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(),
                         ast.Call(ast.Name("len", ast.Load()),
                                  [ast.Name(primal, ast.Load())], []))
    raise NotBatchable(f"no batched form for the tangent of the list {primal}")


def _check_element(batcher, node):
    """An element of a tangent list: a batched tangent, a zero, None, or a list or tuple
    of those."""
    if isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            _check_element(batcher, element)
        return
    if isinstance(node, ast.Constant) and (node.value is None or node.value == 0):
        return
    if _is_zero_call(node):
        batcher.untouched(node)
        return
    if isinstance(node, ast.Name) and node.id in batcher.dots:
        if _is_container(batcher, batcher.dots[node.id]):
            return
        batcher.tangent_shape(node.id)      # a batched array of a known shape
        return
    raise NotBatchable(f"no batched form for {ast.unparse(node)} in a tangent list")


def _appends_to(batcher, call):
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
        call.func.attr == "append" and _is_container_dot(batcher, call.func.value) and \
        len(call.args) == 1 and not call.keywords


def _is_container_dot(batcher, node):
    return isinstance(node, ast.Name) and node.id in batcher.dots and \
        _is_container(batcher, batcher.dots[node.id])


def _is_container(batcher, primal):
    kind = batcher.kinds.get(primal)
    return kind is not None and kind.pytype in CONTAINERS


def _is_zero_call(node):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr in ("zeros", "zeros_like")


def _like(new, old):
    for key, value in vars(old).items():
        if key.startswith("_s2s"):
            setattr(new, key, value)
    return new
