"""Arithmetic written in place in the generated code that runs (never in the code shown
or read back): fewer fresh arrays per call.

An expression such as `a_dot * b + a * b_dot` makes two products and their sum, three
new arrays, where NumPy could add the second product into the first. On arrays of tens
of kilobytes (the sigmoid network's 128 x 64 layers) a new array costs about as much
as the arithmetic itself (the heap hands out memory that is not in the cache, or
fresh pages), so the code that runs says

    z19_dot = a_dot * b
    z19_dot += a * b_dot

`in_place(statements, kind_of, np_name)` rewrites a top-level assignment `x = L op R`
(op one of + - * /) whose left operand L is a new array of x's shape and dtype (itself
an arithmetic result, or a temporary whose last reader this is) into `x = L` followed
by `x op= R`; for + and * the operands may trade places, and for - and / a new right
operand is written into with `np.subtract(L, x, out=x)`. Nothing the caller passed in,
nothing still read later and nothing that shares memory with another value is ever
written into:

- an arithmetic result (BinOp, -x, a ufunc call) of an array shape is always a new
  array that no other name holds;
- a temporary `t` is reused only at its last reader (release.py's `del t` follows the
  statement), only if it was bound once at the top level to such a new array and every
  reader only reads its values (arithmetic, ufuncs, @; never a view: t.T, t[i],
  np.reshape(t), a copy `u = t`, the return), and only if it occurs once in the
  statement (its new value must not be read by the rest of the statement).

Shapes and dtypes come from the compiled function's kinds (it is specialised on its
arguments' kinds); a statement with any operand of unknown kind, of another array type,
of an integer dtype, or with a 0-d result is left as it is.
"""
import ast

import numpy as np

from .kinds import kind_of as kinds_of_values

ENABLED = True      # benchmarks/higher_order_row.py can time the code without it

_OPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}
_COMMUTES = (ast.Add, ast.Mult)


def in_place(statements, kind_of, np_name):
    """The top-level statement list with arithmetic done in place where it is safe.
    `kind_of(name)` gives a local name's Kind (or None)."""
    if not ENABLED:
        return list(statements)
    return _Rewriter(statements, kind_of, np_name).run()


class _Info:
    """What is known of an expression's value: shape, dtype (None for a Python number)
    and whether it is a new array no name holds."""
    __slots__ = ("shape", "dtype", "fresh")

    def __init__(self, shape, dtype, fresh):
        self.shape, self.dtype, self.fresh = shape, dtype, fresh


