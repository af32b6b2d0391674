"""An array the tangent code computes twice, computed once, in the generated code that
runs (never in the code shown or read back).

The jvp of a generated gradient (the Hessian-vector product) carries the forward
sweep's tangents beside the gradient's own statements, and the two often compute the
same thing apart: the sigmoid's tangent `A_dot = u_dot * A * (1.0 - A)` in the forward
sweep, and the gradient's `z26 = 1.0 - A` for backpropagating through the same
sigmoid, long after. Here the later statement's value is computed where the earlier
statement first needs it, and both read it (one 128 x 64 array less per layer of the
sigmoid network; the same numbers, computed once instead of twice):

    z26 = 1.0 - A
    A_dot = u_dot * A * z26
    ...
    (z26 = 1.0 - A removed)

`reuse(statements, kind_of)` does this for a top-level `t = E` (t a float64 ndarray)
whose whole value E, arithmetic (+ - * /, unary -) on names and numbers, also occurs
inside an earlier top-level assignment, when nothing between them (that statement
included) could change what E reads: every statement between is an assignment to a
plain name, rebinding none of E's names, or a `del`, and none calls anything but a
NumPy function that writes nowhere (no `out=`, no method call, no store into an element
or attribute). t must be read nowhere before its own statement. Runs before release.py
places the `del`s, so t lives on from its new place to its last reader.
"""
import ast
import copy

import numpy as np

ENABLED = True

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)
# NumPy functions that write into an argument without an `out=` keyword
_WRITERS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis",
            "random"}


def reuse(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    out = list(statements)
    i = 0
    while i < len(out):
        done = _hoist_from(out, i, kind_of, np_name)
        i += 2 if done else 1
    return out


def _hoist_from(out, i, kind_of, np_name):
    """Find a later statement whose whole value occurs in out[i]; hoist it before
    out[i]. True when done (out has changed)."""
    first = out[i]
    if not _plain_assign(first) or not _harmless(first.value, np_name):
        return False
    bound_here = first.targets[0].id
    seen = set()
    for node in ast.walk(first.value):
        if node is first.value or not _pure(node):
            continue
        key = ast.dump(node)
        if key in seen:
            continue
        seen.add(key)
        names = _names(node)
        if not names or bound_here in names:
            continue
        j = _later_copy(out, i, key, names, np_name)
        if j is None:
            continue
        target = out[j].targets[0].id
        kind = kind_of(target)
        if kind is None or not kind.is_array or kind.array_type is not np.ndarray or \
                kind.dtype != np.float64 or kind.shape == ():
            continue
        if any(isinstance(n, ast.Name) and n.id == target
               for s in out[:j] for n in ast.walk(s)):
            continue
        hoisted = ast.Assign([ast.Name(target, ast.Store())], copy.deepcopy(node),
                             lineno=0)
        rewritten = _Replace(key, target).visit(copy.deepcopy(first))
        del out[j]
        out[i:i + 1] = [hoisted, rewritten]
        return True
    return False


def _later_copy(out, i, key, names, np_name):
    """The index of a later `t = E` (E dumping to `key`) that E's value reaches
    unchanged, or None."""
    for j in range(i + 1, len(out)):
        s = out[j]
        if isinstance(s, ast.Delete):
            if any(isinstance(t, ast.Name) and t.id in names for t in s.targets):
                return None
            continue
        if not _plain_assign(s) or not _harmless(s.value, np_name):
            return None
        if ast.dump(s.value) == key:
            return j
        if s.targets[0].id in names:
            return None
    return None


def _plain_assign(s):
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and \
        isinstance(s.targets[0], ast.Name)


def _harmless(value, np_name):
    """Does evaluating `value` write into nothing? Calls of NumPy functions without
    `out=` (other than the few that write into an argument) only."""
    for node in ast.walk(value):
        if isinstance(node, (ast.NamedExpr, ast.Lambda, ast.Yield, ast.YieldFrom,
                             ast.Await)):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == np_name and func.attr not in _WRITERS):
                return False
            if any(k.arg == "out" or k.arg is None for k in node.keywords):
                return False
            if any(isinstance(a, ast.Starred) for a in node.args):
                return False
    return True


def _pure(node):
    """Arithmetic on names and numbers, with at least one operation."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ARITHMETIC) and _leafy(node.left) and \
            _leafy(node.right)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and _leafy(node.operand)
    return False


def _leafy(node):
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    return _pure(node)


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Replace(ast.NodeTransformer):
    def __init__(self, key, name):
        self.key, self.name = key, name

    def generic_visit(self, node):
        if isinstance(node, ast.expr) and ast.dump(node) == self.key:
            return ast.Name(self.name, ast.Load())
        return super().generic_visit(node)
