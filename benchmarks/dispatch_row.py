"""What a call of a gradient costs besides the gradient itself: the dispatcher (find the
compiled code for the arguments' signature, check that nothing it was built from was
rebound), and `grad(f)` made afresh on every call, as in `grad(loss)(w, X, y)` written
inside a training loop (the global cache answers it).

    python benchmarks/dispatch_row.py            # ~15 s
    python benchmarks/dispatch_row.py --quick    # a smoke test, ~2 s

Prints one Markdown table: for each function, f itself, the compiled gradient called
directly, the same through the dispatcher, `grad(f)` re-created per call, and the
ratios. Beside the re-created ratio, its floor: the same statement with `grad` replaced
by a function of the same signature that checks nothing and returns the reused object
(a Python call with a keyword argument costs that much before any check). Times are the min and the median over repeats of timeit loops (ns per call);
the machine may be shared, so compare mins. Also the suite's "dispatch" section
(benchmarks/run.py).
"""
import argparse
import math
import statistics
import sys
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import least_squares, lecture_f                   # noqa: E402
from s2s_ad import grad                                                 # noqa: E402


def square(x):
    return x * x


def cases():
    rng = np.random.default_rng(11)
    X, y, w = rng.normal(size=(20, 5)), rng.normal(size=20), rng.normal(size=5)
    return [("f(x) = x * x", square, (3.0,), 0),
            ("lecture f(x1, x2)", lecture_f, (2.0, 5.0), (0, 1)),
            ("least squares, n=20, d=5", least_squares, (w, X, y), 0)]


def _unchecked(reused):
    """A stand-in for `grad` with its signature that returns `reused` without a test:
    the cost of the call itself, the floor of any `grad(f)` answered from a cache."""
    def grad(fun=None, argnums=0, has_aux=False, kinks=None):
        return reused
    return grad


def measure(name, f, args, argnums, number, repeats):
    """Each variant timed as a timeit statement (no lambda in the loop), the variants
    interleaved repeat by repeat so that a busy moment of the machine hits them all."""
    reused = grad(f, argnums=argnums)
    reused(*args)
    compiled = reused.compile(*args)        # the generated function, no dispatcher
    names = {"f": f, "compiled": compiled, "reused": reused, "grad": grad,
             "unchecked": _unchecked(reused),
             "argnums": argnums, **{f"a{i}": a for i, a in enumerate(args)}}
    call = ", ".join(f"a{i}" for i in range(len(args)))
    statements = {"f": f"f({call})", "compiled": f"compiled({call})",
                  "dispatched": f"reused({call})",
                  "recreated": f"grad(f, argnums=argnums)({call})",
                  "floor": f"unchecked(f, argnums=argnums)({call})"}
    timers = {k: timeit.Timer(v, globals=names) for k, v in statements.items()}
    samples = {k: [] for k in statements}
    for _ in range(repeats):
        for key, timer in timers.items():
            samples[key].append(timer.timeit(number) / number * 1e9)
    row = {"name": name, "scalar": all(isinstance(a, float) for a in args)}
    row.update({k: (min(v), statistics.median(v)) for k, v in samples.items()})
    return row


TARGETS = {"dispatch": 150.0, "recreated": 2.0}     # issue 11: ns per call; × reused


def table(rows):
    lines = ["| function | f | gradient, direct | through the dispatcher | dispatch "
             "(ns/call) | grad(f) re-created per call | grad/f | re-created/reused "
             "| its floor (a call that checks nothing) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        def cell(key):
            low, mid = r[key]
            return f"{low:,.0f} ({mid:,.0f})"
        dispatch = r["dispatched"][0] - r["compiled"][0]
        recreated = r["recreated"][0] / r["dispatched"][0]
        lines.append(f"| {r['name']} | {cell('f')} | {cell('compiled')} | {cell('dispatched')} "
                     f"| {dispatch:,.0f}{_mark(dispatch, 'dispatch') if r['scalar'] else ''} | {cell('recreated')} "
                     f"| {r['dispatched'][0] / r['f'][0]:.2f} "
                     f"| {recreated:.2f}{_mark(recreated, 'recreated')} "
                     f"| {r['floor'][0] / r['dispatched'][0]:.2f} |")
    lines.append("")
    lines.append("ns per call: min (median) over repeats; dispatch = dispatched - direct "
                 "(mins); ratios of mins. Targets (issue 11): dispatch at most "
                 f"{TARGETS['dispatch']:.0f} ns per scalar call; grad(f) re-created per call at most "
                 f"{TARGETS['recreated']:.0f}× a reused object.")
    return "\n".join(lines)


def _mark(value, target):
    return " (met)" if value <= TARGETS[target] else " (missed)"


def section(quick, out=None, progress=None):
    """(markdown, data) for the suite (benchmarks/run.py)."""
    number, repeats = (2_000, 3) if quick else (20_000, 15)
    rows = [measure(*case, number=number, repeats=repeats) for case in cases()]
    targets = []
    for r in rows:
        if r["scalar"]:
            targets.append({"what": f"{r['name']}: dispatch, ns per call",
                            "target": TARGETS["dispatch"],
                            "measured": r["dispatched"][0] - r["compiled"][0]})
        targets.append({"what": f"{r['name']}: grad(f) re-created per call / reused",
                        "target": TARGETS["recreated"],
                        "measured": r["recreated"][0] / r["dispatched"][0]})
    return table(rows), {"rows": rows, "targets": targets}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/dispatch_row.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few, short repeats")
    args = parser.parse_args(argv)
    number, repeats = (2_000, 3) if args.quick else (20_000, 15)
    rows = [measure(*case, number=number, repeats=repeats) for case in cases()]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
