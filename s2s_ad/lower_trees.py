"""Lowering of parameter trees: a differentiated argument that is a list, tuple, dict
or NamedTuple of numbers and arrays (api_trees.py flattens it into one parameter per
leaf), and the same containers inside the function.

The tree is a compile-time value (tree_values.py), as a tuple display is: the
parameter `params` of structure [(W, b), (W, b)] is the value
`[(params_0_0, params_0_1), (params_1_0, params_1_1)]` over the leaf parameters, so
`params[0]`, `p['W']`, `state.theta`, `W1, b1, W2, b2 = params`, `len(params)` and
`d.items()` are read at compile time and each leaf keeps its own adjoint. A loop over a
tree is unrolled (lower_unrolled.py): its elements may have different shapes.
"""
import ast
import builtins
import inspect

from . import rules
from .errors import TranslationError, TreeDependentError
from .rules import control_rules as cr
from .lower_values import is_structure
from .tree_values import DictValue, NamedTupleValue, TreeSeq, is_tree_value
from .trees import is_namedtuple_class


def tree_value(structure, names):
    """The compile-time value of a tree parameter of this structure whose leaves are
    the parameters `names` (an iterator, consumed in leaf order)."""
    kind = structure[0]
    if kind == "leaf":
        return ast.Name(next(names), ast.Load())
    if kind == "none":
        return ast.Constant(None)
    if kind in ("list", "tuple"):
        return TreeSeq([tree_value(c, names) for c in structure[1]], kind=kind)
    if kind == "dict":
        return DictValue(structure[1], [tree_value(c, names) for c in structure[2]])
    return NamedTupleValue([tree_value(c, names) for c in structure[2]], cls=structure[1])


