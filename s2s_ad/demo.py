"""`python -m s2s_ad demo`: the lecture's reverse-mode example, end to end.

It prints the forward primal trace and the reverse adjoint trace with every value (as
the lecture's table does), then the lean gradient source s2s_ad generates, then a check
against central finite differences.
"""
import ast

from .api import value_and_grad
from .check import central_difference
from .compiler import GradientCompiler
from .examples import lecture_trace

POINT = (2.0, 5.0)


def traced_values(source, params, args):
    """Run a generated straight-line function statement by statement and yield
    (statement text, value) for each assignment: the rows of the trace table."""
    fn = ast.parse(source).body[0]
    scope = dict(zip(params, args))
    namespace = dict(lecture_trace.__globals__)
    for stmt in fn.body:
        if isinstance(stmt, ast.Assign):
            exec(compile(ast.Module([stmt], []), "<demo>", "exec"), namespace, scope)
            yield ast.unparse(stmt), scope[stmt.targets[0].id]


def table(title, rows):
    print(title)
    width = max(len(text) for text, _ in rows) + 4
    for text, value in rows:
        print(f"  {text:<{width}} = {value:.4f}")
    print()


def main():
    print("f(x1, x2) = ln(x1) + x1*x2 - sin(x2)   at (x1, x2) = (2, 5)\n")
    explicit = GradientCompiler(lecture_trace, (0, 1), with_value=True).compile(POINT, lean=False)
    rows = list(traced_values(explicit.source, ["x1", "x2"], POINT))
    split = next(i for i, (text, _) in enumerate(rows) if "_bar" in text.split("=")[0])
    forward = [(p, v) for p, v in zip(["x1", "x2"], POINT)] + rows[:split]
    forward.append((f"y = {forward[-1][0].split()[0]}", forward[-1][1]))
    table("Forward primal trace", forward)
    table("Reverse adjoint trace (one statement per contribution, as in the lecture)",
          rows[split:])

    f = value_and_grad(lecture_trace, argnums=(0, 1))
    value, (x1_bar, x2_bar) = f(*POINT)
    print("Generated code (value_and_grad, lean form that s2s_ad runs):\n")
    print(f.source)
    print(f"y = {value:.3f}   x1_bar = {x1_bar:.4f}   x2_bar = {x2_bar:.4f}\n")

    fd = [central_difference(lecture_trace, POINT, i) for i in (0, 1)]
    print("Check against central finite differences:")
    for name, ad, d in zip(("x1_bar", "x2_bar"), (x1_bar, x2_bar), fd):
        print(f"  {name}: s2s_ad {ad:.12f}   finite differences {d:.12f}   "
              f"relative difference {abs(ad - d) / abs(d):.1e}")
