"""Compile-time containers of the lowering beyond tuples: a list or tuple that came
from a parameter tree, a NamedTuple, a dict (see lower_trees.py). Like a tuple display
(lower_values.py), they are no runtime objects of the trace: each element is an
operand with its own adjoint, and reading an element costs nothing.
"""
import ast


class TreeSeq(ast.Tuple):
    """A list or tuple of a parameter tree (`kind` says which). A loop over it is
    unrolled, since its elements may differ in shape and structure."""

    # (copy and deepcopy rebuild AST nodes from their fields, positionally on 3.13)
    def __init__(self, elts=None, ctx=None, *, kind="tuple"):
        super().__init__(list(elts or ()), ctx or ast.Load())
        self.kind = kind


class NamedTupleValue(ast.Tuple):
    """A NamedTuple: a tuple whose elements are also read as `.field`."""

    def __init__(self, elts=None, ctx=None, *, cls=tuple):
        super().__init__(list(elts or ()), ctx or ast.Load())
        self.cls = cls

    def field(self, name):
        fields = self.cls._fields
        return self.elts[fields.index(name)] if name in fields else None


class DictValue(ast.expr):
    """A dict with literal keys and computed values, read with `d['key']`."""
    _fields = ()

    def __init__(self, keys=None, values=None):
        super().__init__()
        self.keys, self.values = list(keys or ()), list(values or ())

    def get(self, key, default=None):
        for k, v in zip(self.keys, self.values):
            if k == key and type(k) is type(key):
                return v
        return default


def is_tree_value(operand):
    return isinstance(operand, (TreeSeq, NamedTupleValue, DictValue))
