"""The scalar-loop rewrites (s2s_ad/scalar_loops.py, float_reads.py, dispatch_inline.py)
measured side by side in one process: grad / f with S2S_AD_OPTIMISE=0 (the plain code)
and with the rewrites, both called through the public gradient object (dispatch
included), round-robin, on the benchmark programs.

    python benchmarks/scalar_loops.py            # ~30 s
    python benchmarks/scalar_loops.py --quick    # a smoke test

Times are CPU time of this thread (time.thread_time), the minimum over rounds: on a
shared machine wall-clock times mostly measure the other processes. Not part of
run.py's suite.
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

from benchmarks.suite import lecture_f, oscillator, rosenbrock          # noqa: E402
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    rounds = 5 if parser.parse_args(argv).quick else 60
    print(machine.line(machine.info()))
    print()
    print("| benchmark | f | grad, plain | grad / f, plain | grad, optimised "
          "| grad / f, optimised | same numbers |")
    print("|---|---|---|---|---|---|---|")
    for name, f, args, argnums in cases():
        plain, fast = gradients(f, argnums, args)
        same = all(np.array_equal(a, b) for a, b in
                   zip(np.atleast_1d(plain(*args)), np.atleast_1d(fast(*args))))
        best = measure({"f": f, "plain": plain, "fast": fast}, args, rounds)
        print(f"| {name} | {_time(best['f'])} | {_time(best['plain'])} "
              f"| {best['plain'] / best['f']:.2f} | {_time(best['fast'])} "
              f"| {best['fast'] / best['f']:.2f} | {'bit for bit' if same else 'to the ulp'} |")


def _time(seconds):
    return f"{seconds * 1e9:.0f} ns" if seconds < 1e-6 else f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    main()
