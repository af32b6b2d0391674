"""Rules for Python's operators and for copies; they apply to numbers and arrays alike."""
import ast

from . import ATTRIBUTE, BINOP, COMPARE, UNARY, defop
from .powers import power_x, power_y

# Elementwise arithmetic. `broadcasts` makes the reverse transform sum each
# contribution over the axes along which NumPy broadcast that argument.
defop(BINOP, ast.Add, "add", "x, y", broadcasts=True, x="g", y="g")
defop(BINOP, ast.Sub, "sub", "x, y", broadcasts=True, x="g", y="-g")
defop(BINOP, ast.Mult, "mul", "x, y", broadcasts=True, x="g * y", y="g * x")
def _div_y(info):
    """d(x/y)/dy = -ans / y; for 1/y (a sigmoid) that is -ans * ans: two multiplications
    instead of a division, which is several times slower on arrays."""
    if info.get("x") == 1:
        return "-g * ans * ans"
    return "-g * ans / y"


defop(BINOP, ast.Div, "truediv", "x, y", broadcasts=True, x="g / y", y=_div_y)
defop(BINOP, ast.Pow, "pow", "x, y", broadcasts=True, x=power_x, y=power_y)
defop(BINOP, ast.Mod, "mod", "x, y", broadcasts=True, x="g", y="-g * ((x - ans) / y)")
defop(BINOP, ast.FloorDiv, "floordiv", "x, y", zero_grad=True)
defop(UNARY, ast.USub, "neg", "x", x="-g")
defop(UNARY, ast.UAdd, "pos", "x", x="g")


# x @ y lives with the linear algebra rules (numpy_linalg).

# `b = a`: a copy in the trace, so that every statement has one primitive.
defop("copy", None, "copy", "x", x="g")
# Array attributes.
defop(ATTRIBUTE, "T", "transpose (.T)", "x", x="g.T")

# Comparisons and boolean logic: piecewise constant, so never active.
for _op, _name in [(ast.Lt, "lt"), (ast.LtE, "le"), (ast.Gt, "gt"), (ast.GtE, "ge"),
                   (ast.Eq, "eq"), (ast.NotEq, "ne")]:
    defop(COMPARE, _op, _name, "x, y", zero_grad=True)
for _op, _name in [(ast.BitAnd, "and_"), (ast.BitOr, "or_"), (ast.BitXor, "xor")]:
    defop(BINOP, _op, _name, "x, y", zero_grad=True)
defop(UNARY, ast.Invert, "invert", "x", zero_grad=True)
defop(UNARY, ast.Not, "not_", "x", zero_grad=True)
# Array metadata: shapes and sizes are integers, never active.
for _attr in ("shape", "ndim", "size", "dtype"):
    defop(ATTRIBUTE, _attr, f".{_attr}", "x", zero_grad=True)
