"""Fast iterative walks over generated code: the passes after the reverse transform ask
"which names does this statement read/assign?" thousands of times, and `ast.walk`
(a generator per node) costs about three times this loop. No recursion, so an
expression's depth does not matter."""
import ast

_AST, _Name, _Call, _Load, _Store = ast.AST, ast.Name, ast.Call, ast.Load, ast.Store
_Constant = ast.Constant


def name_nodes(node, calls=None):
    """Every ast.Name under `node` (itself included); with a list `calls`, the ast.Call
    nodes met are appended to it too."""
    out, stack = [], [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        n = pop()
        t = type(n)
        if t is _Name:
            out.append(n)
            continue
        if t is _Constant:
            continue
        if t is _Call and calls is not None:
            calls.append(n)
        fields = _NAME_FIELDS.get(t)
        if fields is None:
            if not isinstance(n, _AST):
                continue
            fields = _NAME_FIELDS[t] = _fields_that_may_hold_names(t)
        for field in fields:
            value = getattr(n, field, None)
            if type(value) is list:
                extend(value)
            elif value is not None:
                push(value)
    return out


def names_and_size(node, calls=None):
    """(every ast.Name under `node`, as name_nodes gives them; is there a `**` in it;
    how many nodes the walk met). Every node of `node` but its contexts and operators is
    met, and those are leaves: `node` nests at most size + 1 levels deep. With a list
    `calls`, the ast.Call nodes met are appended to it, as name_nodes does."""
    out, stack, size, power = [], [node], 0, False
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        n = pop()
        t = type(n)
        if t is _Name:
            out.append(n)
            size += 1
            continue
        if t is _Constant:
            size += 1
            continue
        fields = _NAME_FIELDS.get(t)
        if fields is None:
            if not isinstance(n, _AST):
                continue
            fields = _NAME_FIELDS[t] = _fields_that_may_hold_names(t)
        size += 1
        if t is _BinOp and type(n.op) is _Pow:
            power = True
        elif t is _Call and calls is not None:
            calls.append(n)
        for field in fields:
            value = getattr(n, field, None)
            if type(value) is list:
                extend(value)
            elif value is not None:
                push(value)
    return out, power, size


_BinOp, _Pow = ast.BinOp, ast.Pow

# Per node type, the fields that can hold a Name: not contexts, operators, identifiers
# or literal values, whose nodes and strings would only be visited to be skipped.
_NAME_FIELDS = {}
_NO_NAMES = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "name", "kind",
                       "type_comment", "conversion", "level", "module", "asname"})


def _fields_that_may_hold_names(node_type):
    return tuple(f for f in node_type._fields if f not in _NO_NAMES)


def all_nodes(node):
    """Every AST node under `node` (itself included), in `ast.walk`'s order, as a list:
    the same walk without a generator per node, about three times faster."""
    out = [node]
    append, i = out.append, 0
    while i < len(out):
        n = out[i]
        i += 1
        fields = _NODE_FIELDS.get(type(n))
        if fields is None:
            fields = _NODE_FIELDS[type(n)] = _fields_that_may_hold_nodes(type(n))
        for field in fields:
            value = getattr(n, field, None)
            if isinstance(value, _AST):
                append(value)
            elif type(value) is list:
                for v in value:
                    if isinstance(v, _AST):
                        append(v)
    return out


# Per node type, the fields that can hold a node: not identifiers, numbers or a
# constant's value, which would only be looked at to be skipped.
_NODE_FIELDS = {}
_NO_NODES = frozenset({"id", "attr", "arg", "name", "kind", "type_comment", "conversion",
                       "level", "module", "asname"})


def _fields_that_may_hold_nodes(node_type):
    if issubclass(node_type, ast.Constant):
        return ()
    if node_type.__name__ == "TypeAlias":      # (3.12: `type X = ...`, its name a Name)
        return node_type._fields
    return tuple(f for f in node_type._fields if f not in _NO_NODES)


def children(node):
    """The nodes directly under `node`, in ast.iter_child_nodes' order, as a list."""
    out = []
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, _AST):
            out.append(value)
        elif type(value) is list:
            out.extend(v for v in value if isinstance(v, _AST))
    return out


def loads(node):
    """The names `node` reads."""
    return {n.id for n in name_nodes(node) if type(n.ctx) is _Load}


def stores(node):
    """The names `node` binds (`a[i] = v` binds none: `a` is read there)."""
    return {n.id for n in name_nodes(node) if type(n.ctx) is _Store}


def depth(node):
    """How deeply `node`'s expression nests (a name or a constant: 1)."""
    deepest, stack = 0, [(node, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        n, d = pop()
        if d > deepest:
            deepest = d
        for field in n._fields:
            value = getattr(n, field, None)
            if isinstance(value, _AST):
                push((value, d + 1))
            elif type(value) is list:
                for v in value:
                    if isinstance(v, _AST):
                        push((v, d + 1))
    return deepest


def copy_tree(node):
    """A deep copy of an AST (what copy.deepcopy gives, about four times faster and
    without recursion): every node and list is new; leaf values (names, numbers,
    strings) are immutable and shared."""
    if not isinstance(node, _AST):
        return [copy_tree(v) for v in node] if type(node) is list else node
    root = _shallow(node)
    stack = [root]
    while stack:
        new = stack.pop()
        attrs = new.__dict__
        for key, value in attrs.items():
            if isinstance(value, _AST):
                attrs[key] = child = _shallow(value)
                stack.append(child)
            elif type(value) is list:
                items = []
                for v in value:
                    if isinstance(v, _AST):
                        v = _shallow(v)
                        stack.append(v)
                    items.append(v)
                attrs[key] = items
    return root


def _shallow(node):
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(node.__dict__)
    return new
