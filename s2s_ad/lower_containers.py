"""Lowering of containers: element reads `x[i]`, element writes `x[i] = v` and
`x[i] += v` into arrays the function owns (`ir.Store`), appends to local lists
(`ir.Append`), augmented assignments on whole names, and `np.r_[...]`/`np.c_[...]`.
"""
import ast

from . import ir, rules
from .ir import Stmt
from .errors import TreeDependentError
from .lower_conditions import RawOperand
from .rules import control_rules as cr

_OP_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
               ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//"}


class ContainerLowering:
    """The container part of `control.StructuredLowerer`."""

    def augmented_assignment(self, node):
        """`y += v` changes an array (or list) in place, so every name sharing it sees
        the change; on a number it rebinds y. An array the function created is written
        in place as `y[...] = y + v`; anything else is lowered as `y = y + v` with the
        statement marked in place, and aliasing.py refuses, once kinds are known, the
        cases where that would differ from Python (a shared array read afterwards, or an
        argument's array changed)."""
        user = node.target.id
        load = ast.copy_location(ast.Name(user, ast.Load()), node)
        value = ast.copy_location(ast.BinOp(load, node.op, node.value), node)
        current = self.current.get(user) if user in self.assigned else None
        if isinstance(current, ast.Name) and current.id in self.fresh_lists:
            raise self.error(f"'{user} {_OP_SYMBOLS.get(type(node.op), '?')}= ...' extends "
                             f"the list '{user}' in place, which s2s_ad does not follow; "
                             f"use {user}.append(...) for each element", node)
        if self.is_fresh(current):
            whole = ast.copy_location(ast.Subscript(ast.Name(user, ast.Store()),
                                                    ast.Constant(Ellipsis), ast.Store()), node)
            self.setitem(whole, value)
            return
        self.assign(node.target, value)
        stmt = self.body[-1] if self.body else None
        if isinstance(stmt, Stmt) and stmt.target == self.current[user].id \
                and stmt.rule.spelling == rules.BINOP:
            stmt.inplace = True

    def index(self, node):
        if isinstance(node, ast.List) and all(isinstance(e, ast.Constant) for e in node.elts):
            return node                 # x[[0, 0, 2]]: a literal index, fixed length
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.expr(p)
                     for p in (node.lower, node.upper, node.step)]
            return ast.Slice(*parts)
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self.index(e) for e in node.elts], ast.Load())
        return self.expr(node)

    def index_trick(self, node, target):
        """np.r_[a, b] and np.c_[a, b]: indexing an object whose rule joins the pieces.
        Returns None for ordinary indexing."""
        if not self.is_external(node.value):
            return None
        rule = rules.rule_for_call(self.resolve(node.value))
        if rule is None or rule.spelling != rules.SUBSCRIPT:
            return None
        pieces = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for piece in pieces:
            if isinstance(piece, ast.Slice) or (isinstance(piece, ast.Constant)
                                                and isinstance(piece.value, str)):
                raise self.error(f"{rule.name}[...] with slices or string directives is not "
                                 "supported; join the arrays with np.concatenate", piece)
        operands = ast.Tuple([self.expr(piece) for piece in pieces], ast.Load())
        bound = {"arrays": operands}
        bound.update({f"arrays[{k}]": op for k, op in enumerate(operands.elts)})
        return self.emit(target, rule, bound, node, call_args=[node.value, operands])

    def getitem(self, base, index, node, target=None):
        if isinstance(base, RawOperand):
            base = base.operand
        return self.emit(target, cr.GETITEM, {"x": base, "index": index}, node,
                         call_args=[base, index])

    def setitem(self, target, value):
        if not isinstance(target.value, ast.Name) or target.value.id not in self.assigned:
            raise self.error("only names of local arrays can be written into", target)
        user = target.value.id
        array = self.name(target.value)
        if self.made_by(array, cr.MAKE_DICT):
            raise self.error(f"assigning into the dict '{user}' is not supported (s2s_ad "
                             "does not follow changes to a dict); build it with all its "
                             f"entries at once: {user} = {{'a': ..., 'b': ...}}", target)
        if not (self.is_fresh(array) or array.id in self.allocated):
            what = ("the argument" if array.id in self.params or user in self.params
                    else "the array")
            message = (f"writing into {what} '{user}' would change an array s2s_ad does "
                       f"not own (the caller's, or a view); copy it first: "
                       f"{user} = np.array({user})")
            if what == "the argument":      # (the first call tells if it is a dict or list)
                raise TreeDependentError(message, self.parsed.loc(target))
            raise self.error(message, target)
        index = self.index(target.slice)
        operand = self.expr(value)
        save = cr.SAVE_ITEM if array.id in self.fresh_lists else cr.SAVE
        saved = self.emit(None, save, {"x": array, "index": index}, target,
                          call_args=[array, index])
        self.body.append(ir.Store(array.id, index, operand, saved, self.parsed.loc(target),
                                  inlined=self.note_prefix))

    def made_by(self, operand, rule):
        """Was this local made by `rule` (following copies) in the block being lowered?
        For messages only: it looks at the current block."""
        copy = rules.rule_for_operator("copy", None)
        name = operand.id
        for item in reversed(self.body):
            if getattr(item, "target", None) == name and hasattr(item, "rule"):
                if item.rule is rule:
                    return True
                x = item.args.get("x") if item.rule is copy else None
                if not isinstance(x, ast.Name):
                    return False
                name = x.id
        return False

    def append(self, call):
        receiver = call.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id in self.assigned):
            raise self.error("only local lists can be appended to", call)
        lst = self.name(receiver)
        if not self.is_fresh(lst):
            raise self.error(f"appending to '{receiver.id}' would change a list s2s_ad does "
                             "not own; build a new list in the function", call)
        if len(call.args) != 1 or call.keywords:
            raise self.error("append takes one argument", call)
        value = self.expr(call.args[0])
        self.body.append(ir.Append(lst.id, value, self.parsed.loc(call),
                                   inlined=self.note_prefix))


def allocates(rule):
    """Does this primitive always return a new array (arithmetic, elementwise functions),
    never a view of an argument? Writing into its result changes nothing else."""
    return rule.broadcasts is True or rule.spelling in (rules.BINOP, rules.UNARY)

