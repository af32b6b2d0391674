"""`python -m s2s_ad demo trace`: the lecture's reverse-mode example, end to end.

It prints the forward primal trace and the reverse adjoint trace with every value (as
the lecture's table does), then the lean gradient source s2s_ad generates, then a check
against central finite differences.
"""
from ..api import value_and_grad
from ..check import central_difference
from ..examples import lecture_trace
from ..trace_tables import trace_table
from .text import say

POINT = (2.0, 5.0)


def run(brief=False):
    """`brief` changes nothing here: the trace example is the demo's core."""
    print("f(x1, x2) = ln(x1) + x1*x2 - sin(x2)   at (x1, x2) = (2, 5)\n")
    table = trace_table(lecture_trace, *POINT)
    print(table)
    explain(table)

    f = value_and_grad(lecture_trace, argnums=(0, 1))
    value, (x1_bar, x2_bar) = f(*POINT)
    print("Generated code (value_and_grad, lean form that s2s_ad runs):\n")
    print(f.source)
    print(f"y = {value:.3f}   x1_bar = {x1_bar:.4f}   x2_bar = {x2_bar:.4f}\n")
    say("The lean code computes the same sums folded together: x1_bar = 1.0 / x1 + x2 "
        "is the table's z1_bar / x1 + z2_bar * x2 with z1_bar = z2_bar = 1, and x2_bar "
        "= x1 - math.cos(x2) is z2_bar * x1 + z4_bar * cos(x2) with z4_bar = -1.")
    print()

    fd = [central_difference(lecture_trace, POINT, i) for i in (0, 1)]
    print("Check against central finite differences:")
    for name, ad, d in zip(("x1_bar", "x2_bar"), (x1_bar, x2_bar), fd):
        print(f"  {name}: s2s_ad {ad:.12f}   finite differences {d:.12f}   "
              f"relative difference {abs(ad - d) / abs(d):.1e}")
    return table


def explain(table):
    """The table in words, with its own numbers."""
    writes = {}
    for row in table.reverse:
        writes.setdefault(row.name, []).append(row)
    x1, x2 = writes["x1_bar"], writes["x2_bar"]
    say(f"x1_bar = {x1[-1].value:.4f} is ∂y/∂x1 and x2_bar = {x2[-1].value:.4f} is "
          "∂y/∂x2: the adjoint of an input is the derivative of the output with respect "
          "to it (the lecture's x̄1 = 5.5, x̄2 = 1.716).")
    times = {1: "once", 2: "twice"}.get(len(x2), f"{len(x2)} times")
    say(f"x2_bar is written {times} because x2 is used twice (in x1 * x2 and in "
          f"sin(x2)): each use adds one contribution, "
          + " + ".join(f"{r.contribution:.4f}" for r in x2)
          + f" = {x2[-1].value:.4f}; x1_bar likewise ("
          + " + ".join(f"{r.contribution:.4f}" for r in x1) + ").")
    say("The lecture evaluates sin(x2) as v3 before the sum v4; Python evaluates "
          "a + b - c left to right, so here the sum is z3 and sin(x2) is z4. The values "
          "are the lecture's.")
    print()
