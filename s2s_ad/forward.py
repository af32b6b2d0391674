"""Structured trace -> the forward sweep as Python statements.

The forward sweep is the user's computation, statement by statement, with the
structure of their code: `if` for If, `for i in range(...)`/`while` for Loop. Three
additions: phi copies at the end of branches and loop iterations (ir.py), a trip
counter for loops that may leave early, and — inside loops — one tape push per block
of the values its reverse needs (tape.py decides which).

Each statement carries its note (the source line it came from) as `_s2s_note`, which
render.py prints as a comment.
"""
import ast

from . import ir
from .liveness import IMPURE

NOTE = "_s2s_note"


class ForwardEmitter:
    def __init__(self, pushes=None, after_assign=None, push="tape_push"):
        self.pushes = pushes or {}          # id(block) -> [names to record at its end]
        self.after_assign = after_assign    # probe hook: name -> [statements]
        self.push_name = push               # the tape's bound `append`

    def block(self, items, extra=()):
        out = []
        for item in items:
            out.extend(self.item(item))
        out.extend(extra)
        return out

    def item(self, item):
        if isinstance(item, ir.If):
            return [self.if_(item)]
        if isinstance(item, ir.Loop):
            return self.loop(item)
        if isinstance(item, ir.Store):
            target = ast.Subscript(ast.Name(item.array, ast.Load()), item.index, ast.Store())
            return [self.noted(ast.Assign([target], item.value, lineno=0), item)]
        if isinstance(item, ir.Append):
            call = ast.Call(ast.Attribute(ast.Name(item.lst, ast.Load()), "append", ast.Load()),
                            [item.value], [])
            return [self.noted(ast.Expr(call), item)]
        out = [self.noted(assign(item.target, item.forward_expr()), item)]
        if not item.rule.pure:
            setattr(out[0], IMPURE, True)
        if self.after_assign:
            out += self.after_assign(item.target)
        return out

    @staticmethod
    def noted(statement, item):
        setattr(statement, NOTE, note_of(item))
        return statement

    def push(self, blocks):
        names = []
        for b in blocks:
            names += self.pushes.get(id(b), [])
        if not names:
            return []
        value = (ast.Name(names[0], ast.Load()) if len(names) == 1 else
                 ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load()))
        if getattr(self.pushes, "check", False):    # S2S_AD_CHECK: tag the entry
            tag = next(self.pushes.tags[id(b)] for b in blocks if id(b) in self.pushes)
            value = ast.Tuple([ast.Constant(tag), value], ast.Load())
        call = ast.Call(ast.Name(self.push_name, ast.Load()), [value], [])
        return [ast.Expr(call)]

    def copies(self, pairs):
        out = []
        for target, operand in pairs:
            # A branch that leaves the name unassigned binds it to None, so that an
            # enclosing join can still copy it (Python would never read it).
            out.append(assign(target, ast.Constant(None) if operand is None else operand))
            if self.after_assign:
                out += self.after_assign(target)
        return out

    def if_(self, item):
        body = self.block(item.body, self.push([item.body]) +
                          self.copies([(t, a) for t, a, _ in item.phis]))
        orelse = self.block(item.orelse, self.push([item.orelse]) +
                            self.copies([(t, b) for t, _, b in item.phis]))
        test = item.test
        if not body:
            test, body, orelse = ast.UnaryOp(ast.Not(), test), orelse, []
        statement = ast.If(test, body or [ast.Pass()], orelse)
        setattr(statement, NOTE, note_of(item))
        return statement

    def loop(self, item):
        out = []
        count = []
        if item.counter:
            out.append(assign(item.counter, ast.Constant(0)))
            count = [ast.AugAssign(ast.Name(item.counter, ast.Store()), ast.Add(),
                                   ast.Constant(1))]
        tail = self.push([item.cond_body or [], item.body])
        # Copies in the order their values were computed: then the simplifier can
        # often write the last computation straight into the header (x = x + dt * v).
        position = {getattr(s, "target", None): k for k, s in enumerate(item.body)}
        carried = sorted(item.carried, key=lambda hl: position.get(getattr(hl[1], "id", None),
                                                                    len(position)))
        tail += self.copies(carried)
        if item.exit_flag is not None:
            if isinstance(item.exit_flag, ast.Constant):
                tail.append(ast.Break())
            else:
                tail.append(ast.If(item.exit_flag, [ast.Break()], []))
        if item.kind == "for":
            head = []
            if self.after_assign:
                head = self.after_assign(item.target)
            body = self.block(item.body, tail)
            statement = ast.For(ast.Name(item.target, ast.Store()),
                                range_call(item.bounds), head + count + body, [])
        else:
            cond = self.block(item.cond_body)
            if not cond:
                body = count + self.block(item.body, tail)
                statement = ast.While(item.cond, body, [])
            else:
                leave = ast.If(ast.UnaryOp(ast.Not(), item.cond), [ast.Break()], [])
                body = cond + [leave] + count + self.block(item.body, tail)
                statement = ast.While(ast.Constant(True), body, [])
        setattr(statement, NOTE, note_of(item))
        out.append(statement)
        return out


def range_call(bounds):
    return ast.Call(ast.Name("range", ast.Load()), list(bounds), [])


def assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)


def note_of(s):
    note = _loc_note(s.loc)
    inlined = getattr(s, "inlined", None)
    return f"{inlined}, {note}" if inlined else note


def _loc_note(loc):
    if loc is None:
        return None
    return f"line {loc.lineno}: {loc.text.strip()}"
