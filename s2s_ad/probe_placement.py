"""The probe's statements placed at the user's lines (probe.py compiles them from
their tree, unprinted): each statement, and every node in it, at the line of the
user's code it came from, so an error their code raises while probed points there.
Copied, since the trace's operands and the user's own nodes are shared with it."""
import ast
import re

from .forward import NOTE
from .render import PRINTED
from .walk import all_nodes

# Marks a statement the probe built and no one else holds (a note call): `placed`
# gives it positions without copying it.
OWN = "_s2s_probe_own"
# On an assignment the probe's emitter made: the ids of the nodes in it that no one else
# holds (the assignment, its target, usually its value); `placed` places those where
# they are and copies the rest (the operands, which the trace shares).
FRESH = "_s2s_probe_fresh"


def placed(statements, line, lines=None):
    """Copies of `statements` (nested blocks too), each with the line its note names,
    else `line`, the line of the statement before it, on every node: copied and placed
    in one walk. Columns are 0: only lines are reported. (`lines`: note -> its line or
    None, as read so far; a line's statements share its note.)"""
    out = []
    lines = {} if lines is None else lines
    for s in statements:
        printed = getattr(s, PRINTED, None)
        if printed is not None:                 # a guard kept as text: its tree
            s = ast.parse(printed).body[0]
        note = getattr(s, NOTE, None)
        if note:
            noted = lines.get(note, False)
            if noted is False:
                match = _LINE.match(note)
                noted = lines[note] = int(match.group(1)) if match else None
            line = noted if noted is not None else line
        if getattr(s, OWN, False):             # a note call: placed where it is
            for node in all_nodes(s):
                at_line(node, line)
            out.append(s)
            continue
        fresh = getattr(s, FRESH, None)
        if fresh is not None:
            out.append(_placed_fresh(s, line, fresh))
            continue
        new = _shallow_at(s, line)
        attrs = new.__dict__
        for field in s._fields:
            value = attrs.get(field)
            if field in ("body", "orelse"):
                attrs[field] = placed(value, line, lines)
            elif isinstance(value, ast.AST):
                attrs[field] = copy_at(value, line)
            elif type(value) is list:
                attrs[field] = [copy_at(v, line) if isinstance(v, ast.AST) else v
                                for v in value]
        out.append(new)
    return out


def _placed_fresh(node, line, fresh):
    """`node`, one of the ids in `fresh`, placed at `line` where it is, with each node
    below it placed the same way if it is fresh, else replaced by a copy (copy_at).
    Lists are made anew: a fresh node may hold a list the trace shares (a call's
    arguments). Contexts and operators are shared, as ever."""
    stack = [node]
    while stack:
        n = stack.pop()
        attrs = n.__dict__
        if "lineno" in n._attributes:
            attrs["lineno"] = attrs["end_lineno"] = line
            attrs["col_offset"] = attrs["end_col_offset"] = 0
        for field in n._fields:
            value = attrs.get(field)
            if type(value) is list:
                items = []
                for v in value:
                    if isinstance(v, ast.AST) and (v._fields or v._attributes):
                        if id(v) in fresh:
                            stack.append(v)
                        else:
                            v = _shallow_at(v, line) if type(v) in _LEAVES else \
                                copy_at(v, line)
                    items.append(v)
                attrs[field] = items
            elif isinstance(value, ast.AST) and (value._fields or value._attributes):
                if id(value) in fresh:
                    stack.append(value)
                else:
                    attrs[field] = _shallow_at(value, line) if type(value) in _LEAVES \
                        else copy_at(value, line)
    return node


def copy_at(node, line):
    """A copy of the tree `node` with every node at `line`, column 0, without recursion.
    Nodes with neither fields nor positions (contexts, operators) are shared: nothing
    changes them."""
    root = _shallow_at(node, line)
    if type(root) in _LEAVES:
        return root
    stack = [root]
    while stack:
        new = stack.pop()
        attrs = new.__dict__
        for field in new._fields:
            value = attrs.get(field)
            t = type(value)
            if t in _LEAVES:                        # (copied, nothing below to visit)
                attrs[field] = _shallow_at(value, line)
            elif t is list:
                items = []
                for v in value:
                    if isinstance(v, ast.AST) and (v._fields or v._attributes):
                        v = _shallow_at(v, line)
                        if type(v) not in _LEAVES:
                            stack.append(v)
                    items.append(v)
                attrs[field] = items
            elif isinstance(value, ast.AST) and (value._fields or value._attributes):
                attrs[field] = child = _shallow_at(value, line)
                stack.append(child)
    return root


_LEAVES = {ast.Name, ast.Constant}     # nodes whose fields hold no node to place


def _shallow_at(node, line):
    cls = node.__class__
    new = cls.__new__(cls)
    attrs = new.__dict__
    attrs.update(node.__dict__)
    if "lineno" in cls._attributes:
        attrs["lineno"] = attrs["end_lineno"] = line
        attrs["col_offset"] = attrs["end_col_offset"] = 0
    return new


def at_line(node, line):
    if "lineno" in node._attributes:
        node.lineno = node.end_lineno = line
        node.col_offset = node.end_col_offset = 0


# A note "line 12: ..." names a line of the user's function; an inlined helper's note
# ("inlined h(x), line 3: ...") a line of the helper's file: its statements keep the
# line before them, the call's.
_LINE = re.compile(r"line (\d+):")
