"""`python -m s2s_ad demo cost`: Baur–Strassen, measured.

The theorem: if f takes T operations of the computation model, reverse mode computes
the whole gradient in O(T). For each example this counts the operations of f (the
forward trace) and of its gradient (forward sweep + reverse sweep), in statements and
in flops (arrays count their elements; a matrix product 2·m·k·n), in the explicit code
the lecture writes and in the lean code s2s_ad runs, and compares the ratio
gradient/function with the theorem's constant and with central finite differences,
which need 2d evaluations of f for d inputs. Then it times all three.
"""
import time

import numpy as np

from ..api import value_and_grad
from ..check import central_difference
from ..examples import lecture_graph, lecture_network, lecture_trace, logistic_loss
from ..trace_tables import trace_table
from .text import say

# The constant the ratio is compared with. Baur and Strassen prove 3 for the
# multiplications and divisions of a rational function; counting every operation, the
# usual operation-count analyses of reverse mode give a small constant, at most 5.
BAUR_STRASSEN = 5


def examples(brief=False):
    """(label, function, args, argnums) for the demo functions and the network."""
    rng = np.random.default_rng(0)
    m, d = (8, 5) if brief else (32, 20)
    net = (rng.standard_normal((m, d)) / np.sqrt(d), rng.standard_normal((m, m)) / np.sqrt(m),
           rng.standard_normal(m) / np.sqrt(m), rng.standard_normal(d), 1.0)
    n, p = (50, 5) if brief else (500, 20)
    X = rng.standard_normal((n, p))
    y = np.sign(X @ rng.standard_normal(p))
    return [("trace example", lecture_trace, (2.0, 5.0), (0, 1)),
            ("graph example", lecture_graph, (0.5, 1.5), (0, 1)),
            (f"network m={m}, d={d}", lecture_network, net, (0, 1, 2)),
            (f"logistic loss n={n}, d={p}", logistic_loss, (np.zeros(p), X, y), 0)]


def count(f, args, argnums):
    """Operation counts of f and of its gradient, explicit and lean code."""
    explicit = trace_table(f, *args, argnums=argnums)
    lean = trace_table(f, *args, argnums=argnums, lean=True)
    c, k = explicit.counts, lean.counts
    inputs = sum(int(np.size(args[i])) for i in np.atleast_1d(argnums))
    return {
        "inputs": inputs,
        "f_statements": c["forward_statements"], "f_flops": c["forward_flops"],
        "explicit_statements": c["forward_statements"] + c["reverse_statements"],
        "explicit_flops": c["forward_flops"] + c["reverse_flops"],
        "lean_statements": k["forward_statements"] + k["reverse_statements"],
        "lean_flops": k["forward_flops"] + k["reverse_flops"],
    }


def timings(f, args, argnums, repeat):
    """Seconds per call: f, s2s_ad's value_and_grad, central differences (fewer
    calls of those when d is large: each costs 2d evaluations of f)."""
    gradient = value_and_grad(f, argnums=argnums)
    gradient(*args)

    def per_call(call, times):
        start = time.perf_counter()
        for _ in range(times):
            call()
        return (time.perf_counter() - start) / times
    nums = np.atleast_1d(argnums)
    inputs = sum(int(np.size(args[i])) for i in nums)
    return (per_call(lambda: f(*args), repeat), per_call(lambda: gradient(*args), repeat),
            per_call(lambda: [central_difference(f, args, int(i)) for i in nums],
                     max(1, min(repeat, 400 // inputs))))


def run(brief=False):
    rows = []
    print(f"{'example':<28} {'d':>5} {'f ops':>8} {'∇f ops':>8} {'ratio':>6} "
          f"{'f flops':>8} {'∇f flops':>9} {'ratio':>6} {'lean':>6} {'FD 2d':>6}")
    for label, f, args, argnums in examples(brief):
        c = count(f, args, argnums)
        c["label"] = label
        c["ratio_statements"] = c["explicit_statements"] / c["f_statements"]
        c["ratio_flops"] = c["explicit_flops"] / max(c["f_flops"], 1)
        c["ratio_lean_flops"] = c["lean_flops"] / max(c["f_flops"], 1)
        rows.append(c)
        print(f"{label:<28} {c['inputs']:>5} {c['f_statements']:>8} "
              f"{c['explicit_statements']:>8} {c['ratio_statements']:>6.2f} "
              f"{c['f_flops']:>8} {c['explicit_flops']:>9} {c['ratio_flops']:>6.2f} "
              f"{c['ratio_lean_flops']:>6.2f} {2 * c['inputs']:>6}")
    print()
    say(f"ratio = (forward + reverse sweep) / f, counted in the explicit generated code; "
        f"lean = the same in flops for the code s2s_ad runs. The theorem bounds the ratio "
        f"by a constant whatever d is: Baur and Strassen prove 3 for the multiplications "
        f"and divisions of a rational function; counting every operation the usual "
        f"analyses give at most {BAUR_STRASSEN}. Central finite differences need 2d "
        f"evaluations of f, a ratio of 2d.")
    print()
    repeat = 20 if brief else 200
    print(f"Measured time per call ({repeat} calls each; numbers vary by machine):")
    print(f"{'example':<28} {'f':>10} {'value_and_grad':>15} {'ratio':>6} "
          f"{'central FD':>11} {'ratio':>7}")
    for c, (label, f, args, argnums) in zip(rows, examples(brief)):
        t_f, t_grad, t_fd = timings(f, args, argnums, repeat)
        c.update(time_f=t_f, time_grad=t_grad, time_fd=t_fd)
        print(f"{label:<28} {t_f * 1e6:>8.1f}µs {t_grad * 1e6:>13.1f}µs "
              f"{t_grad / t_f:>6.1f} {t_fd * 1e6:>9.1f}µs {t_fd / t_f:>7.1f}")
    print()
    say("Times include Python's and numpy's per-call overhead: on small inputs they "
        "follow the statement counts, on large arrays the flops. Finite differences grow "
        "with d; the gradient does not.")
    return rows
