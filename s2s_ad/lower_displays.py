"""Dict and list displays in the user's code: `{"W": W, "b": b}` is a compile-time
dict (lower_trees.py: d["W"] reads the value itself), `[(W1, b1), (W2, b2)]` a
compile-time list of trees, and a list of values a list built at run time."""
import ast

from .lower_values import contains_function, is_structure
from .rules import control_rules as cr
from .tree_values import DictValue, TreeSeq


class DisplayLowering:
    """The display part of `control.StructuredLowerer`."""

    def dict_display(self, node):
        if not all(isinstance(k, ast.Constant) for k in node.keys):
            raise self.error("only dicts with literal keys are supported", node)
        parts = [p for k, v in zip(node.keys, node.values) for p in (k, self.expr(v))]
        # (a repeated key keeps its first place and its last value, as in Python)
        entries = {}
        for k, v in zip(parts[0::2], parts[1::2]):
            entries[(type(k.value), k.value)] = v
        return DictValue([k for _, k in entries], list(entries.values()))

    def list_display(self, node, target):
        items = [self.expr(e) for e in node.elts]
        if any(is_structure(e) and not contains_function(e) for e in items):
            # [(W1, b1), (W2, b2)]: a compile-time list, as a parameter tree's
            return TreeSeq(items, kind="list")
        return self.emit(target, cr.MAKE_LIST, {f"i{k}": v for k, v in enumerate(items)},
                         node, call_args=items)
