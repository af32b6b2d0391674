"""Packaging the gradients the reverse sweep computed into what `grad` returns.

JAX's convention: each gradient has its input's type and shape: a float for a Python
number, a new writable array of the input's dtype for an array. Adjoints that are
already fresh arrays (built by arithmetic) are returned as they are; a parameter, a
forward value, a read-only broadcast view or an array another gradient returns is
copied.
"""
import ast

import numpy as np

from .simplify import number


class Gradients:
    def __init__(self, sweep):
        self.sweep = sweep
        self.kinds = sweep.kinds
        self.modules = sweep.modules
        self.helpers = sweep.helpers
        self.trace_names = sweep.trace.locals | set(sweep.trace.params)

    def expressions(self, wrt):
        """One expression per differentiated parameter, in `wrt` order."""
        out, owners = [], set()
        for p in wrt:
            kind = self.kinds.get(p)
            expr = self.sweep.finish(p) if p in self.sweep.activity else None
            if expr is None:
                expr = self.zero(p, kind)
            elif kind is not None and kind.is_python_number and not (
                    self._all_floats() and self._surely_float(expr)):
                expr = ast.Call(ast.Name("float", ast.Load()), [expr], [])
            elif kind is not None and kind.is_array:
                expr = self._fresh(expr, kind, owners)
            out.append(expr)
        return out

    def _fresh(self, expr, kind, owners):
        """Make an array gradient a new writable array of the input's shape and dtype.
        Adjoints built by arithmetic are fresh already; a parameter or forward value, a
        read-only broadcast view, or an array another gradient returns is copied; 0-d
        results (NumPy scalars) and non-float64 dtypes go through np.asarray."""
        np_name = ast.Name(self.modules["np"], ast.Load())
        dtype = ast.Attribute(np_name, np.dtype(kind.dtype).name, ast.Load())
        if number(expr) is not None:
            return ast.Call(ast.Attribute(np_name, "full", ast.Load()),
                            [ast.Constant(kind.shape), expr], [ast.keyword("dtype", dtype)])
        definitions = {st.targets[0].id: st.value for st in self.sweep.out
                       if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name)}
        owner = _fresh_owner(expr, definitions, self.modules["np"])
        if owner is None or owner in owners:
            return ast.Call(ast.Attribute(np_name, "array", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        owners.add(owner)
        if kind.shape == () or np.dtype(kind.dtype) != np.float64:
            return ast.Call(ast.Attribute(np_name, "asarray", ast.Load()), [expr],
                            [ast.keyword("dtype", dtype)])
        return expr


    def zero(self, param, kind):
        if kind is not None and kind.is_python_number:
            return ast.Constant(0.0)
        if kind is not None and kind.is_array:
            np_name = ast.Name(self.modules["np"], ast.Load())
            return ast.Call(ast.Attribute(np_name, "zeros_like", ast.Load()),
                            [ast.Name(param, ast.Load())], [])
        return ast.Call(ast.Name(self.helpers["zeros_like"], ast.Load()),
                        [ast.Name(param, ast.Load())], [])

    def _all_floats(self):
        """True when every active value is a Python float, so adjoint variables are."""
        return all(self.kinds.get(v) is not None and self.kinds[v].pytype is float
                   for v in self.sweep.activity.active)

    def _surely_float(self, expr):
        """Is this expression a Python float whatever the values? A gradient of a
        number is a float, but `b` in d(a * b)/da may be an int."""
        if isinstance(expr, ast.Constant):
            return type(expr.value) is float
        if isinstance(expr, ast.Name):
            if expr.id in self.trace_names:
                kind = self.kinds.get(expr.id)
                return kind is not None and kind.pytype is float
            return True         # an adjoint variable (a float when _all_floats)
        if isinstance(expr, ast.UnaryOp):
            return self._surely_float(expr.operand)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Div):
                return True
            if isinstance(expr.op, ast.Pow):
                return self._surely_float(expr.left)
            return self._surely_float(expr.left) or self._surely_float(expr.right)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            base = expr.func.value
            return isinstance(base, ast.Name) and base.id == self.modules.get("math")
        return False


_ALLOCATING = {"full_like", "full", "zeros", "ones", "outer", "einsum", "tensordot", "where",
               "sum", "mean", "matmul", "dot", "inner", "concatenate", "stack", "sign",
               "scatter", "scatter_add", "copy", "zeros_like"}
_VIEWS = {"reshape", "transpose", "swapaxes", "expand_dims", "squeeze", "moveaxis", "T", "flip"}


def _fresh_owner(expr, definitions, np_name):
    """The name (or expression dump) that owns the new array `expr` evaluates to, or
    None when `expr` may be an input, a forward value or a read-only view."""
    if isinstance(expr, ast.Name):
        value = definitions.get(expr.id)
        if value is None:
            return None
        inner = _fresh_owner(value, definitions, np_name)
        return inner if inner is None or isinstance(value, ast.Name) else expr.id
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        return ast.dump(expr)
    if isinstance(expr, ast.Attribute) and expr.attr in _VIEWS:
        return _fresh_owner(expr.value, definitions, np_name)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        func = expr.func
        on_module = isinstance(func.value, ast.Name) and func.value.id == np_name
        if func.attr in _VIEWS:
            base = expr.args[0] if on_module and expr.args else func.value
            return None if on_module and not expr.args else \
                _fresh_owner(base, definitions, np_name)
        if func.attr in _ALLOCATING:
            return ast.dump(expr)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
            and expr.func.id in _ALLOCATING:
        return ast.dump(expr)           # a runtime helper
    return None