class TreeLowering:
    """The parameter-tree part of `control.StructuredLowerer`."""

    def setup_trees(self, trees):
        """Bind each tree parameter to its compile-time value over its leaves."""
        for param, (structure, names) in trees.items():
            self.assigned.add(param)
            self.current[param] = tree_value(structure, iter(names))

    # -- reading ------------------------------------------------------------------

    def static_path(self, node):
        """The value of `p`, `p[0]`, `p['W']`, `p.theta` (chains of those) when `p` holds
        a compile-time container, without emitting anything; else None."""
        if isinstance(node, ast.Name):
            if node.id in self.assigned:
                value = self.current.get(node.id)
                return value if is_structure(value) else None
            return None
        if isinstance(node, ast.Subscript):
            base = self.static_path(node.value)
            if base is None:
                return None
            key = self.static_key(node.slice)
            if key is _NOT:
                return None
            if isinstance(base, DictValue):
                return base.get(key)
            if isinstance(base, ast.Tuple) and type(key) is int \
                    and -len(base.elts) <= key < len(base.elts):
                return base.elts[key]
            if isinstance(base, TreeSeq) and isinstance(key, slice):
                return TreeSeq(base.elts[key], kind=base.kind)
            return None
        if isinstance(node, ast.Attribute):
            base = self.static_path(node.value)
            return base.field(node.attr) if isinstance(base, NamedTupleValue) else None
        return None

    def attribute(self, node, target):
        """`state.theta` of a NamedTuple is its element; other attributes are rules."""
        if self.is_external(node):
            return super().attribute(node, target)
        base = self.expr(node.value)
        if isinstance(base, NamedTupleValue):
            value = base.field(node.attr)
            if value is None:
                raise self.error(f"'{ast.unparse(node.value)}' is a {base.cls.__name__}, "
                                 f"which has no field '{node.attr}' (its fields: "
                                 f"{', '.join(base.cls._fields)})", node)
            return value
        if is_structure(base):
            raise self.error(f"'{ast.unparse(node.value)}' is {_describe(base)} here, which "
                             f"has no attribute '.{node.attr}' s2s_ad can read", node)
        rule = rules.rule_for_operator(rules.ATTRIBUTE, node.attr)
        if rule is None:
            raise TreeDependentError(f"the attribute '.{node.attr}' is not supported",
                                            self.parsed.loc(node))
        return self.emit(target, rule, {"x": base}, node, call_args=[base])

    def setitem(self, target, value):
        """`d['k'] = v` into a compile-time container is refused: a dict or list may be
        shared (an alias, the caller's argument), and its changes are not followed."""
        if isinstance(target.value, ast.Name) and target.value.id in self.assigned:
            current = self.current.get(target.value.id)
            if is_structure(current):
                raise self.error(_write_message(target.value.id, current), target)
        return super().setitem(target, value)

    def tree_item(self, base, node, target):
        """`d['W']` of a compile-time dict."""
        key = self.static_key(node.slice)
        if key is _NOT:
            raise self.error(f"'{ast.unparse(node.value)}' is a dict of computed values, "
                             "read here with a computed key; index it with a literal key "
                             f"(as in {ast.unparse(node.value)}['W']), or loop over its "
                             ".items()", node)
        value = base.get(key, _NOT)
        if value is _NOT:
            raise self.error(f"'{ast.unparse(node.value)}' has no key {key!r} (its keys: "
                             f"{', '.join(map(repr, base.keys))})", node)
        return value

    def static_key(self, node):
        """A literal key or index, or a name bound to one (the key of an unrolled loop
        over a dict, the index of an unrolled range); else _NOT."""
        if isinstance(node, ast.Name) and node.id in self.assigned:
            value = self.current.get(node.id)
            if isinstance(value, ast.Constant) and type(value.value) in (int, str):
                return value.value
            return _NOT
        return _constant(node)

    def sequence_slice(self, base, index):
        """`params[1:]` of a tree's list stays a tree's list (its loops unroll)."""
        if isinstance(base, TreeSeq):
            key = _constant(index)
            if isinstance(key, slice):
                return TreeSeq(base.elts[key], kind=base.kind)
        return None

    def call_structure(self, node, target):
        func = node.func
        if isinstance(func, ast.Attribute) and not self.is_external(func):
            base = self.static_path(func.value)
            if is_tree_value(base):
                return self.tree_method(base, node)
        if isinstance(func, ast.Name) and self.is_external(func):
            try:
                fn = self.resolve(func)
            except TranslationError:
                fn = None
            if fn is builtins.len and len(node.args) == 1 and not node.keywords:
                base = self.static_path(node.args[0])
                if base is not None and is_structure(base) and not _is_function(base):
                    return ast.Constant(len(_elements(base)))
            if is_namedtuple_class(fn):
                return self.make_namedtuple(fn, node)
        return super().call_structure(node, target)

    def tree_method(self, base, node):
        method = node.func.attr
        owner = ast.unparse(node.func.value)
        if isinstance(base, DictValue) and method in ("keys", "values", "items") \
                and not node.args and not node.keywords:
            if method == "keys":
                return TreeSeq([ast.Constant(k) for k in base.keys], kind="list")
            if method == "values":
                return TreeSeq(base.values, kind="list")
            return TreeSeq([ast.Tuple([ast.Constant(k), v], ast.Load())
                            for k, v in zip(base.keys, base.values)], kind="list")
        if isinstance(base, DictValue) and method == "get" and 1 <= len(node.args) <= 2:
            key = _constant(node.args[0])
            if key is not _NOT:
                value = base.get(key, _NOT)
                if value is not _NOT:
                    return value
                return self.expr(node.args[1]) if len(node.args) > 1 else ast.Constant(None)
        if isinstance(base, NamedTupleValue) and method == "_replace" and not node.args:
            elements = list(base.elts)
            for k in node.keywords:
                if k.arg not in base.cls._fields:
                    raise self.error(f"{base.cls.__name__} has no field '{k.arg}'", node)
                elements[base.cls._fields.index(k.arg)] = self.expr(k.value)
            return NamedTupleValue(elements, cls=base.cls)
        if isinstance(base, NamedTupleValue) and method == "_asdict" and not node.args:
            return DictValue(base.cls._fields, base.elts)
        raise self.error(f"'{owner}.{method}(...)' is not supported on {_describe(base)}; "
                         "read its elements by index, key or field, or loop over it", node)

    def make_namedtuple(self, cls, node):
        """`State(theta, omega)`: a NamedTuple of computed values, at compile time."""
        try:
            bound = inspect.signature(cls).bind(*node.args, **{k.arg: k.value
                                                               for k in node.keywords})
        except TypeError as exc:
            raise self.error(f"call of {cls.__name__} does not match its fields: {exc}",
                             node) from None
        elements = []
        for field in cls._fields:
            if field in bound.arguments:
                elements.append(self.argument(bound.arguments[field]))
            else:
                default = cls._field_defaults.get(field)
                if not isinstance(default, (int, float, type(None))):
                    raise self.error(f"the default of {cls.__name__}.{field} is not a "
                                     "number; pass the field explicitly", node)
                elements.append(ast.Constant(default))
        return NamedTupleValue(elements, cls=cls)

    # -- aux data -------------------------------------------------------------------

    def aux_operand(self, aux, node):
        """has_aux data that is a dict of plain values is made at run time where it is
        returned (as before dicts were compile-time values), so returns on different
        paths (an early return in a loop) join as one name."""
        if isinstance(aux, DictValue) and not any(is_structure(v) for v in aux.values):
            parts = [p for k, v in zip(aux.keys, aux.values) for p in (ast.Constant(k), v)]
            return self.emit(None, cr.MAKE_DICT, {f"a{k}": v for k, v in enumerate(parts)},
                             node, call_args=parts)
        return aux

    def runtime_value(self, value, node):
        """A compile-time container returned as has_aux data, as the expression that
        builds it at run time (a NamedTuple by its class)."""
        if isinstance(value, DictValue):
            return ast.Dict([ast.Constant(k) for k in value.keys],
                            [self.runtime_value(v, node) for v in value.values])
        if isinstance(value, NamedTupleValue):
            alias = self.names.fresh(value.cls.__name__)
            self.extra_namespace[alias] = value.cls
            self.parsed.namespace[alias] = value.cls
            return ast.Call(ast.Name(alias, ast.Load()),
                            [self.runtime_value(e, node) for e in value.elts], [])
        if isinstance(value, TreeSeq) and value.kind == "list":
            return ast.List([self.runtime_value(e, node) for e in value.elts], ast.Load())
        if isinstance(value, ast.Tuple):
            return ast.Tuple([self.runtime_value(e, node) for e in value.elts], ast.Load())
        if _is_function(value):
            raise self.error("a function cannot be returned as has_aux data", node)
        return value