class _Rewriter:
    def __init__(self, statements, kind_of, np_name):
        self.statements = list(statements)
        self.kind_of = kind_of
        self.np_name = np_name
        self.reusable = self._reusable_temporaries()

    # -- which temporaries may lend their memory -------------------------------------

    def _reusable_temporaries(self):
        """Names bound once, at the top level, to a new array of their own kind's shape
        and dtype, whose every reader only reads their values."""
        bound, candidates = {}, set()
        for s in self.statements:
            for node in ast.walk(s):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bound[node.id] = bound.get(node.id, 0) + 1
            if is_simple_assign(s) and self._makes_new_array(s.value) and \
                    self._array_kind(s.targets[0].id) is not None:
                candidates.add(s.targets[0].id)
        candidates = {n for n in candidates if bound.get(n) == 1}
        for s in self.statements:
            if isinstance(s, ast.Delete):
                continue
            for name in _aliasing_reads(s, self._is_ufunc):
                candidates.discard(name)
        return candidates

    def _makes_new_array(self, value):
        """Arithmetic, @ and ufuncs make a new array whenever their result is one (an
        array result of operands of unknown kind, X @ W with X a global, included)."""
        if isinstance(value, ast.BinOp):
            return type(value.op) in _OPS or isinstance(value.op, ast.MatMult)
        if isinstance(value, ast.UnaryOp):
            return isinstance(value.op, ast.USub)
        return isinstance(value, ast.Call) and not value.keywords and (
            self._is_ufunc(value.func) or self._is_np(value.func, "outer"))

    def _is_ufunc(self, func):
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            func.value.id == self.np_name and isinstance(getattr(np, func.attr, None),
                                                         np.ufunc)

    def _is_np(self, func, name):
        return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
            func.value.id == self.np_name and func.attr == name

    # -- kinds of expressions -----------------------------------------------------------

    def _array_kind(self, name):
        kind = self.kind_of(name)
        if kind is None or not kind.is_array or kind.array_type is not np.ndarray or \
                kind.shape == () or not np.issubdtype(kind.dtype, np.floating):
            return None
        return kind

    def info(self, node):
        """_Info of an expression, or None when any part of it is not known."""
        if isinstance(node, ast.Name):
            kind = self.kind_of(node.id)
            if kind is None:
                return None
            if kind.pytype in (float, int):
                return _Info((), None, False)
            if self._array_kind(node.id) is None and not (
                    kind.is_array and kind.array_type is np.ndarray and kind.shape == ()
                    and np.issubdtype(kind.dtype, np.floating)):
                return None
            return _Info(tuple(kind.shape), kind.dtype, False)
        if isinstance(node, ast.Constant):
            if type(node.value) in (int, float):
                return _Info((), None, False)
            return None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.info(node.operand)
            if inner is None:
                return None
            fresh = inner.shape != () and inner.dtype is not None
            return _Info(inner.shape, inner.dtype, fresh)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return self._elementwise([node.left, node.right])
        if isinstance(node, ast.Call) and self._is_ufunc(node.func) and not node.keywords:
            ufunc = getattr(np, node.func.attr)
            if ufunc.nin == len(node.args) and ufunc.nout == 1:
                return self._elementwise(node.args)
            return None
        if isinstance(node, ast.Call) and self._is_np(node.func, "outer") and \
                len(node.args) == 2 and not node.keywords:
            left, right = self.info(node.args[0]), self.info(node.args[1])
            if left is None or right is None or left.dtype is None or \
                    left.dtype != right.dtype or len(left.shape) + len(right.shape) != 2 \
                    or len(left.shape) != 1:
                return None
            return _Info(left.shape + right.shape, left.dtype, True)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            left, right = self.info(node.left), self.info(node.right)
            if left is None or right is None or left.dtype is None or \
                    left.dtype != right.dtype:
                return None
            shape = _matmul_shape(left.shape, right.shape)
            if shape is None:
                return None
            return _Info(shape, left.dtype, shape != ())
        return None

    def _elementwise(self, operands):
        infos = [self.info(o) for o in operands]
        if any(i is None for i in infos):
            return None
        dtypes = {i.dtype for i in infos if i.dtype is not None}
        if len(dtypes) != 1:
            return None             # numbers only, or mixed dtypes: promotion rules
        try:
            shape = tuple(np.broadcast_shapes(*[i.shape for i in infos]))
        except ValueError:
            return None
        return _Info(shape, dtypes.pop(), shape != ())

    # -- the rewrite --------------------------------------------------------------------

    def run(self):
        out = []
        for i, s in enumerate(self.statements):
            following = self.statements[i + 1] if i + 1 < len(self.statements) else None
            dying = set()
            if isinstance(following, ast.Delete):
                dying = {t.id for t in following.targets if isinstance(t, ast.Name)}
            rewritten = self.statement(s, dying & self.reusable)
            out.extend(rewritten if rewritten is not None else [s])
        return out

    def statement(self, s, dying):
        if not is_simple_assign(s) or getattr(s, "_s2s_impure", False):
            return None
        target = s.targets[0].id
        names = [n.id for n in ast.walk(s.value) if isinstance(n, ast.Name)]
        if target in names:
            return None
        kind = self._array_kind(target)
        info = self.info(s.value)
        if kind is None or info is None or info.shape != tuple(kind.shape) or \
                info.dtype != kind.dtype:
            return None
        # a dying temporary lends its memory only if the statement reads it once
        lenders = {n for n in dying if names.count(n) == 1}
        out = self.build(target, s.value, kind, lenders)
        if len(out) == 1:
            return None
        for new in out:
            _copy_notes(new, s)
        return out

    def _lends(self, node, kind, lenders):
        """Can `node`'s value become the target's array?"""
        info = self.info(node)
        if info is None or info.shape != tuple(kind.shape) or info.dtype != kind.dtype:
            return False
        if isinstance(node, ast.Name):
            return node.id in lenders
        return info.fresh

    def build(self, target, node, kind, lenders):
        """Statements that leave `target` bound to the value of `node`, a new array of
        the target's shape and dtype (or a temporary that lends its memory)."""
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            if self._lends(node.left, kind, lenders):
                first = self.build(target, node.left, kind, lenders)
                before, right = self.into_lender(node.right, lenders)
                return first + before + [ast.AugAssign(_store(target), node.op, right)]
            if self._lends(node.right, kind, lenders):
                first = self.build(target, node.right, kind, lenders)
                if isinstance(node.op, _COMMUTES):
                    before, left = self.into_lender(node.left, lenders)
                    return first + before + [ast.AugAssign(_store(target), node.op, left)]
                return first + [self._ufunc(_OPS[type(node.op)], node.left, target)]
        if isinstance(node, ast.Call) and self._is_ufunc(node.func) and not node.keywords:
            for i, arg in enumerate(node.args):
                if self._lends(arg, kind, lenders):
                    args = list(node.args)
                    args[i] = _load(target)
                    call = ast.Call(node.func, args, [ast.keyword("out", _load(target))])
                    return self.build(target, arg, kind, lenders) + [ast.Expr(call)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
                self._lends(node.operand, kind, lenders):
            return self.build(target, node.operand, kind, lenders) + \
                [self._ufunc("negative", None, target)]
        return [ast.Assign([_store(target)], node, lineno=0)]

    def into_lender(self, node, lenders):
        """(statements, expression): an operand of an in-place step that is itself
        arithmetic on a dying temporary of its own shape, `a * t` with t dying, is
        computed into t first (np.multiply(a, t, out=t)) and read as t."""
        if not (isinstance(node, ast.BinOp) and type(node.op) in _OPS):
            return [], node
        info = self.info(node)
        if info is None:
            return [], node
        for side in (node.left, node.right):
            if isinstance(side, ast.Name) and side.id in lenders:
                own = self.info(side)
                if own is not None and (own.shape, own.dtype) == (info.shape, info.dtype):
                    func = ast.Attribute(ast.Name(self.np_name, ast.Load()),
                                         _OPS[type(node.op)], ast.Load())
                    call = ast.Call(func, [node.left, node.right],
                                    [ast.keyword("out", _load(side.id))])
                    return [ast.Expr(call)], _load(side.id)
        return [], node

    def _ufunc(self, name, left, target):
        """`np.<name>(left, target, out=target)` as a statement (unary without left)."""
        func = ast.Attribute(ast.Name(self.np_name, ast.Load()), name, ast.Load())
        args = ([left] if left is not None else []) + [_load(target)]
        return ast.Expr(ast.Call(func, args, [ast.keyword("out", _load(target))]))


def _aliasing_reads(s, is_ufunc):
    """Names that statement `s` reads other than as an operand of arithmetic, a ufunc or
    @ (whose results are new arrays): a view, a copy, a call that may keep or return
    its argument, a return."""
    safe = set()
    for node in ast.walk(s):
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            for child in (node.left, node.right) if isinstance(node, ast.BinOp) \
                    else (node.operand,):
                if isinstance(child, ast.Name):
                    safe.add(id(child))
        elif isinstance(node, ast.Call) and is_ufunc(node.func) and not node.keywords:
            for child in node.args:
                if isinstance(child, ast.Name):
                    safe.add(id(child))
    if isinstance(s, ast.AugAssign):
        safe.discard(id(s.target))
    return {node.id for node in ast.walk(s)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
            and id(node) not in safe}


def _matmul_shape(a, b):
    if len(a) == 2 and len(b) == 2 and a[1] == b[0]:
        return (a[0], b[1])
    if len(a) == 2 and len(b) == 1 and a[1] == b[0]:
        return (a[0],)
    if len(a) == 1 and len(b) == 2 and a[0] == b[0]:
        return (b[1],)
    return None


def is_float64_array(kind):
    """A float64 ndarray's kind (the arrays these rewrites of running code handle)."""
    return kind is not None and kind.is_array and kind.array_type is np.ndarray and \
        kind.dtype == np.float64


def is_simple_assign(s):
    """`name = value`: one target, a plain name (the statements these rewrites take)."""
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and \
        isinstance(s.targets[0], ast.Name)


def _store(name):
    return ast.Name(name, ast.Store())


def _load(name):
    return ast.Name(name, ast.Load())


def _copy_notes(new, old):
    for key, value in vars(old).items():
        if key.startswith("_s2s"):
            setattr(new, key, value)



def running_kinds(c):
    """kind_of(name) for the running code's names: a tangent's kind is its primal's."""
    primal_of = c.transform.primal_of

    def kind_of(name):
        kind = c.kinds.get(primal_of.get(name, name))
        if kind is None and type(c.namespace.get(name)) is np.ndarray:
            # data the function reads (a global, a closure cell): rebinding it
            # recompiles (dependencies.py), so its kind holds for this code
            kind = kinds_of_values(c.namespace[name])
        return kind
    return kind_of


def running_code(c, statements):
    """The tangent pipeline's code that runs (after release.py's `del`s), with
    arithmetic in place. Kinds are the primals' (a tangent's is its primal's), so each
    float64 tangent parameter is first made float64 (a no-op for the float64 tangents
    jvp is given; a float32 one would otherwise make a new array of the wrong dtype to
    add into). Batched tangents (tangent_batch.py) have shapes of their own: left as
    they are."""
    if not ENABLED or c.batch is not None:
        return list(statements)
    kind_of = running_kinds(c)
    np_name = c.modules["np"]
    from .tangent_pairs import paired
    from .running_calls import direct_calls
    from .tangent_outer import outer_products, outer_sums
    rewritten = outer_sums(statements, kind_of, np_name)    # before: a new array
    rewritten = paired(in_place(rewritten, kind_of, np_name), kind_of, np_name)
    rewritten = outer_products(rewritten, kind_of, np_name)
    rewritten = direct_calls(rewritten, kind_of, np_name)
    from .tangent_transposes import contiguous_transposes
    rewritten = contiguous_transposes(rewritten, kind_of, np_name)
    if rewritten == list(statements):
        return rewritten
    used = {n.id for s in rewritten for n in ast.walk(s) if isinstance(n, ast.Name)}
    guards = []
    for p in c.trace.params:
        dot, kind = c.transform.dots.get(p), c.kinds.get(p)
        if dot in used and is_float64_array(kind):
            call = ast.Call(ast.Attribute(ast.Name(np_name, ast.Load()), "asarray",
                                          ast.Load()),
                            [_load(dot), ast.Attribute(ast.Name(np_name, ast.Load()),
                                                       "float64", ast.Load())], [])
            guards.append(ast.Assign([_store(dot)], call, lineno=0))
    return guards + rewritten
