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
import bisect
import copy

from .tangent_inplace import is_float64_array, is_simple_assign

ENABLED = True

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)
# NumPy functions that write into an argument without an `out=` keyword
_WRITERS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis",
            "random"}


def reuse(statements, kind_of, np_name):
    if not ENABLED:
        return list(statements)
    out = list(statements)
    index = _Index(out, kind_of, np_name)
    hoists = {}             # i -> (j, the expression's dump, its node, t)
    taken = set()           # statements already part of a rewrite
    for i, first in enumerate(out):
        if i in taken or not index.harmless[i] or not is_simple_assign(first):
            continue
        found = _later_copy(index, i, first, taken)
        if found is not None:
            hoists[i] = found
            taken.update((i, found[0]))
    if not hoists:
        return out
    removed = {j for j, _, _, _ in hoists.values()}
    result = []
    for i, s in enumerate(out):
        if i in removed:
            continue
        if i in hoists:
            j, key, node, target = hoists[i]
            result.append(ast.Assign([ast.Name(target, ast.Store())], copy.deepcopy(node),
                                     lineno=0))
            s = _Replace(key, target).visit(copy.deepcopy(s))
        result.append(s)
    return result


class _Index:
    """What reuse asks of the statement list, computed once (the lists generated code
    makes can be thousands of statements long): which statements write into nothing,
    where each name is bound or deleted and first mentioned, and which statements are
    `t = E` with E arithmetic, by E's dump."""

    def __init__(self, out, kind_of, np_name):
        self.out = out
        self.harmless = [is_simple_assign(s) and writes_nothing(s.value, np_name) or
                         isinstance(s, ast.Delete) for s in out]
        self.unsafe_before = [0]          # non-harmless statements in out[:k]
        for ok in self.harmless:
            self.unsafe_before.append(self.unsafe_before[-1] + (not ok))
        self.events = {}                  # name -> positions bound or deleted
        self.first_mention = {}
        self.copies = {}                  # dump of E -> positions of `t = E`
        for k, s in enumerate(out):
            for node in ast.walk(s):
                if isinstance(node, ast.Name):
                    self.first_mention.setdefault(node.id, k)
                    if not isinstance(node.ctx, ast.Load):
                        self.events.setdefault(node.id, []).append(k)
            if is_simple_assign(s) and _pure(s.value) and _float_array(
                    kind_of(s.targets[0].id)):
                self.copies.setdefault(ast.dump(s.value), []).append(k)

    def changed_between(self, name, i, j):
        """Is `name` bound or deleted in out[i + 1:j]?"""
        positions = self.events.get(name, ())
        k = bisect.bisect_right(positions, i)
        return k < len(positions) and positions[k] < j


def _later_copy(index, i, first, taken):
    """(j, dump, node, t) for the first later `t = E` whose E occurs inside out[i] and
    reaches out[j] unchanged, or None."""
    bound_here = first.targets[0].id
    seen = set()
    for node in ast.walk(first.value):
        if node is first.value or not _pure(node):
            continue
        key = ast.dump(node)
        if key in seen or key not in index.copies:
            continue
        seen.add(key)
        names = _names(node)
        if not names or bound_here in names:
            continue
        positions = index.copies[key]
        k = bisect.bisect_right(positions, i)
        if k == len(positions):
            continue
        j = positions[k]
        if j in taken or index.unsafe_before[j] != index.unsafe_before[i + 1]:
            continue
        if any(index.changed_between(n, i, j) for n in names):
            continue
        target = index.out[j].targets[0].id
        if index.first_mention.get(target) != j:
            continue                    # t read (or bound) before its statement
        return j, key, node, target
    return None


def _float_array(kind):
    return is_float64_array(kind) and kind.shape != ()


def writes_nothing(value, np_name):
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
