"""Tape memory against trip count, with and without checkpoint_loops: the damped
oscillator (explicit Euler, gradient with respect to stiffness and damping).

    python benchmarks/checkpoint_row.py                 # up to 1e6 steps, ~1-2 min
    python benchmarks/checkpoint_row.py --max 100000    # shorter
    python benchmarks/checkpoint_row.py --quick         # a smoke test

For each number of steps, the peak memory the gradient call allocates (tracemalloc's
peak, minus what was allocated before the call: the tape and its entries, plus the
checkpoints), and the call's time measured separately (without tracemalloc). Prints a
Markdown table and writes checkpoint_tape.png (log-log bytes against steps) into --out
when matplotlib is installed. Also the suite's "checkpoint" section (benchmarks/run.py).
"""
import argparse
import sys
import time
import tracemalloc
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from s2s_ad import checkpoint_loops, grad                               # noqa: E402


STEPS = (100, 1_000, 10_000, 100_000, 300_000, 1_000_000)


def oscillator(k, c, steps):
    x = 1.0
    v = 0.0
    for step in range(steps):
        a = -k * x - c * v
        x = x + 0.01 * v
        v = v + 0.01 * a
    return x * x + v * v


def peak_bytes(fn, args):
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - before


def seconds(fn, args, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def measure(steps_list):
    plain = grad(oscillator, argnums=(0, 1))
    checked = checkpoint_loops(grad(oscillator, argnums=(0, 1)))
    rows = []
    for steps in steps_list:
        args = (4.0, 0.5, steps)
        if plain(*args) != checked(*args):
            raise AssertionError(f"checkpointed gradient differs at {steps} steps")
        repeats = 3 if steps <= 100_000 else 1
        rows.append({"steps": steps,
                     "plain_bytes": peak_bytes(plain, args),
                     "checked_bytes": peak_bytes(checked, args),
                     "plain_s": seconds(plain, args, repeats),
                     "checked_s": seconds(checked, args, repeats),
                     "f_s": seconds(oscillator, args, repeats)})
    return rows


def table(rows):
    lines = ["| steps | peak bytes, plain | per step | peak bytes, checkpointed (√n) | "
             "ratio | grad time plain / f | checkpointed / f |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['steps']:,} | {r['plain_bytes']:,} | "
                     f"{r['plain_bytes'] / r['steps']:.0f} | {r['checked_bytes']:,} | "
                     f"{r['plain_bytes'] / max(r['checked_bytes'], 1):,.0f}× | "
                     f"{r['plain_s'] / r['f_s']:.2f} | {r['checked_s'] / r['f_s']:.2f} |")
    lines += ["", "peak bytes: tracemalloc's peak during the gradient call, less what was "
              "allocated before it; times: best of up to 3 calls, without tracemalloc; "
              "both gradients equal bit for bit at every size."]
    return "\n".join(lines)


def plot(rows, out):
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    steps = [r["steps"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(steps, [r["plain_bytes"] for r in rows], "o-", label="grad (tape per step)")
    ax.loglog(steps, [r["checked_bytes"] for r in rows], "s-",
              label="checkpoint_loops(grad), √n segments")
    ax.set_xlabel("Euler steps")
    ax.set_ylabel("peak bytes allocated by the gradient call")
    ax.set_title("Damped oscillator: tape memory")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "checkpoint_tape.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def section(quick, out, progress=None):
    """(markdown, data) for the suite (benchmarks/run.py): up to 10^4 steps in --quick,
    10^6 otherwise; the plot goes into `out`."""
    largest = 10_000 if quick else 1_000_000
    rows = measure([s for s in STEPS if s <= largest])
    path = plot(rows, Path(out))
    return table(rows), {"rows": rows, "plot": str(path) if path else None}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/checkpoint_row.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--max", type=int, default=1_000_000, help="largest step count")
    parser.add_argument("--quick", action="store_true", help="up to 10,000 steps")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    largest = 10_000 if args.quick else args.max
    steps = [s for s in STEPS if s <= largest]
    rows = measure(steps)
    print(table(rows))
    path = plot(rows, args.out)
    if path is not None:
        print(f"plot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
