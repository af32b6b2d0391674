"""A batch of tangents in one generated jvp: every tangent carries a leading axis of
length B (the batch), so jacfwd, jacrev and hessian take one call for all their basis
vectors instead of one call per vector.

    def f_jvp(x, x_dot):            # x_dot: (B,) + x.shape
        z1 = X @ x
        z1_dot = x_dot @ X.T        # was X @ x_dot
        z2 = np.mean(z1)
        z2_dot = np.mean(z1_dot, axis=(1,))
        return z2, z2_dot           # (B,) + z2.shape

The tangent statements that tangent.py wrote are rewritten here, one expression at a
time, knowing each value's shape from the kinds stage. The invariant: a tangent name
always holds an array of shape (B,) + its primal's shape. An expression is rewritten
only where its meaning per batch element is certain; elementwise arithmetic broadcasts
with the batch axis in front when every batched operand already has the result's
shape, matmul, `.T`, sums, means and expand_dims are rewritten with their axes moved.
Indexing keeps `:` in front (tangent_batch_index.py), lists of tangents hold batched
elements (tangent_batch_containers.py). Anything else raises
NotBatchable: the caller falls back to one call per basis vector, never wrong.
"""
import ast
import numpy as np

from .kinds import Kind, kind_of
from .tangent_batch_shapes import _UNKNOWN, _broadcast, _literal, _matmul_shape


class NotBatchable(Exception):
    """This jvp cannot take a batch of tangents (the reason is the message)."""


from . import tangent_batch_index as index_rules  # noqa: E402 (it needs NotBatchable)
from . import tangent_batch_containers as containers  # noqa: E402 (... as this does)


# NumPy functions applied element by element (broadcasting their arguments).
ELEMENTWISE = {
    "exp", "log", "log1p", "expm1", "log2", "log10", "sin", "cos", "tan", "sinh", "cosh",
    "tanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "sqrt",
    "square", "abs", "absolute", "fabs", "sign", "where", "multiply", "add", "subtract",
    "divide", "true_divide", "negative", "positive", "reciprocal", "maximum", "minimum",
    "power", "float_power", "exp2", "logaddexp", "logaddexp2", "heaviside", "cbrt",
    "floor", "ceil", "round", "rint", "trunc", "clip", "greater", "less", "equal",
    "greater_equal", "less_equal", "not_equal", "logical_and", "logical_or",
    "logical_not", "isfinite", "isnan", "signbit", "copysign", "arctan2", "hypot",
}
# ... of which these are linear in each argument (a batched operand may go through).
LINEAR_ELEMENTWISE = {"where", "multiply", "add", "subtract", "divide", "true_divide",
                      "negative", "positive"}
REDUCTIONS = {"sum", "mean"}