_NOT = object()

def _constant(node):
    """The literal value of an index or key (an int, a str, a slice of ints), or _NOT."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, str):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    if isinstance(node, ast.Slice):
        parts = [None if p is None else _constant(p) for p in (node.lower, node.upper,
                                                               node.step)]
        if any(p is _NOT or (p is not None and type(p) is not int) for p in parts):
            return _NOT
        return slice(*parts)
    return _NOT


def _elements(value):
    return value.values if isinstance(value, DictValue) else value.elts


def _is_function(value):
    from .lower_values import ExternalFunction, FunctionValue
    return isinstance(value, (FunctionValue, ExternalFunction))


def _describe(value):
    if isinstance(value, DictValue):
        return "a dict"
    if isinstance(value, NamedTupleValue):
        return f"a {value.cls.__name__}"
    if isinstance(value, TreeSeq):
        return f"a {value.kind}"
    return "a tuple" if isinstance(value, ast.Tuple) else "a function"


def _write_message(name, value):
    if isinstance(value, DictValue):
        return (f"writing into the dict '{name}' is not supported (s2s_ad does not "
                "follow changes of a dict, which may be shared); make a new one with every "
                f"key, {name} = {{'a': ..., 'b': ...}}, or with a comprehension, "
                f"{name} = {{k: ... for k, v in {name}.items()}}")
    if isinstance(value, TreeSeq) and value.kind == "list":
        return (f"writing into the list '{name}' is not supported (it is a parameter "
                "tree's list, the caller's); make a new list, "
                f"{name} = [... for x in {name}]")
    return f"'{name}' is {_describe(value)}, which cannot be written into"
