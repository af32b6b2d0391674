"""`python -m s2s_ad demo graph`: the lecture's computation-graph example.

f(w1, w2) = (sin(2π w1/w2) + 3 w1/w2 - exp(2 w2)) · (3 w1/w2 - exp(2 w2)), numbered as
the lecture numbers it (z1 = w1/w2, z2 = sin(2π z1), z3 = exp(2 w2), z4 = 3 z1 - z3,
z5 = z2 + z4, z6 = z5 · z4), then the six adjoint steps dz6/dz_t by the lecture's rule
"sum over the children c of t of dz6/dz_c · ∂z_c/∂z_t", each beside the adjoint s2s_ad's
generated code computes, and the gradient against the analytic one.
"""
import math

from ..api import grad
from ..examples import lecture_graph, lecture_graph_steps
from ..trace_tables import trace_table
from .text import say

POINT = (0.5, 1.5)


def analytic_gradient(w1, w2):
    """∂f/∂w1 and ∂f/∂w2 by hand, from the formula f = a · b."""
    a = math.sin(2 * math.pi * w1 / w2) + 3 * w1 / w2 - math.exp(2 * w2)
    b = 3 * w1 / w2 - math.exp(2 * w2)
    da_dw1 = math.cos(2 * math.pi * w1 / w2) * 2 * math.pi / w2 + 3 / w2
    da_dw2 = (math.cos(2 * math.pi * w1 / w2) * (-2 * math.pi * w1 / w2 ** 2)
              - 3 * w1 / w2 ** 2 - 2 * math.exp(2 * w2))
    db_dw1 = 3 / w2
    db_dw2 = -3 * w1 / w2 ** 2 - 2 * math.exp(2 * w2)
    return da_dw1 * b + a * db_dw1, da_dw2 * b + a * db_dw2


def adjoint_steps(z, w1, w2):
    """The lecture's six steps (1)-(6), from the primal values z[1..6]: a list of
    (step, formula, value), then the gradient (∂f/∂w1, ∂f/∂w2)."""
    d = {6: 1.0}
    d[5] = d[6] * z[4]                                   # ∂z6/∂z5 = z4
    d[4] = d[5] * 1.0 + d[6] * z[5]                      # ∂z5/∂z4 = 1, ∂z6/∂z4 = z5
    d[3] = d[4] * -1.0                                   # ∂z4/∂z3 = -1
    d[2] = d[5] * 1.0 + d[6] * 0.0                       # ∂z5/∂z2 = 1, ∂z6/∂z2 = 0
    d[1] = d[2] * 2 * math.pi * math.cos(2 * math.pi * z[1]) + d[4] * 3.0
    steps = [
        (6, "dz6/dz6 = 1", d[6]),
        (5, "dz6/dz5 = dz6/dz6 · ∂z6/∂z5 = 1 · z4", d[5]),
        (4, "dz6/dz4 = dz6/dz5 · ∂z5/∂z4 + dz6/dz6 · ∂z6/∂z4 = dz6/dz5 · 1 + 1 · z5", d[4]),
        (3, "dz6/dz3 = dz6/dz4 · ∂z4/∂z3 = dz6/dz4 · (-1)", d[3]),
        (2, "dz6/dz2 = dz6/dz5 · ∂z5/∂z2 + dz6/dz6 · ∂z6/∂z2 = dz6/dz5 · 1 + 1 · 0", d[2]),
        (1, "dz6/dz1 = dz6/dz2 · ∂z2/∂z1 + dz6/dz4 · ∂z4/∂z1 "
            "= dz6/dz2 · 2π cos(2π z1) + dz6/dz4 · 3", d[1]),
    ]
    gradient = (d[1] / w2, d[1] * (-w1 / w2 ** 2) + d[3] * 2 * math.exp(2 * w2))
    return steps, gradient


def run(brief=False):
    w1, w2 = POINT
    print(f"f(w1, w2) = (sin(2π w1/w2) + 3 w1/w2 - exp(2 w2)) · (3 w1/w2 - exp(2 w2))   "
          f"at (w1, w2) = ({w1}, {w2})\n")
    table = trace_table(lecture_graph_steps, *POINT)
    if brief:
        print("The lecture's nodes, as s2s_ad traces them:")
        for row in table.forward:
            print(f"  {row.text:<28} = {row.value:12.4f}   {row.kind}")
    else:
        print(table)
    print()
    say("The slide's last step reads z6 = z5 · z3, but its formula multiplies by "
        "(3 w1/w2 - exp(2 w2)) = z4: this demo follows the formula, z6 = z5 · z4. Its "
        "step (6) likewise sums over z1's children z2 and z4 (the slide names z3, which "
        "does not depend on z1).")
    print()
    z = {int(r.name[1:]): r.value for r in table.forward}
    steps, by_hand = adjoint_steps(z, w1, w2)
    adjoints = {r.name: r.value for r in table.reverse}       # the last write wins
    print("The six adjoint steps (lecture's numbering), beside s2s_ad's adjoints:")
    for number, (t, formula, value) in enumerate(steps, 1):
        generated = adjoints[f"z{t}_bar"]
        print(f"  ({number}) {formula}\n        = {value:.6f}    s2s_ad z{t}_bar = "
              f"{generated:.6f}")
    print(f"  then df/dw1 = dz6/dz1 · ∂z1/∂w1 = dz6/dz1 / w2 = {by_hand[0]:.6f}")
    print(f"       df/dw2 = dz6/dz1 · ∂z1/∂w2 + dz6/dz3 · ∂z3/∂w2 = {by_hand[1]:.6f}\n")

    analytic = analytic_gradient(w1, w2)
    generated = tuple(table.gradient.values())
    one_line = grad(lecture_graph, argnums=(0, 1))(w1, w2)
    print("Check against the analytic gradient:")
    print(f"  {'':<8} {'six steps':>18} {'s2s_ad, z1..z6':>18} {'s2s_ad, one line':>18} "
          f"{'analytic':>18}")
    for i, name in enumerate(("df/dw1", "df/dw2")):
        print(f"  {name:<8} {by_hand[i]:>18.10f} {generated[i]:>18.10f} "
              f"{one_line[i]:>18.10f} {analytic[i]:>18.10f}")
    return {"table": table, "steps": steps, "by_hand": by_hand, "analytic": analytic,
            "generated": generated, "one_line": one_line}
