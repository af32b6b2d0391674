"""Rules for Python's operators and for copies; they apply to numbers and arrays alike."""
import ast

from . import ATTRIBUTE, BINOP, UNARY, defop

# Elementwise arithmetic. `broadcasts` makes the reverse transform sum each
# contribution over the axes along which NumPy broadcast that argument.
defop(BINOP, ast.Add, "add", "x, y", broadcasts=True, x="g", y="g")
defop(BINOP, ast.Sub, "sub", "x, y", broadcasts=True, x="g", y="-g")
defop(BINOP, ast.Mult, "mul", "x, y", broadcasts=True, x="g * y", y="g * x")
defop(BINOP, ast.Div, "truediv", "x, y", broadcasts=True, x="g / y", y="-g * ans / y")
defop(BINOP, ast.Pow, "pow", "x, y", broadcasts=True,
      x="g * y * x ** (y - 1)",
      y=lambda info: f"g * ans * {info.lib}.log(x)")
defop(BINOP, ast.Mod, "mod", "x, y", broadcasts=True, x="g", y="-g * ((x - ans) / y)")
defop(BINOP, ast.FloorDiv, "floordiv", "x, y", zero_grad=True)
defop(UNARY, ast.USub, "neg", "x", x="-g")
defop(UNARY, ast.UAdd, "pos", "x", x="g")


def _matmul_adjoint(which):
    """Adjoint of x @ y for 1-D and 2-D operands (batched matmul: see numpy_rules)."""
    def template(info):
        x, y = info.kind("x"), info.kind("y")
        xd = len(x.shape) if x is not None else 2
        yd = len(y.shape) if y is not None else 2
        if which == "x":
            return {(1, 1): "g * y", (2, 1): "np.outer(g, y)",
                    (1, 2): "y @ g", (2, 2): "g @ y.T"}.get((xd, yd), "g @ np.swapaxes(y, -1, -2)")
        return {(1, 1): "g * x", (2, 1): "x.T @ g",
                (1, 2): "np.outer(x, g)", (2, 2): "x.T @ g"}.get((xd, yd), "np.swapaxes(x, -1, -2) @ g")
    return template


defop(BINOP, ast.MatMult, "matmul", "x, y", x=_matmul_adjoint("x"), y=_matmul_adjoint("y"))

# `b = a`: a copy in the trace, so that every statement has one primitive.
defop("copy", None, "copy", "x", x="g")
# Array attributes.
defop(ATTRIBUTE, "T", "transpose (.T)", "x", x="g.T")
