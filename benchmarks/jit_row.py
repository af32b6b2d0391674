"""The compiled backend (s2s_ad.jit) on long scalar loops: the gradient's time as a
ratio to the Python f, beside the Python backend's gradient, and numba's compile time.

    python benchmarks/jit_row.py            # ~30 s
    python benchmarks/jit_row.py --quick    # a smoke test, smaller sizes

Prints the machine line and one Markdown table. Times are min (median) over repeats;
ratios are of mins. The compile time is the first call of the jitted gradient for the
signature (numba's typing and LLVM), measured in this process; the first numba compile
in a process also pays numba's own start-up. JAX rows appear only when jax is installed.
Needs numba (`pip install -e .[jit]`). Also the suite's "compiled" section
(benchmarks/run.py).
"""
import argparse
import statistics
import sys
import time
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.jax_loops import oscillator_steps as oscillator       # noqa: E402
from benchmarks.suite import rosenbrock                                 # noqa: E402
from s2s_ad import grad, jit                                            # noqa: E402
from s2s_ad.bench import machine                                        # noqa: E402

TARGETS = {"rosenbrock": 0.019, "oscillator": 0.19}     # issue 11: jit grad / Python f
COMPILE_TARGET = 2.0                                    # issue 11: seconds


def cases(quick):
    n, steps = (1_000, 10_000) if quick else (10_000, 100_000)
    x = np.random.default_rng(3).uniform(-1.0, 1.5, n)
    return [(f"Rosenbrock loop, n={n:,}", "rosenbrock", rosenbrock, (x,), 0),
            (f"oscillator, {steps:,} Euler steps", "oscillator", oscillator,
             (4.0, steps), 0)]


def numba_installed():
    import importlib.util
    return importlib.util.find_spec("numba") is not None


def interleaved(contenders, args, repeats):
    """{name: (min, median) seconds per call}, the contenders sampled in turn within
    each repeat (each sample a timeit loop of ~0.05 s), so that a busy moment of a
    shared machine hits them all alike."""
    timers, numbers, samples = {}, {}, {}
    for name, fn in contenders.items():
        timers[name] = timeit.Timer(lambda fn=fn: fn(*args))
        numbers[name] = max(1, int(0.05 / max(timers[name].timeit(1), 1e-7)))
        samples[name] = []
    for _ in range(repeats):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    return {name: (min(s), statistics.median(s)) for name, s in samples.items()}


def measure(name, family, f, args, argnums, repeats):
    python = grad(f, argnums=argnums)
    python(*args)
    compiled = jit(grad(f, argnums=argnums))
    start, cpu = time.perf_counter(), time.process_time()
    got = compiled(*args)
    compile_s = (time.perf_counter() - start, time.process_time() - cpu)
    want = python(*args)
    error = float(np.max(np.abs(np.asarray(got) - want) / np.maximum(np.abs(want), 1e-300)))
    row = {"name": name, "family": family, "compile": compile_s, "error": error,
           "compiled": compiled.compiled}
    row.update(interleaved({"f": f, "python": python, "jit": compiled}, args, repeats))
    row["jax"] = _jax(f, args, argnums, repeats)
    return row


def _jax(f, args, argnums, repeats):
    """JAX's jit of the gradient of the loop's `fori_loop` rewrite, when jax is
    installed. (JAX's jit of the same source unrolls the loop while tracing: at these
    trip counts it does not compile in reasonable time; the trip_count section shows
    its compile time growing.)"""
    from benchmarks import jax_loops
    if not jax_loops.available():
        return None
    static = (1,) if f is jax_loops.oscillator_steps else ()
    call, call_args, compile_s = jax_loops.gradient("fori_loop", f, args, argnums, static)
    timed = interleaved({"jax": call}, call_args, repeats)
    return {"compile": compile_s, "time": timed["jax"]}


def numba_startup():
    """Seconds to import numba and compile a one-line function: paid once per process,
    by whichever compile comes first; measured apart so the rows show each gradient's
    own compile time."""
    start, cpu = time.perf_counter(), time.process_time()
    import numba
    numba.njit(lambda x: x + 1.0)(1.0)
    return time.perf_counter() - start, time.process_time() - cpu


def table(rows):
    lines = ["| case | f (Python) | gradient, Python backend | gradient, s2s_ad.jit | "
             "jit grad / f | target | Python grad / f | jit compile, wall (CPU) s | max rel. "
             "difference |",
             "|---|---|---|---|---|---|---|---|---|"]

    def cell(pair):
        low, mid = pair
        return f"{low * 1e3:,.3f} ms ({mid * 1e3:,.3f})"
    for r in rows:
        ratio = r["jit"][0] / r["f"][0]
        target = TARGETS[r["family"]]
        mark = "met" if ratio <= target else "missed"
        jit_cell = cell(r["jit"]) + ("" if r["compiled"] else " (fell back to Python)")
        lines.append(f"| {r['name']} | {cell(r['f'])} | {cell(r['python'])} | "
                     f"{jit_cell} | {ratio:.4f} | ≤ {target} ({mark}) | "
                     f"{r['python'][0] / r['f'][0]:.2f} | {r['compile'][0]:.2f} ({r['compile'][1]:.2f}) | "
                     f"{r['error']:.1e} |")
        if r["jax"] is not None:
            j = r["jax"]
            lines.append(f"| {r['name']}, JAX jit of grad (fori_loop) | | | {cell(j['time'])} "
                         f"| {j['time'][0] / r['f'][0]:.4f} | | | {j['compile']:.2f} | |")
    if all(r["jax"] is None for r in rows):
        lines.append("| JAX | not installed | | | | | | | |")
    lines += ["", "min (median) over repeats; ratios of mins; compile = the jitted "
              "gradient's first call. JAX's jit of the same Python source is not run at "
              "these trip counts: tracing unrolls the loop, so its compile time grows with "
              "the trip count (the trip-count section measures it where it stays within "
              "budget)."]
    return "\n".join(lines)


def section(quick, out=None, progress=None):
    """(markdown, data) for the suite (benchmarks/run.py); without numba, a note."""
    if not numba_installed():
        return ("numba is not installed, so s2s_ad.jit falls back to the Python backend: "
                "section skipped (`pip install -e .[jit]`).", {"skipped": "numba not installed"})
    startup = numba_startup()
    rows = [measure(*case, repeats=3 if quick else 9) for case in cases(quick)]
    targets = []
    for r in rows:
        targets.append({"what": f"{r['name']}: s2s_ad.jit grad / Python f",
                        "target": TARGETS[r["family"]], "measured": r["jit"][0] / r["f"][0]})
        targets.append({"what": f"{r['name']}: s2s_ad.jit compile, CPU seconds",
                        "target": COMPILE_TARGET, "measured": r["compile"][1]})
    return (table(rows) + "\n" + _startup_note(startup),
            {"rows": rows, "numba_startup": startup, "targets": targets})


def _startup_note(startup):
    return (f"numba's own start-up in this process (import and a first trivial compile), "
            f"before the rows: {startup[0]:.2f} s wall ({startup[1]:.2f} s CPU). CPU time is "
            "what a compile costs on an idle machine; wall time includes waiting for a "
            "shared CPU.")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/jit_row.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, few repeats")
    args = parser.parse_args(argv)
    now = machine.info()
    text, _ = section(args.quick)
    now["load_average_after"] = machine.load_average()
    print(machine.line(now))
    print()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