class Batcher:
    """Rewrites the tangent statements of one generated jvp for a batch of B."""

    def __init__(self, transform, kinds, batch, np_name, namespace):
        self.dots = dict(transform.primal_of)       # tangent name -> primal name
        self.aliases, self.mutated = transform.aliases, transform.mutated
        self.kinds = kinds
        self.namespace = namespace      # globals and closure values the code reads
        self.batch = batch
        self.np = np_name

    # -- shapes ------------------------------------------------------------------------

    def primal_shape(self, name):
        """The shape of a local (the kinds stage) or of a global or closure value the
        code reads (the jvp is recompiled when one is rebound: toolkit._stale)."""
        kind = self.kinds.get(name)
        if kind is None and name not in self.kinds and name in self.namespace:
            kind = kind_of(self.namespace[name])
        if not isinstance(kind, Kind) or not kind.is_numeric:
            return None
        return tuple(kind.shape)

    def tangent_shape(self, name):
        shape = self.primal_shape(self.dots[name])
        if shape is None:
            raise NotBatchable(f"the shape of {self.dots[name]} is not known")
        return shape

    # -- statements --------------------------------------------------------------------

    def statements(self, body):
        out = []
        for s in body:
            out.extend(self.statement(s))
        return out

    def statement(self, s):
        handled = containers.statement(self, s)     # lists and tuples of tangents
        if handled is not None:
            return handled
        if isinstance(s, ast.Assign):
            if len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) and \
                    s.targets[0].id in self.dots:
                target = s.targets[0].id
                value = self.assigned(s.value, self.tangent_shape(target))
                return [_like(ast.Assign([s.targets[0]], value, lineno=0), s)]
            return [index_rules.store(self, s)]     # a tangent element write, or primal
        if isinstance(s, (ast.If, ast.While)):
            self.untouched(s.test)
            s.body = self.statements(s.body)
            s.orelse = self.statements(s.orelse)
            return [s]
        if isinstance(s, ast.For):
            self.untouched(s.target)
            self.untouched(s.iter)
            s.body = self.statements(s.body)
            s.orelse = self.statements(s.orelse)
            return [s]
        self.untouched(s)
        return [s]

    def untouched(self, node):
        """A primal statement (or test): it must not read or write any tangent."""
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and n.id in self.dots:
                raise NotBatchable(f"{n.id} is used outside a tangent assignment")

    def assigned(self, value, shape):
        """The batched expression for a tangent of (unbatched) shape `shape`."""
        node, batched, got = self.expr(value)
        if not batched:
            if not _is_zero(value):
                raise NotBatchable("a tangent that reads no tangent is not a zero")
            return self.zeros(shape)
        if got != shape:
            raise NotBatchable(f"a tangent of shape {got} for a value of shape {shape}")
        return node

    def result(self, node):
        """The returned tangent(s): names, zeros, or a tuple of them."""
        if isinstance(node, ast.Tuple):
            return ast.Tuple([self.result(e) for e in node.elts], ast.Load())
        new, batched, shape = self.expr(node)
        if batched:
            return new
        if not _is_zero(node) or shape is None:
            raise NotBatchable("a returned tangent is neither a tangent nor a zero")
        return self.zeros(shape)

    def zeros(self, shape):
        return self.call("zeros", ast.Constant((self.batch,) + tuple(shape)))

    def call(self, name, *args, **keywords):
        return ast.Call(ast.Attribute(ast.Name(self.np, ast.Load()), name, ast.Load()),
                        list(args), [ast.keyword(k, v) for k, v in keywords.items()])

    # -- expressions: (new node, batched?, unbatched shape or None) ---------------------

    def expr(self, node):
        if isinstance(node, ast.Name):
            if node.id in self.dots:
                return node, True, self.tangent_shape(node.id)
            return node, False, self.primal_shape(node.id)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return node, False, ()
            return node, False, None
        if not any(isinstance(n, ast.Name) and n.id in self.dots for n in ast.walk(node)):
            return node, False, self.plain_shape(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.MatMult):
                return self.matmul(node)
            return self.elementwise(node, [node.left, node.right],
                                    lambda a: ast.BinOp(a[0], node.op, a[1]))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand, batched, shape = self.expr(node.operand)
            return ast.UnaryOp(node.op, operand), batched, shape
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return self.transpose(node)
        if isinstance(node, ast.Call):
            name = self.np_function(node)
            if name in LINEAR_ELEMENTWISE and not node.keywords:
                return self.elementwise(node, node.args, lambda a: ast.Call(
                    node.func, a, []))
            if name in REDUCTIONS:
                return self.reduction(node, name)
            if name == "expand_dims":
                return self.expand_dims(node)
            if name == "reshape" and len(node.args) == 2 and not node.keywords:
                return self.reshape(node, node.args[0], node.args[1])
            if isinstance(node.func, ast.Attribute) and node.func.attr == "reshape" and \
                    name is None and len(node.args) == 1 and not node.keywords:
                return self.reshape(node, node.func.value, node.args[0])
            if name in ("full", "broadcast_to") and len(node.args) == 2 and \
                    not node.keywords:
                return self.spread(node, name)
            if name in ("array", "copy") and len(node.args) == 1 and not node.keywords:
                inner, batched, shape = self.expr(node.args[0])
                return ast.Call(node.func, [inner], []), batched, shape
        if isinstance(node, ast.Subscript):         # tangent_batch_index.py
            return index_rules.subscript(self, node)
        raise NotBatchable(f"no batched form for {ast.unparse(node)}")

    def np_function(self, node):
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and \
                f.value.id == self.np:
            return f.attr
        return None

    def plain_shape(self, node):
        """The shape of an expression that reads no tangent, where it is certain."""
        if isinstance(node, (ast.Name, ast.Constant)):
            return self.expr(node)[2]
        if isinstance(node, ast.BinOp) and not isinstance(node.op, ast.MatMult):
            return _broadcast(self.plain_shape(node.left), self.plain_shape(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.plain_shape(node.operand)
        if isinstance(node, ast.Attribute) and node.attr == "T":
            shape = self.plain_shape(node.value)
            return None if shape is None else shape[::-1]
        if isinstance(node, ast.Call):
            name = self.np_function(node)
            if name == "zeros" and len(node.args) == 1 and \
                    isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, tuple):
                return tuple(node.args[0].value)
            if name in ("zeros_like", "ones_like") and len(node.args) == 1:
                return self.plain_shape(node.args[0])
            if name in ELEMENTWISE and not node.keywords:
                shapes = [self.plain_shape(a) for a in node.args]
                return _broadcast(*shapes) if shapes else None
            if isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and \
                    node.func.value.id == "math":
                return ()
            if isinstance(node.func, ast.Name) and node.func.id == "float":
                return ()
        return None

    def elementwise(self, node, operands, build):
        parts = [self.expr(a) for a in operands]
        shapes = [shape for _, _, shape in parts]
        result = _broadcast(*shapes)
        if result is None:
            raise NotBatchable(f"the shapes in {ast.unparse(node)} are not known")
        operands = []
        for new, batched, shape in parts:
            if batched and len(shape) < len(result):
                # NumPy would pad the shape with 1s in front, meeting the batch axis:
                # the 1s go after the batch axis instead
                padding = tuple(range(1, 1 + len(result) - len(shape)))
                new = self.call("expand_dims", new, ast.Constant(padding))
            operands.append(new)
        return build(operands), True, result

    def matmul(self, node):
        (a, a_batched, sa), (b, b_batched, sb) = self.expr(node.left), self.expr(node.right)
        if a_batched and b_batched or sa is None or sb is None or not sa or not sb:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        result = _matmul_shape(sa, sb)
        if result is None:
            raise NotBatchable(f"shapes {sa} @ {sb}")
        if a_batched:
            # (B,)+sa @ b: a 1-D `a` is a stack of rows; a stacked `a` broadcasts over b's
            # leading axes only where b has no more of them than a
            if (len(sa) == 1 and len(sb) <= 2) or (len(sa) >= 2 and len(sb) <= len(sa)):
                return ast.BinOp(a, ast.MatMult(), b), True, result
        else:
            if len(sb) >= 2 and (len(sa) == 1 or len(sa) <= len(sb)):
                return ast.BinOp(a, ast.MatMult(), b), True, result
            if len(sb) == 1 and len(sa) <= 2:
                # a @ v for a batch of vectors v: the rows of V @ a.T
                other = a if len(sa) == 1 else self.call("swapaxes", a, ast.Constant(-1),
                                                         ast.Constant(-2))
                return ast.BinOp(b, ast.MatMult(), other), True, result
        raise NotBatchable(f"no batched form for {ast.unparse(node)}")

    def transpose(self, node):
        inner, batched, shape = self.expr(node.value)
        if not batched or shape is None:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        if len(shape) <= 1:
            return inner, True, shape
        axes = (0,) + tuple(range(len(shape), 0, -1))
        return self.call("transpose", inner, ast.Constant(axes)), True, shape[::-1]

    def reduction(self, node, name):
        if not node.args or len(node.args) > 2:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        inner, batched, shape = self.expr(node.args[0])
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) == 2:
            if "axis" in keywords:
                raise NotBatchable(f"no batched form for {ast.unparse(node)}")
            keywords["axis"] = node.args[1]
        if set(keywords) - {"axis", "keepdims"} or shape is None or not batched:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        axis = _literal(keywords.get("axis", ast.Constant(None)))
        keepdims = _literal(keywords.get("keepdims", ast.Constant(False)))
        if keepdims not in (True, False) or axis is _UNKNOWN:
            raise NotBatchable(f"no literal axis in {ast.unparse(node)}")
        n = len(shape)
        axes = tuple(range(n)) if axis is None else \
            (axis,) if isinstance(axis, int) else tuple(axis)
        if not all(isinstance(k, int) and -n <= k < n for k in axes):
            raise NotBatchable(f"an axis out of range in {ast.unparse(node)}")
        axes = tuple(sorted({k % n for k in axes}))
        result = tuple(1 if i in axes else d for i, d in enumerate(shape)
                       if keepdims or i not in axes)
        call = self.call(name, inner, axis=ast.Constant(tuple(k + 1 for k in axes)),
                         keepdims=ast.Constant(keepdims))
        return call, True, result

    def expand_dims(self, node):
        if len(node.args) != 2 or node.keywords:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        inner, batched, shape = self.expr(node.args[0])
        axis = _literal(node.args[1])
        if not batched or shape is None or not isinstance(axis, int) or \
                isinstance(axis, bool) or not -len(shape) - 1 <= axis <= len(shape):
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        at = axis % (len(shape) + 1)
        result = shape[:at] + (1,) + shape[at:]
        return self.call("expand_dims", inner, ast.Constant(at + 1)), True, result

    def reshape(self, node, operand, shape_node):
        inner, batched, shape = self.expr(operand)
        new_shape = _literal(shape_node)
        if isinstance(new_shape, int) and not isinstance(new_shape, bool):
            new_shape = (new_shape,)
        if not batched or shape is None or not isinstance(new_shape, tuple):
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        try:
            result = np.empty(shape).reshape(new_shape).shape
        except (ValueError, TypeError):
            raise NotBatchable(f"no batched form for {ast.unparse(node)}") from None
        return self.call("reshape", inner, ast.Constant((self.batch,) + result)), True, \
            result

    def spread(self, node, name):
        """np.full(shape, v_dot) and np.broadcast_to(x_dot, shape), shape a literal:
        the batch axis stays in front, the broadcast axes come after it."""
        if name == "full":
            shape_node, operand = node.args
        else:
            operand, shape_node = node.args
        inner, batched, shape = self.expr(operand)
        target = _literal(shape_node)
        if isinstance(target, int) and not isinstance(target, bool):
            target = (target,)
        if not batched or shape is None or not isinstance(target, tuple) or \
                not all(isinstance(d, int) for d in target) or \
                _broadcast(shape, target) != target:
            raise NotBatchable(f"no batched form for {ast.unparse(node)}")
        padded = self.call("reshape", inner, ast.Constant(
            (self.batch,) + (1,) * (len(target) - len(shape)) + shape))
        full = ast.Constant((self.batch,) + target)
        if name == "full":          # a new array, as np.full makes
            return ast.BinOp(self.call("zeros", full), ast.Add(), padded), True, target
        return self.call("broadcast_to", padded, full), True, target


def _is_zero(node):
    if isinstance(node, ast.Constant):
        return node.value == 0 and not isinstance(node.value, bool)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("zeros", "zeros_like"):
        return True
    if isinstance(node, ast.Tuple):
        return all(_is_zero(e) for e in node.elts)
    return False


def _like(new, old):
    for key, value in vars(old).items():
        if key.startswith("_s2s"):
            setattr(new, key, value)
    return new


def batch(c, size):
    """Rewrite the Compilation's forward statements and return for a batch of `size`
    (tangent_pipeline.py's tangent stage calls this when asked for a batch)."""
    batcher = Batcher(c.transform, c.kinds, size, c.modules["np"], c.namespace)
    c.forward = batcher.statements(c.forward)
    c.returns = ast.Return(ast.Tuple([c.returns.value.elts[0],
                                      batcher.result(c.returns.value.elts[1])], ast.Load()))
