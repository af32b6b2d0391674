"""Adjoints of containers: arrays read as x[i] or written as x[i] = v, and local lists.

Such a container `c` gets an adjoint container `c_bar` (a zero array, or a list of
zeros) created at the start of the reverse sweep of the block that defines `c`, and
updated in place, so that reading one element costs O(1) in the reverse sweep too:

    forward              reverse
    y = x[i]             x_bar[i] += y_bar
    out[i] = v           v_bar = out_bar[i]; out_bar[i] = 0.0; out[i] = saved
    L.append(v)          v_bar = L_bar.pop()
    s = sum(L)           add_each(L_bar, s_bar)
    a = np.array(L)      add_elements(L_bar, a_bar)

`saved` is the part of `out` the write overwrote (copied just before it); restoring it
lets the rest of the reverse sweep read `out` as it was, and is dropped as dead code
when nothing reads `out`. Each handler returns True when it wrote the adjoint.
"""
import ast

import numpy as np

from . import ir
from .rules import rule_for_call
from .rules import control_rules as cr
from .rules.numpy_indexing import accumulates
from .adjoints import ZERO
from .aliasing import user_name
from .errors import TranslationError
from .ir import Stmt


def adjoint_roots(trace, kinds, activity):
    """Names whose adjoint is a container updated in place: active parameters and
    statement-defined values that are indexed, written into, appended to, or summed
    or joined as lists. Phi targets and loop headers are excluded (their reads use the
    rules' fallback templates)."""
    excluded, defined, containers = set(), set(trace.params), []
    for item in ir.walk_items(trace.body):
        if isinstance(item, Stmt):
            defined.add(item.target)
        else:
            excluded.update(item.defs())
        base = _container_of(item, kinds)
        if isinstance(base, ast.Name):
            containers.append(base.id)
    return {name for name in containers if name in activity and name in defined
            and name not in excluded and _container_kind(kinds, name)}


def _container_of(item, kinds):
    """The container an item reads or writes element by element, if any."""
    written = item.writes()
    if written:
        return ast.Name(written[0], ast.Load())
    if not isinstance(item, Stmt):
        return None
    if item.rule is cr.GETITEM:
        return item.args["x"]
    if (_is_one_of(item.rule, (cr.SUM, cr.ARRAY)) or id(item.rule) in _JOINS) \
            and _is_list(kinds, _first(item)):
        return _first(item)
    return None


_JOINED = (np.stack, np.concatenate, np.vstack, np.hstack)
_JOINS = {id(rule_for_call(fn)) for fn in _JOINED}


def _is_one_of(rule, rules):
    """`rule in rules`, without comparing every field of rules of other names (a
    rule equal to one of them has its name)."""
    return any(rule.name == r.name for r in rules) and rule in rules


def _is_list(kinds, operand):
    kind = kinds.get(operand.id) if isinstance(operand, ast.Name) else None
    return kind is not None and kind.pytype is list


def _container_kind(kinds, name):
    kind = kinds.get(name)
    return kind is None or kind.pytype is list or (kind.is_array and kind.shape != ())


def new_container(rt, name):
    """The expression creating name's zero adjoint container."""
    kind = rt.kinds.get(name)
    x = ast.Name(name, ast.Load())
    if kind is not None and kind.pytype is list:
        zeros = ast.List([ast.Constant(0.0)], ast.Load())
        return ast.BinOp(zeros, ast.Mult(), ast.Call(ast.Name("len", ast.Load()), [x], []))
    if kind is not None and kind.is_array and kind.is_real:
        np_name = ast.Name(rt.modules["np"], ast.Load())
        return ast.Call(ast.Attribute(np_name, "zeros_like", ast.Load()), [x], [])
    return ast.Call(ast.Name(rt.helpers["zeros_like"], ast.Load()), [x], [])


def _first(s):
    """The operand bound to a rule's first parameter (sum's x, np.array's object)."""
    return s.args[s.rule.params[0]]


def _getitem(rt, s):
    base = s.args["x"]
    if not (isinstance(base, ast.Name) and base.id in rt.roots):
        return False                    # the rule's fallback template
    if s.target not in rt.activity:
        return True
    g = rt.finish(s.target)
    if g is not ZERO:
        index = s.args["index"]
        if accumulates(index, rt.rules.info(s)):     # x[[0, 0, 2]]: repeats must add up
            np_name = ast.Name(rt.modules["np"], ast.Load())
            add_at = ast.Attribute(ast.Attribute(np_name, "add", ast.Load()), "at", ast.Load())
            spelled = ast.Subscript(ast.Attribute(np_name, "s_", ast.Load()), index, ast.Load())
            rt.emit(ast.Expr(ast.Call(add_at, [rt.container(base.id), spelled, g], [])))
        else:
            slot = ast.Subscript(rt.container(base.id), index, ast.Store())
            rt.emit(ast.AugAssign(slot, ast.Add(), g))
    return True


