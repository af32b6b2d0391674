"""What the Clarke mode, grad(f, kinks="clarke"), costs against f: away from kinks
(the ordinary gradient plus the cheap kink test) and at a kink (the test, a tangent
sweep per direction that selects the pieces, and the gradient of the selected pieces).
Kakade & Lee bound the cost at a kink by a small constant (6) times f's.

    python benchmarks/clarke_row.py            # ~20 s
    python benchmarks/clarke_row.py --quick    # a smoke test, a few seconds

Prints one Markdown table: for each function and point, f, the default gradient, the
Clarke mode, and the ratios. Times are the min and the median over repeats of timeit
loops (µs per call); the machine may be shared, so compare mins. Not part of run.py's
suite.
"""
import argparse
import statistics
import sys
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import _relu_net_data, relu_net                   # noqa: E402
from s2s_ad import grad, kinks                                          # noqa: E402


def identity_by_relus(x):
    return np.maximum(x, 0.0) - np.maximum(-x, 0.0)


def abs_loop(x):
    s = 0.0
    for i in range(100):
        s = s + abs(x - i * 0.1)
    return s


def cases(quick):
    rng = np.random.default_rng(5)
    width, batch = (16, 32) if quick else (64, 128)
    net = _relu_net_data(8 if quick else 32, width, batch)(rng)
    W1, b1, W2, b2, w3, X, y = net
    at_kink = list(net)
    at_kink[1] = -(X @ W1)[0]           # every first-layer unit exactly at 0 on sample 0
    params = (0, 1, 2, 3, 4)
    return [("relu(x) - relu(-x)", identity_by_relus, (0.3,), (0.0,), 0),
            ("100 abs in a Python loop", abs_loop, (1.05,), (1.0,), 0),
            (f"relu_net width {width}, batch {batch}", relu_net, tuple(net), tuple(at_kink),
             params)]


def measure(name, f, away, at, argnums, number, repeats):
    default = grad(f, argnums=argnums)
    clarke = grad(f, argnums=argnums, kinks="clarke")
    assert len(kinks(f, *away, argnums=argnums)) == 0
    hits = len(kinks(f, *at, argnums=argnums))
    assert hits > 0
    for args in (away, at):
        default(*args), clarke(*args)           # compile outside the timing
    names = {"f": f, "default": default, "clarke": clarke,
             **{f"a{i}": a for i, a in enumerate(away)},
             **{f"k{i}": a for i, a in enumerate(at)}}
    away_call = ", ".join(f"a{i}" for i in range(len(away)))
    at_call = ", ".join(f"k{i}" for i in range(len(at)))
    statements = {"f away": f"f({away_call})", "default away": f"default({away_call})",
                  "clarke away": f"clarke({away_call})", "f at": f"f({at_call})",
                  "default at": f"default({at_call})", "clarke at": f"clarke({at_call})"}
    timers = {k: timeit.Timer(v, globals=names) for k, v in statements.items()}
    samples = {k: [] for k in statements}
    for _ in range(repeats):
        for key, timer in timers.items():
            samples[key].append(timer.timeit(number) / number * 1e6)
    row = {"name": name, "hits": hits}
    row.update({k: (min(v), statistics.median(v)) for k, v in samples.items()})
    return row


def table(rows):
    lines = ["| function | point | kinks hit | f | default grad | Clarke mode | "
             "Clarke/f | Clarke/default grad |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for where in ("away", "at"):
            def cell(key):
                low, mid = r[f"{key} {where}"]
                return f"{low:,.1f} ({mid:,.1f})"
            clarke, f, default = (r[f"{k} {where}"][0] for k in ("clarke", "f", "default"))
            point = "away from kinks" if where == "away" else "at a kink"
            hits = 0 if where == "away" else r["hits"]
            lines.append(f"| {r['name']} | {point} | {hits} | {cell('f')} | "
                         f"{cell('default')} | {cell('clarke')} | {clarke / f:.1f} | "
                         f"{clarke / default:.2f} |")
    lines.append("")
    lines.append("µs per call: min (median) over repeats; ratios of mins.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/clarke_row.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    args = parser.parse_args(argv)
    number, repeats = (20, 3) if args.quick else (200, 7)
    rows = [measure(*case, number=number, repeats=repeats) for case in cases(args.quick)]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
