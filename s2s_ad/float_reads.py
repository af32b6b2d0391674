"""Arrays read element by element, read as Python floats (stage `floats`, after clean).

In a scalar loop, `x[i]` of a float64 array is a NumPy scalar, and every operation on
it goes through NumPy's scalar machinery, several times slower than the same operation
on a Python float. A parameter `x` that the generated code only reads element by
element (besides `len(x)` and `np.zeros_like(x)`) is converted once, `x_floats =
x.tolist()`, and the element reads use the list. Its gradient `x_bar`, if it is only
made by `np.zeros_like(x)`, incremented element by element and returned, becomes a
list of floats too, made into an array at the return.

The values stay the same bits: +, -, * and negation of Python floats and of float64
scalars are the same IEEE operations, and a float64 scalar mixed with a Python float
gives the same float64 result. So each converted read is followed through the code
(the expressions that use it, the names it is assigned to, their reads) and the array
is converted only if every use is one of those, a comparison, a `math`/NumPy function
(which converts its argument back), or an increment of a float64 array's element.
Anything else stops the conversion of that array: `/` and `**` (a Python float raises
ZeroDivisionError or OverflowError where NumPy returns inf, and `**` of a negative
float may give a complex number), a returned value (its type would change), a tape
entry, an operation with an operand of unknown kind or with a float32 array (NumPy
keeps float32 for a Python float, not for a float64 scalar).
"""
import ast
import builtins
import math

import numpy as np

from .forward import NOTE
from .scalar_loops import optimising
from .walk import all_nodes, children

_SAME_OPS = (ast.Add, ast.Sub, ast.Mult)
_CONVERSION = "_s2s_floats"         # marks the `x_floats = x.tolist()` statements


def read_floats(c):
    """Rewrite the Compilation's sweeps in place; return what was done, as lines."""
    if not (optimising() and c.kinds):
        return []
    if not any(_float_vector(kind) for kind in c.kinds.values()):
        return []       # nothing to read as floats: spare the walk over every statement
    code = _Flow(c)
    done = []
    for name in sorted(code.candidates()):
        sites = code.reads[name]
        if code.floats_are_safe(sites):
            code.convert(name, sites)
            done.append(f"{name} read as floats")
    for name in sorted(code.adjoint_lists()):
        code.make_list(name)
        done.append(f"{name} a list of floats")
    return done


def _float_vector(kind):
    return (kind is not None and kind.is_array and kind.array_type is np.ndarray
            and kind.dtype == np.float64 and kind.shape is not None and len(kind.shape) == 1)