def store(rt, item):
    """The reverse of `x[index] = v`: v's adjoint is the slot's, the slot's adjoint is
    zeroed (the write overwrote what was there) and x's overwritten part restored."""
    x, index, v = item.array, item.index, item.value
    if x in rt.roots:
        slot = ast.Subscript(rt.container(x), index, ast.Load())
        if rt.is_active(v):
            kind = rt.kinds.get(item.saved.id)
            shape = kind.shape if kind is not None and kind.is_numeric else None
            if shape != ():
                # out_bar[1] of a 2-D out is a view of the row, which is zeroed next:
                # the adjoint of v must own its numbers.
                slot = ast.Call(ast.Attribute(slot, "copy", ast.Load()), [], [])
            term = rt.rules.reduce_to(slot, v, shape)
            tmp = rt.names.fresh(f"{v.id}_bar" if not rt.has_waiting(v.id) else "t")
            rt.emit(_assign(tmp, term))
            rt.add(v.id, ast.Name(tmp, ast.Load()))
        zero = ast.Subscript(rt.container(x), index, ast.Store())
        rt.emit(ast.Assign([zero], ast.Constant(0.0), lineno=0))
    elif x in rt.activity:
        raise _unsupported(item, "writing into this array")
    # else the output does not depend on x: the write passes nothing back to v
    restore = ast.Subscript(ast.Name(x, ast.Load()), index, ast.Store())
    rt.emit(ast.Assign([restore], ast.Name(item.saved.id, ast.Load()), lineno=0))


def append(rt, item):
    """The reverse of `L.append(v)`: v's adjoint is the last entry of L's adjoint."""
    lst, v = item.lst, item.value
    if lst not in rt.roots:
        if rt.is_active(v) and lst in rt.activity:
            raise _unsupported(item, "appending to this list")
        return          # (a list the output does not read, such as has_aux data)
    if isinstance(v, (ast.Tuple, ast.List)) and any(
            rt.is_active(e) for e in ast.walk(v) if isinstance(e, ast.Name)):
        raise _unsupported(item, "appending a tuple of values that depend on the input "
                                 "(append each value to a list of its own)")
    pop = ast.Call(ast.Attribute(rt.container(lst), "pop", ast.Load()), [], [])
    if rt.is_active(v):
        tmp = rt.names.fresh(f"{v.id}_bar" if not rt.has_waiting(v.id) else "t")
        rt.emit(_assign(tmp, pop))
        rt.add(v.id, ast.Name(tmp, ast.Load()))
    else:
        rt.emit(ast.Expr(pop))


def _list_reduction(helper):
    def handler(rt, s):
        x = _first(s)
        if not (isinstance(x, ast.Name) and x.id in rt.roots and _is_list(rt.kinds, x)):
            return False
        if s.target in rt.activity:
            g = rt.finish(s.target)
            if g is not ZERO:
                fn = ast.Name(rt.helpers[helper], ast.Load())
                rt.emit(ast.Expr(ast.Call(fn, [rt.container(x.id), g], [])))
        return True
    return handler


def _joined_list(how):
    """np.stack / concatenate / vstack / hstack of a local list built at run time."""
    def handler(rt, s):
        x = _first(s)
        if not isinstance(x, ast.Name):
            return False                # a list literal: each element's own template
        if x.id not in rt.roots:
            if rt.is_active(x) and s.target in rt.activity:
                name = user_name(x.id)
                raise TranslationError(
                    f"np.{how} of the list '{name}', which is bound on more than one path "
                    "(a branch or a loop), is not supported: make the list once before "
                    f"the branch or loop ({name} = []) and append to it there", s.loc)
            return True
        if s.target in rt.activity:
            g = rt.finish(s.target)
            if g is not ZERO:
                g = rt.rules.materialise(g)
                fn = ast.Name(rt.helpers["add_joined"], ast.Load())
                axis = s.args.get("axis", ast.Constant(0))
                rt.emit(ast.Expr(ast.Call(fn, [rt.container(x.id), x, g, ast.Constant(how),
                                               axis], [])))
        return True
    return handler


def _make_list(rt, s):
    if s.target not in rt.activity:
        return True
    g = rt.finish(s.target)
    for k, (param, operand) in enumerate(s.args.items()):
        if g is not ZERO and rt.is_active(operand):
            rt.add(operand.id, ast.Subscript(g, ast.Constant(k), ast.Load()))
    return True


def _assign(name, value):
    return ast.Assign([ast.Name(name, ast.Store())], value, lineno=0)


def _unsupported(s, what):
    return TranslationError(f"{what} is not supported here: s2s_ad follows element writes "
                            "only into arrays and lists created by a single statement", s.loc)


HANDLERS = {
    id(cr.GETITEM): _getitem,
    id(cr.SUM): _list_reduction("add_each"),
    id(cr.ARRAY): _list_reduction("add_elements"),
    id(cr.MAKE_LIST): _make_list,
    **{id(rule_for_call(fn)): _joined_list(fn.__name__)
       for fn in _JOINED},
}
