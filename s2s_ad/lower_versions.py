"""Versions and exits: the SSA version of each user name (`x`, `x_2`, ...), which
arrays and lists the function owns, and the early-exit state (`return`, `break`,
`continue` lowered into flags) that guards the rest of a block.
"""
import ast

from .lower_conditions import FALSE, MAYBE, NO, TRUE, YES
from .lower_values import FunctionValue


_EXITS = ("#brk", "#cnt", "#ret")
_PSEUDO_BASE = {"#brk": "broke", "#cnt": "skip", "#ret": "returned", "#rv": "result",
                "#aux": "aux", "#val": None}


class VersionLowering:
    """The versions-and-exits part of `control.StructuredLowerer`."""

    def name(self, node):
        if node.id in self.assigned:
            operand = self.current.get(node.id)
            if operand is None:
                raise self.error(f"local variable '{node.id}' is used before it is "
                                 "assigned", node)
            if isinstance(operand, FunctionValue) and operand.scope is self.scope:
                # Read as a value (passed to a helper): the closure sees the enclosing
                # variables as they are now.
                return FunctionValue(operand.node, operand.parsed, operand.scope,
                                     operand.defaults, dict(self.current))
            return _copy(operand)
        self.resolve(node)
        return ast.Name(node.id, ast.Load())

    def new_version(self, user_name):
        base = _PSEUDO_BASE.get(user_name, user_name)
        if base is not None and "#" in base:     # an element of a tuple, a token
            base = base.replace("#", "_").strip("_").replace("chk", "checked") or "v"
        if base is None:
            self.temp_count += 1
            base = f"{self.temp_prefix}{self.temp_count}"
            name = self.names.fresh(base)
            self.temps.add(name)
        else:
            base = self.prefix + base
            if base in self.locals or base in self.names.taken and base != user_name:
                name = self.names.fresh(base)
            else:
                name = base
                self.names.taken.add(name)
        self.locals.add(name)
        if user_name in ("#rv", "#aux"):
            self.return_versions.add(name)      # aliasing.py; inline._bind_result
        return name

    def share_ownership(self, name, operand):
        """`name = operand` binds the same object: an array or list the function owns
        stays owned (writable) under its new name."""
        if self.is_fresh(operand):
            self.fresh_arrays.add(name)
            if operand.id in self.fresh_lists:
                self.fresh_lists.add(name)
        elif isinstance(operand, ast.Name) and operand.id in self.allocated:
            self.allocated.add(name)

    def is_fresh(self, operand):
        return isinstance(operand, ast.Name) and operand.id in self.fresh_arrays

    def exit_state(self, current=None):
        current = self.current if current is None else current
        flags = [current.get(f, FALSE) for f in _EXITS]
        if any(f is TRUE for f in flags):
            return YES
        if any(not isinstance(f, ast.Constant) for f in flags):
            return MAYBE
        return NO

    def guarded(self, rest, node):
        """Lower `rest` so that it runs only if no exit flag is set, one flag at a time
        (in the branch where a flag is true, it is known to be true)."""
        flag = next(f for f in _EXITS
                    if not isinstance(self.current.get(f, FALSE), ast.Constant))

        def exited():
            self.current[flag] = TRUE
            if flag == "#ret" and self.loop_depth:
                self.current["#brk"] = TRUE

        def continues():
            self.current[flag] = FALSE
            if self.exit_state() == MAYBE:
                self.guarded(rest, node)
            else:
                self.block(rest)
        self.branches(self.current[flag], exited, continues, node)

def _copy(operand):
    if isinstance(operand, ast.Name):
        return ast.Name(operand.id, ast.Load())
    return operand
