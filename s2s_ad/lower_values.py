"""Compile-time values of the lowering: tuples of computed values, functions, and
unpacking.

A tuple display `(a, b)` (or `return 2 * a, a` in a helper) is not a runtime object
of the trace but an `ast.Tuple` of operands that the lowering carries in
`self.current`: unpacking it, indexing it with a constant, passing it to a function
that takes a sequence, or returning it as has_aux data needs no primitive at all, and
each element keeps its own adjoint. Indexing it with a computed index makes it a
runtime list first. Where branches join, a tuple is joined element by element.

A nested `def` (or `f = lambda ...`) is a `FunctionValue`: its definition and the
scope it was defined in. A call inlines its body (inline.py), with the enclosing
function's variables as they are at the time of the call, as Python's closures see
them. A function passed to a helper (`rk4(deriv, y, h)`) is carried the same way;
a module-level function passed along is an `ExternalFunction`.

Unpacking `a, b = v` of a value that is not a compile-time tuple reads `v[0]`,
`v[1]`: the rows of an array, the elements of a list. Nested targets and a starred
target (on tuples) follow Python's rules.
"""
import ast
import builtins
import copy

from .rules import control_rules as cr
from .rules import defrule, rule_for_call
from .tree_values import DictValue, TreeSeq, is_tree_value

if rule_for_call(builtins.isinstance) is None:
    defrule(builtins.isinstance, "obj, classinfo", zero_grad=True, discrete=("classinfo",))


class FunctionValue(ast.expr):
    """A nested function: its `def`, the ParsedFunction and scope it belongs to, and
    (when it was read as a value) the enclosing variables at that moment."""
    _fields = ()

    def __init__(self, node, parsed, scope, defaults, env=None):
        super().__init__()
        self.node, self.parsed, self.scope, self.defaults, self.env = \
            node, parsed, scope, defaults, env


class ExternalFunction(ast.expr):
    """A module-level function or rule passed as an argument to a helper."""
    _fields = ()

    def __init__(self, obj, spelling):
        super().__init__()
        self.obj, self.spelling = obj, spelling


def is_structure(operand):
    """Is this a compile-time value (a tuple with computed elements, a function)?"""
    if isinstance(operand, (FunctionValue, ExternalFunction)) or is_tree_value(operand):
        return True
    if isinstance(operand, ast.Tuple):
        return any(not _is_literal(e) for e in operand.elts)
    return False


def _is_literal(e):
    if isinstance(e, ast.Constant):
        return True
    if isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant):
        return True
    if isinstance(e, (ast.Tuple, ast.List)):      # axes=([0, 1], [1, 0])
        return all(_is_literal(x) for x in e.elts)
    return False


def contains_function(operand):
    return any(isinstance(n, (FunctionValue, ExternalFunction)) for n in _leaves(operand))


def _leaves(operand):
    if isinstance(operand, DictValue):
        for e in operand.values:
            yield from _leaves(e)
    elif isinstance(operand, (ast.Tuple, ast.List)):
        for e in operand.elts:
            yield from _leaves(e)
    else:
        yield operand


