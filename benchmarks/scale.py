"""How compile time grows with program size, and what the first call of a long loop
costs: python benchmarks/scale.py [--quick] [--sizes 100,1000,...] [--steps 1000,...]

Two tables on stdout (Markdown):

- compile time against the number of statements, for straight-line code and for a
  loop body (`benchmarks/programs.py` writes the programs), with the time per 1,000
  statements: linear growth keeps that column flat;
- the first call of a gradient of a loop run for 10^3 .. 10^5 steps against the
  compile time plus calls of f: the first call compiles, runs the probe that observes
  every value's kind on every iteration, then runs the gradient. `(first - compile) / f`
  is what the probe and the gradient cost together, in calls of f.

Compile times are wall-clock seconds (one cold compile per size) with the process CPU
time beside them, since a shared machine inflates wall time; the first-call table is in
CPU seconds throughout (medians of three compiles and first calls, five calls of f).
"""
import argparse
import statistics
import sys
from pathlib import Path
from time import perf_counter, process_time

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import programs                                         # noqa: E402
from s2s_ad.bench import machine                                        # noqa: E402

FULL_SIZES = (100, 1000, 2000, 5000, 10000)
QUICK_SIZES = (100, 1000)
LOOP_SIZES = (100, 1000)
FULL_STEPS = (10 ** 3, 10 ** 4, 10 ** 5)
QUICK_STEPS = (10 ** 3, 10 ** 4)


def timed(fn, *args):
    wall, cpu = perf_counter(), process_time()
    result = fn(*args)
    return result, perf_counter() - wall, process_time() - cpu


def cold_compile(ad, source, args):
    """grad(f) (parse, lower) and .compile(*args) (probe, transform, emit) of a fresh f."""
    f = programs.load(source)
    _, wall, cpu = timed(lambda: ad.grad(f).compile(*args))
    return wall, cpu


def compile_rows(ad, sizes, loop_sizes):
    rows = []
    for shape, make, extra, sizes_ in (("straight line", programs.straight_line_source, (), sizes),
                                       ("loop body", programs.loop_source, (3,), loop_sizes)):
        for n in sizes_:
            print(f"compile {shape} n={n} ...", file=sys.stderr, flush=True)
            wall, cpu = cold_compile(ad, make(n), (0.3,) + extra)
            rows.append((shape, n, wall, cpu))
    return rows


def first_call(ad, source, args):
    """grad(f) and its first call, as cold_compile times grad(f) and .compile."""
    f = programs.load(source)
    return timed(lambda: ad.grad(f)(*args))[2]


def median_call(fn, args, repeats=5):
    """The median CPU time of calls of fn(*args)."""
    return statistics.median(timed(fn, *args)[2] for _ in range(repeats))


LOOPS = (("one statement", programs.small_loop_source),
         ("Euler steps", programs.euler_loop_source))


def first_call_rows(ad, steps_list):
    rows = []
    for label, make in LOOPS:
        source = make()
        for steps in steps_list:
            print(f"first call, {label}, {steps} steps ...", file=sys.stderr, flush=True)
            f = programs.load(source)
            f_time = median_call(f, (0.3, steps))
            # Medians of three: a compile of a small loop takes milliseconds, as noisy
            # as the probe of a thousand steps.
            compile_time = statistics.median(cold_compile(ad, source, (0.3, 1))[1]
                                             for _ in range(3))    # same signature, 1 step
            first = statistics.median(first_call(ad, source, (0.3, steps)) for _ in range(3))
            g = ad.grad(programs.load(source))
            g(0.3, steps)
            later = median_call(g, (0.3, steps))
            rows.append((label, steps, f_time, compile_time, first, later))
    return rows


def markdown(compile_table, first_table):
    out = ["**Compile time against program size** (target: 1,000 statements in 0.5 s, "
           "10,000 in 5 s)", "",
           "| code | statements | compile s | CPU s | s per 1,000 statements |",
           "|---|---:|---:|---:|---:|"]
    for shape, n, wall, cpu in compile_table:
        out.append(f"| {shape} | {n:,} | {wall:.3f} | {cpu:.3f} | {1000 * wall / n:.3f} |")
    out += ["", "**First call of a loop's gradient** (target: first call at most compile "
            "+ 3 calls of f; CPU seconds, medians of 3 to 5)", "",
            "| loop body | steps | f s | compile s | first call s | (first - compile) / f | "
            "later call / f |", "|---|---:|---:|---:|---:|---:|---:|"]
    for label, steps, f_time, compile_time, first, later in first_table:
        out.append(f"| {label} | {steps:,} | {f_time:.4f} | {compile_time:.3f} | {first:.3f} | "
                   f"{(first - compile_time) / f_time:.2f} | {later / f_time:.2f} |")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/scale.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (seconds)")
    parser.add_argument("--sizes", type=_ints, help="straight-line statement counts")
    parser.add_argument("--loop-sizes", type=_ints, help="loop-body statement counts")
    parser.add_argument("--steps", type=_ints, help="loop lengths for the first-call table")
    args = parser.parse_args(argv)
    import s2s_ad as ad
    print(machine.line(machine.info()), file=sys.stderr)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    loop_sizes = args.loop_sizes or ((100,) if args.quick else LOOP_SIZES)
    steps = args.steps or (QUICK_STEPS if args.quick else FULL_STEPS)
    compile_table = compile_rows(ad, sizes, loop_sizes)
    first_table = first_call_rows(ad, steps)
    print(markdown(compile_table, first_table))
    print(f"load average after: {machine.load_average()}", file=sys.stderr)
    return 0


def _ints(text):
    return tuple(int(t) for t in text.split(",") if t.strip())


if __name__ == "__main__":
    sys.exit(main())