class _Flow:
    def __init__(self, c):
        self.c = c
        self.statements = c.forward + c.reverse + [c.returns]
        self.kinds = dict(c.kinds)
        for acc in getattr(c.transform, "all_accumulators", ()):
            if acc.name and acc.name not in self.kinds and acc.var in c.kinds:
                self.kinds[acc.name] = c.kinds[acc.var]
        self.parent = {}
        self.loads = {}             # name -> its Load nodes
        self.occurrences = {}       # name -> every Name node
        self.stored = {}
        for s in self.statements:
            for node in all_nodes(s):
                for child in children(node):
                    self.parent[id(child)] = node
                if isinstance(node, ast.Name):
                    self.occurrences.setdefault(node.id, []).append(node)
                    if isinstance(node.ctx, ast.Load):
                        self.loads.setdefault(node.id, []).append(node)
                    else:
                        self.stored[node.id] = self.stored.get(node.id, 0) + 1
        self.reads = {}
        self.in_forward = {id(n) for s in c.forward for n in all_nodes(s)}

    # -- which arrays ----------------------------------------------------------------

    def candidates(self):
        """Float64 vectors passed as parameters, never assigned, used only as x[int],
        len(x) and np.zeros_like(x)."""
        found = []
        for name in self.c.compiler.params:
            kind = self.kinds.get(name)
            if not (kind is not None and kind.is_array and kind.array_type is np.ndarray
                    and kind.dtype == np.float64 and kind.shape is not None
                    and len(kind.shape) == 1 and name not in self.stored
                    and name in self.occurrences):
                continue
            if any(n in self.stored for n in self.c.aliases.get(name, ())):
                continue
            sites = []
            for node in self.occurrences[name]:
                p = self.parent.get(id(node))
                if isinstance(p, ast.Subscript) and p.value is node and \
                        isinstance(p.ctx, ast.Load) and self._int(p.slice):
                    sites.append(p)
                elif not self._harmless_use(node, p):
                    break
            else:
                if sites:
                    self.reads[name] = sites
                    found.append(name)
        return found

    def _harmless_use(self, node, p):
        if not (isinstance(p, ast.Call) and p.args == [node] and not p.keywords):
            return False
        f = p.func
        if isinstance(f, ast.Name):
            return f.id == "len" and self.c.namespace.get("len", builtins.len) is builtins.len
        return (isinstance(f, ast.Attribute) and f.attr == "zeros_like"
                and isinstance(f.value, ast.Name) and self.c.namespace.get(f.value.id) is np)

    def _int(self, node):
        if isinstance(node, ast.Constant):
            return type(node.value) is int
        if isinstance(node, ast.Name):
            kind = self.kinds.get(node.id)
            return kind is not None and kind.pytype is int
        return False

    # -- following the floats ----------------------------------------------------------

    def _scalar(self, node, floats):
        """Is `node` a Python number or a float64 scalar (or one of the float nodes)?"""
        if id(node) in floats:
            return True
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float)
        if isinstance(node, ast.Name):
            kind = self.kinds.get(node.id)
            return kind is not None and (kind.pytype in (int, float) or kind.is_array
                                         and kind.shape == () and kind.dtype == np.float64
                                         and kind.array_type is np.ndarray)
        if isinstance(node, ast.BinOp):
            return self._scalar(node.left, floats) and self._scalar(node.right, floats)
        if isinstance(node, ast.UnaryOp):
            return self._scalar(node.operand, floats)
        if isinstance(node, ast.Call):
            f = node.func
            return (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    and self.c.namespace.get(f.value.id) is math)
        return False

    def floats_are_safe(self, sites):
        floats = {id(s) for s in sites}
        work = list(sites)
        seen_names = set()
        while work:
            node = work.pop()
            p = self.parent.get(id(node))
            grown = self._consumer(node, p, floats)
            if grown is False:
                return False
            for new in grown:
                if isinstance(new, str):
                    if new not in seen_names:
                        seen_names.add(new)
                        for load in self.loads.get(new, ()):
                            if id(load) not in floats:
                                floats.add(id(load))
                                work.append(load)
                elif id(new) not in floats:
                    floats.add(id(new))
                    work.append(new)
        return True

    def _consumer(self, node, p, floats):
        """What a float at `node` makes float in its parent `p` (nodes, or names for
        assignments), or False if `p` could compute something else with it."""
        if isinstance(p, ast.BinOp):
            other = p.right if p.left is node else p.left
            if isinstance(p.op, _SAME_OPS) and self._scalar(other, floats):
                return [p]
            return False
        if isinstance(p, ast.UnaryOp):
            return [p] if isinstance(p.op, (ast.USub, ast.UAdd)) else []
        if isinstance(p, ast.Compare):
            return [] if all(self._scalar(o, floats) for o in [p.left] + p.comparators) \
                else False
        if isinstance(p, ast.Call) and node is not p.func:
            f = p.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                module = self.c.namespace.get(f.value.id)
                if module is math:
                    return []
                if module is np and not p.keywords and \
                        all(self._scalar(a, floats) for a in p.args):
                    return []
            return False
        if isinstance(p, ast.Assign) and p.value is node and len(p.targets) == 1 and \
                isinstance(p.targets[0], ast.Name):
            return [p.targets[0].id]
        if isinstance(p, ast.AugAssign) and p.value is node:
            t = p.target
            if isinstance(t, ast.Name) and isinstance(p.op, _SAME_OPS) and \
                    self._scalar(ast.Name(t.id, ast.Load()), floats):
                return [t.id]
            if isinstance(t, ast.Subscript) and isinstance(p.op, ast.Add) and \
                    isinstance(t.value, ast.Name) and self._float64_array(t.value.id):
                return []
            return False
        if isinstance(p, ast.IfExp):
            return [] if p.test is node else [p]
        return False

    def _float64_array(self, name):
        kind = self.kinds.get(name)
        return (kind is not None and kind.is_array and kind.array_type is np.ndarray
                and kind.dtype == np.float64)

    def convert(self, name, sites):
        floats = self.c.names.fresh(f"{name}_floats")
        for s in sites:
            s.value = ast.Name(floats, ast.Load())
        made = ast.Assign([ast.Name(floats, ast.Store())],
                          ast.Call(ast.Attribute(ast.Name(name, ast.Load()), "tolist",
                                                 ast.Load()), [], []), lineno=0)
        setattr(made, NOTE, f"{name} is only read element by element: as Python floats")
        sweep = self.c.forward if any(id(s) in self.in_forward for s in sites) \
            else self.c.reverse
        at = 0
        while at < len(sweep) and getattr(sweep[at], _CONVERSION, False):
            at += 1                         # after the conversions made before
        setattr(made, _CONVERSION, True)
        sweep.insert(at, made)

    # -- gradients as lists ------------------------------------------------------------

    def adjoint_lists(self):
        """Adjoints made by `np.zeros_like(x)` of a float64 vector, incremented by
        scalars element by element, and returned: lists until the return."""
        found = []
        for s in self.c.reverse:
            if not (isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name)):
                continue
            name = s.targets[0].id
            call = s.value
            if not (self.stored.get(name) == 1 and isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "zeros_like" and len(call.args) == 1
                    and not call.keywords and isinstance(call.func.value, ast.Name)
                    and self.c.namespace.get(call.func.value.id) is np
                    and isinstance(call.args[0], ast.Name)):
                continue
            kind = self.kinds.get(call.args[0].id)
            if not (kind is not None and kind.is_array and kind.array_type is np.ndarray
                    and kind.dtype == np.float64 and kind.shape is not None
                    and len(kind.shape) == 1):
                continue
            if self.c.aliases.get(name):
                continue
            if all(self._list_use(node, name) for node in self.occurrences[name]
                   if not isinstance(node.ctx, ast.Store)):
                found.append(name)
        return found

    def _list_use(self, node, name):
        p = self.parent.get(id(node))
        if isinstance(p, ast.Subscript) and p.value is node and isinstance(p.ctx, ast.Store):
            aug = self.parent.get(id(p))
            return (isinstance(aug, ast.AugAssign) and aug.target is p
                    and isinstance(aug.op, ast.Add) and self._int(p.slice)
                    and self._scalar(aug.value, set()))
        return self._returned(node)

    def _returned(self, node):
        """Is `node` the returned value, or an element of returned tuples?"""
        p = self.parent.get(id(node))
        while isinstance(p, ast.Tuple):
            node, p = p, self.parent.get(id(p))
        return isinstance(p, ast.Return) and p is self.c.returns

    def make_list(self, name):
        for s in self.c.reverse:
            if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and \
                    s.targets[0].id == name:
                call = s.value
                s.value = ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(),
                                    ast.Call(ast.Name("len", ast.Load()), call.args, []))
                np_name = call.func.value.id
                setattr(s, NOTE, f"{name} is only incremented element by element: "
                                 "a list of floats until the return")
                break
        for node in self.occurrences[name]:
            if isinstance(node.ctx, ast.Load) and self._returned(node):
                p = self.parent[id(node)]
                wrapped = ast.Call(ast.Attribute(ast.Name(np_name, ast.Load()), "array",
                                                 ast.Load()), [ast.Name(name, ast.Load())], [])
                if isinstance(p, ast.Return):
                    p.value = wrapped
                else:
                    p.elts[p.elts.index(node)] = wrapped