class ValueLowering:
    """The compile-time-value part of `control.StructuredLowerer`."""

    # -- tuples -------------------------------------------------------------------

    def tuple_display(self, node):
        elements = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                raise self.error("'*' inside a tuple display is not supported; write the "
                                 "elements out, or use np.concatenate", e)
            elements.append(self.expr(e))
        return ast.Tuple(elements, ast.Load())

    def tuple_item(self, base, index, node, target):
        """`t[i]` of a compile-time tuple: the element itself for a literal index or
        slice; a runtime list indexed otherwise."""
        try:
            static = _static_index(index)
        except LookupError:
            static = None
        if isinstance(static, int):
            if not -len(base.elts) <= static < len(base.elts):
                raise self.error(f"tuple index {static} out of range (the tuple has "
                                 f"{len(base.elts)} elements)", node)
            return base.elts[static]
        if isinstance(static, slice):
            return ast.Tuple(base.elts[static], ast.Load())
        return self.getitem(self.runtime_list(base, node), index, node, target)

    def runtime_list(self, base, node):
        for e in base.elts:
            if is_structure(e):
                raise self.error("a tuple of tuples (or of functions) indexed with a "
                                 "computed index is not supported; index it with a "
                                 "number, or use an array", node)
        items = list(base.elts)
        return self.emit(None, cr.MAKE_LIST, {f"i{k}": v for k, v in enumerate(items)},
                         node, call_args=items)

    # -- unpacking ----------------------------------------------------------------

    def unpack(self, target, operand, node):
        """Bind the names of the target `a, (b, c), *d` to the parts of `operand`.
        Python evaluates the right side whole before binding: `operand` is already
        lowered, and the parts are read before any name is rebound."""
        bindings = []
        self._parts(target, operand, node, bindings)
        for t, value in bindings:
            self.bind_value(t, value, node)

    def _parts(self, target, operand, node, out):
        if isinstance(target, (ast.Name, ast.Subscript)):
            out.append((target, operand))
            return
        if not isinstance(target, (ast.Tuple, ast.List)):
            raise self.error(f"cannot assign to {_describe(target)}", target)
        elts = target.elts
        stars = [k for k, t in enumerate(elts) if isinstance(t, ast.Starred)]
        if len(stars) > 1:
            raise self.error("two starred targets in one assignment", target)
        if isinstance(operand, ast.Tuple):
            n = len(operand.elts)
            if stars:
                k = stars[0]
                after = len(elts) - k - 1
                if n < len(elts) - 1:
                    raise self.error(f"not enough values to unpack (expected at least "
                                     f"{len(elts) - 1}, got {n})", target)
                parts = operand.elts[:k] + [None] + operand.elts[n - after:]
                rest = operand.elts[k:n - after]
                for t, p in zip(elts, parts):
                    if p is None:
                        rest_list = (self.runtime_list(ast.Tuple(rest, ast.Load()), node)
                                     if rest else self.emit(None, cr.MAKE_LIST, {}, node,
                                                            call_args=[]))
                        out.append((t.value, rest_list))
                    else:
                        self._parts(t, p, node, out)
                return
            if n != len(elts):
                raise self.error(f"cannot unpack {n} values into {len(elts)} names; the "
                                 "numbers must match", target)
            for t, p in zip(elts, operand.elts):
                self._parts(t, p, node, out)
            return
        if isinstance(operand, (FunctionValue, ExternalFunction)):
            raise self.error("cannot unpack a function", target)
        if stars:
            name = ast.unparse(node.value) if isinstance(node, ast.Assign) else "xs"
            raise self.error(f"starred unpacking of a list or an array is not supported "
                             f"(Python makes a new list of the remaining elements); "
                             f"index instead: first = {name}[0]; rest = {name}[1:]",
                             elts[stars[0]])
        for k, t in enumerate(elts):
            # The rows of an array, the elements of a list: v[0], v[1], ...
            part = self.getitem(operand, ast.Constant(k), t)
            self._parts(t, part, node, out)
        self.unpack_checks.append((operand, len(elts), node))

    def bind_value(self, target, operand, node):
        """Bind one name (or write one element) to an already lowered operand."""
        if isinstance(target, ast.Subscript):
            self.setitem(target, RawValue(operand))
            return
        name = self.new_version(target.id)
        if is_structure(operand):
            self.current[target.id] = operand
            return
        self.emit(name, _copy_rule(), {"x": operand}, target, call_args=[operand])
        self.current[target.id] = ast.Name(name, ast.Load())
        self.share_ownership(name, operand)

    # -- joins ----------------------------------------------------------------------

    def flatten_state(self, state):
        """Split compile-time tuples of a branch's state into one key per element, so
        the join can merge them like names: {'t': (a, b)} -> {'t#0': a, 't#1': b}."""
        flat, shapes = {}, {}
        for key, value in state.items():
            elements = _elements_of(value)
            if elements is not None:
                shapes[key] = _Shape(value)
                for k, e in enumerate(elements):
                    sub, sub_shapes = self.flatten_state({f"{key}#{k}": e})
                    flat.update(sub)
                    shapes.update(sub_shapes)
            else:
                flat[key] = value
        return flat, shapes


class RawValue(ast.expr):
    """An already lowered operand where an expression is expected (control.py)."""
    _fields = ()

    def __init__(self, operand):
        super().__init__()
        self.operand = operand


def _elements_of(value):
    """The elements of a compile-time container, or None for anything else."""
    if isinstance(value, DictValue):
        return value.values
    if isinstance(value, ast.Tuple) and is_structure(value):
        return value.elts
    return None


class _Shape:
    """What a compile-time container is, apart from its elements: a tuple of n, a
    NamedTuple of a class, a dict with these keys. Rebuilds one with new elements."""

    def __init__(self, template):
        self.template = template
        self.n = len(_elements_of(template))

    def signature(self):
        t = self.template
        return (type(t), self.n, getattr(t, "cls", None), getattr(t, "kind", None),
                tuple(t.keys) if isinstance(t, DictValue) else None)

    def elements_match(self, other):
        """The same elements under the same keys (a tuple display may stand for a
        parameter tree's tuple: the one before a loop decides the type)."""
        a, b = self.signature(), other.signature()
        return a[1:3] == b[1:3] and a[4] == b[4] and (
            a[0] is b[0] or not {a[0], b[0]} - {ast.Tuple, TreeSeq})

    def __eq__(self, other):
        return isinstance(other, _Shape) and self.signature() == other.signature()

    def __len__(self):
        return self.n

    def rebuild(self, elements):
        new = copy.copy(self.template)
        if isinstance(new, DictValue):
            new.keys, new.values = list(new.keys), list(elements)
        else:
            new.elts = list(elements)
        return new


def unflatten_state(flat, shapes):
    def build(key):
        if key in shapes:
            return shapes[key].rebuild([build(f"{key}#{k}") for k in range(len(shapes[key]))])
        return flat.get(key)
    out = {}
    for key, value in flat.items():
        if "#" in key.lstrip("#"):
            continue
        out[key] = value
    for key in shapes:
        if "#" not in key.lstrip("#"):
            out[key] = build(key)
    return out


def _static_index(index):
    if isinstance(index, ast.Constant) and type(index.value) is int:
        return index.value
    if isinstance(index, ast.UnaryOp) and isinstance(index.operand, ast.Constant) \
            and type(index.operand.value) is int:
        return -index.operand.value
    if isinstance(index, ast.Slice):
        parts = []
        for p in (index.lower, index.upper, index.step):
            parts.append(None if p is None else _static_index(p))
        return slice(*parts)
    raise LookupError(index)


def _copy_rule():
    from .rules import rule_for_operator
    return rule_for_operator("copy", None)


def _describe(node):
    return {ast.Attribute: "an attribute (s2s_ad only assigns local names)",
            ast.Starred: "a starred name here"}.get(type(node), f"'{ast.unparse(node)}'")
