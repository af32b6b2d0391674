"""The scalar-loop rewrites (s2s_ad/scalar_loops.py, float_reads.py, dispatch_inline.py)
measured side by side in one process: grad / f with S2S_AD_OPTIMISE=0 (the plain code)
and with the rewrites, both called through the public gradient object (dispatch
included), round-robin, on the benchmark programs.

    python benchmarks/scalar_loops.py            # ~30 s
    python benchmarks/scalar_loops.py --quick    # a smoke test

Times are CPU time of this thread (time.thread_time), the minimum over rounds: on a
shared machine wall-clock times mostly measure the other processes. Also the
suite's "scalar_loops" section (benchmarks/run.py).
"""
import argparse
import os
import sys
import time
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import (lecture_f, lecture_f_grad, oscillator,    # noqa: E402
                              oscillator_grad, oscillator_grad_rearranged, rosenbrock)
from s2s_ad import grad                                                 # noqa: E402
from s2s_ad.bench import machine                                        # noqa: E402


def cases():
    x = np.random.default_rng(0).uniform(-1.0, 1.5, 100)
    return [("lecture f(x1,x2)", lecture_f, (2.0, 5.0), (0, 1)),
            ("Rosenbrock loop, n = 100", rosenbrock, (x,), 0),
            ("oscillator, 200 Euler steps", oscillator, (4.0, 0.5), (0, 1))]


def gradients(f, argnums, args):
    """The plain and the optimised gradient objects, compiled and called once."""
    made = {}
    before = os.environ.get("S2S_AD_OPTIMISE")
    try:
        for setting in ("0", "1"):
            os.environ["S2S_AD_OPTIMISE"] = setting
            g = grad(f, argnums=argnums)
            g(*args)
            made[setting] = g
    finally:
        if before is None:
            os.environ.pop("S2S_AD_OPTIMISE", None)
        else:
            os.environ["S2S_AD_OPTIMISE"] = before
    return made["0"], made["1"]


def measure(funs, args, rounds):
    """{name: min seconds per call} over `rounds` round-robin rounds."""
    number = max(1, int(2e-3 / max(timeit.timeit(lambda: funs["f"](*args), number=3) / 3,
                                   1e-9)))
    best = {k: float("inf") for k in funs}
    for _ in range(rounds):
        for k, fun in funs.items():
            t = timeit.Timer(lambda: fun(*args), timer=time.thread_time).timeit(number)
            best[k] = min(best[k], t / number)
    return best


# Hand-written gradients timed alongside: the CPython floor. "same operations" computes
# what s2s_ad's code computes, in the same order (the same bits); "rearranged" uses
# algebra for fewer operations (other rounding).
HAND = {"lecture f(x1,x2)": {"by hand": lecture_f_grad},
        "oscillator, 200 Euler steps": {"same operations": oscillator_grad,
                                        "rearranged": oscillator_grad_rearranged}}

TARGETS = {"lecture f(x1,x2)": 1.0, "Rosenbrock loop, n = 100": 1.5,
           "oscillator, 200 Euler steps": 1.5}      # issue 11: grad / f, dispatch included


def rows(rounds, with_jax=True):
    """One dict per case: f, plain and optimised gradient times (thread CPU, min), and
    JAX jit's gradient time over f's (same source; fori_loop rewrite where the case
    has a loop), wall clock, when JAX is installed and `with_jax`."""
    out = []
    for name, f, args, argnums in cases():
        plain, fast = gradients(f, argnums, args)
        same = all(np.array_equal(a, b) for a, b in
                   zip(np.atleast_1d(plain(*args)), np.atleast_1d(fast(*args))))
        hand = HAND.get(name, {})
        best = measure({"f": f, "plain": plain, "fast": fast, **hand}, args, rounds)
        row = {"name": name, "target": TARGETS[name], "bit_for_bit": bool(same),
               "hand": {k: best.pop(k) / best["f"] for k in hand}, **best}
        if with_jax:
            row["jax"] = jax_ratios(f, args, argnums, rounds)
        out.append(row)
    return out


def jax_ratios(f, args, argnums, rounds):
    """{kind: JAX gradient time / f time} for 'jit' (same source) and 'fori_loop'
    (where there is a rewrite), min over interleaved rounds of wall-clock loops: XLA
    may run on threads of its own, which the thread CPU clock would not see. None
    when JAX is not installed."""
    from benchmarks import jax_loops
    if not jax_loops.available():
        return None
    funs = {"f": (f, args)}
    for kind in ("jit", "fori_loop"):
        if kind == "fori_loop" and f not in jax_loops.FORI:
            continue
        call, call_args, _ = jax_loops.gradient(kind, f, args, argnums)
        funs[kind] = (call, call_args)
    number = {k: max(1, int(2e-3 / max(timeit.timeit(lambda fn=fn, a=a: fn(*a), number=3) / 3,
                                       1e-9))) for k, (fn, a) in funs.items()}
    best = {k: float("inf") for k in funs}
    for _ in range(rounds):
        for k, (fn, a) in funs.items():
            best[k] = min(best[k], timeit.timeit(lambda: fn(*a), number=number[k]) / number[k])
    return {k: best[k] / best["f"] for k in funs if k != "f"}


def table(rows):
    lines = ["| benchmark | f | grad, plain | grad / f, plain | grad, optimised "
             "| grad / f, optimised | target | same numbers | hand-written / f "
             "| JAX jit / f, same source | JAX jit / f, fori_loop |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["fast"] / r["f"]
        jax = r.get("jax")
        if jax is None:
            jax_cells = ["not run" if "jax" not in r else "not installed"] * 2
        else:
            jax_cells = [f"{jax[k]:.2f}" if k in jax else "no loop" for k in ("jit", "fori_loop")]
        lines.append(f"| {r['name']} | {_time(r['f'])} | {_time(r['plain'])} "
                     f"| {r['plain'] / r['f']:.2f} | {_time(r['fast'])} "
                     f"| {ratio:.2f} | ≤ {r['target']} ({'met' if ratio <= r['target'] else 'missed'}) "
                     f"| {'bit for bit' if r['bit_for_bit'] else 'to the ulp'} "
                     f"| {_hand_cell(r.get('hand'))} "
                     f"| {' | '.join(jax_cells)} |")
    lines += ["", "s2s_ad times: CPU time of this thread, min over rounds, called through the "
              "gradient object (dispatch included); plain = S2S_AD_OPTIMISE=0. Hand-written: "
              "called directly, same clock; \"same operations\" gives s2s_ad's bits, "
              "\"rearranged\" fewer operations by algebra (other rounding). JAX columns: "
              "wall clock, min over rounds, against f timed alongside (XLA may use threads "
              "of its own); \"not run\" in --quick."]
    return "\n".join(lines)


def section(quick, out=None, progress=None):
    """(markdown, data) for the suite (benchmarks/run.py)."""
    data = rows(5 if quick else 60, with_jax=not quick)
    targets = [{"what": f"{r['name']}: grad / f, optimised, dispatch included",
                "target": r["target"], "measured": r["fast"] / r["f"]} for r in data]
    return table(data), {"rows": data, "targets": targets}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args(argv).quick
    print(machine.line(machine.info()))
    print()
    print(table(rows(5 if quick else 60, with_jax=not quick)))


def _hand_cell(hand):
    return "; ".join(f"{k} {v:.2f}" for k, v in hand.items()) if hand else "–"


def _time(seconds):
    return f"{seconds * 1e9:.0f} ns" if seconds < 1e-6 else f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    main()
