"""Gradient time against trip count: the damped oscillator (benchmarks/jax_loops.py,
`oscillator_steps`) from 10^2 to 10^6 Euler steps, differentiated by its stiffness, by

- s2s_ad's Python backend (`grad`), and its compiled backend (`s2s_ad.jit(grad)`, when
  numba is installed);
- HIPS autograd;
- JAX eager, JAX jit of the same source (the loop unrolled while tracing) and JAX jit
  of a `lax.fori_loop` rewrite (when JAX is installed);

beside f itself. Issue 11's claim in one picture: a source transformation keeps the
loop a loop, so its cost per step stays flat, where tracing tools pay per step on
every call (autograd, JAX eager) or at compile time (JAX jit of the Python loop).

    python benchmarks/trip_count.py                  # 10^2 .. 10^6 steps, a few minutes
    python benchmarks/trip_count.py --max 10000      # shorter
    python benchmarks/trip_count.py --out docs/bench # where the plot goes

The suite's full run (benchmarks/run.py) runs it as its "trip_count" section and
writes grad_time_vs_steps.png. A contender stops at the first trip count whose
predicted cost (its last first call, scaled linearly by the steps) exceeds a budget
per point; the table says so. Times are the min over calls lasting about 0.2 s in
all (at least one call after the first); for the jitted kinds the first call, which
compiles for that trip count, is shown apart.
"""
import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks import jax_loops                                       # noqa: E402
from benchmarks.jax_loops import oscillator_steps                       # noqa: E402
from s2s_ad import grad                                                 # noqa: E402
from s2s_ad.bench import peers                                          # noqa: E402
from s2s_ad.bench.timing import format_seconds                          # noqa: E402

FULL_STEPS = (100, 1_000, 10_000, 100_000, 1_000_000)
QUICK_STEPS = (100, 1_000)
RECOMPILES = ("jax jit", "jax fori_loop")
K = 4.0
# (key, label, what it needs installed)
CONTENDERS = [("f", "f (Python)", None), ("python", "s2s_ad grad, Python backend", None),
              ("jit", "s2s_ad.jit(grad), numba", "numba"), ("autograd", "autograd", "autograd"),
              ("jax eager", "JAX grad, eager", "jax"),
              ("jax jit", "JAX jit(grad), same source", "jax"),
              ("jax fori_loop", "JAX jit(grad), fori_loop rewrite", "jax")]


def _installed(module):
    import importlib.util
    return module is None or importlib.util.find_spec(module) is not None


def makers():
    """{key: steps -> (call, args, first-call seconds)}: each contender made ready for
    one trip count, its first call made and timed."""
    python = grad(oscillator_steps)
    made = {"f": lambda steps: _first(oscillator_steps, (K, steps)),
            "python": lambda steps: _first(python, (K, steps))}
    if _installed("numba"):
        from s2s_ad import jit
        compiled = jit(grad(oscillator_steps))
        made["jit"] = lambda steps: _first(compiled, (K, steps))
    if _installed("autograd"):
        import autograd
        import autograd.numpy as anp
        g = autograd.grad(peers.rebind(oscillator_steps, anp))
        made["autograd"] = lambda steps: _first(g, (K, steps))
    if jax_loops.available():
        for kind in ("eager", "jit", "fori_loop"):
            made[f"jax {kind}"] = (lambda steps, kind=kind: jax_loops.gradient(
                kind, oscillator_steps, (K, steps), 0, static=(1,)))
    return made


def _first(fn, args):
    start = time.perf_counter()
    fn(*args)
    return fn, args, time.perf_counter() - start


def best_time(fn, args, target):
    """Min seconds per call over calls lasting about `target` in all (at least one)."""
    best, spent = float("inf"), 0.0
    while spent < target or best == float("inf"):
        start = time.perf_counter()
        fn(*args)
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return best


def measure(steps_list, budget=20.0, target=0.2, progress=None):
    """{'steps': [...], 'series': {key: [{'steps', 'seconds', 'first'} or
    {'steps', 'skipped'}]}, 'value': gradient at each trip count (Python backend)}."""
    made = makers()
    series = {key: [] for key in made}
    last = {}           # key -> (steps, first-call seconds) of its last point
    reference = {}
    for steps in steps_list:
        for key, make in made.items():
            if progress:
                progress(f"{key} {steps:,}")
            if key in last and last[key][1] * steps / last[key][0] > budget:
                series[key].append({"steps": steps, "skipped": "over budget"})
                last[key] = (last[key][0], float("inf"))
                continue
            fn, args, first = make(steps)
            point = {"steps": steps, "seconds": best_time(fn, args, target), "first": first}
            if key != "f":
                got = jax_loops.as_numpy(fn(*args))
                if key == "python":
                    reference[steps] = got
                elif steps in reference:
                    point["rel_diff"] = float(np.max(np.abs(got - reference[steps])
                                                     / np.abs(reference[steps])))
            series[key].append(point)
            # JAX compiles again for each trip count (it is static): that compile is
            # part of the next point's cost; numba's compile is paid once.
            cost = max(first, point["seconds"]) if key in RECOMPILES else point["seconds"]
            last[key] = (steps, cost)
    return {"steps": list(steps_list), "series": series,
            "missing": [label for key, label, need in CONTENDERS if key not in made]}


def _cell(point, show_first):
    if "skipped" in point:
        return "not run (over budget)"
    text = format_seconds(point["seconds"])
    return text + (f" (first {format_seconds(point['first'])})" if show_first else "")


def table(data):
    keys = [k for k, _, _ in CONTENDERS if k in data["series"]]
    labels = dict((k, label) for k, label, _ in CONTENDERS)
    lines = ["| steps | " + " | ".join(labels[k] for k in keys) + " |",
             "|---" * (len(keys) + 1) + "|"]
    for i, steps in enumerate(data["steps"]):
        cells = [_cell(data["series"][k][i], k in ("jit", "jax jit", "jax fori_loop"))
                 for k in keys]
        lines.append(f"| {steps:,} | " + " | ".join(cells) + " |")
    diffs = [p.get("rel_diff", 0.0) for k in keys for p in data["series"][k]
             if "seconds" in p]
    lines += ["", "Gradient time per call (min over repeats; f is the function itself). "
              "\"first\": the first call for that trip count, which for the jitted kinds "
              "compiles (numba once per signature, JAX once per trip count, since the "
              "trip count is static). Largest relative difference of any gradient from "
              f"the Python backend's: {max(diffs, default=0.0):.1e}."]
    if data["missing"]:
        lines.append("Not installed, so not shown: " + ", ".join(data["missing"]) + ".")
    return "\n".join(lines)


def plot(data, out):
    """grad_time_vs_steps.png in `out` (log-log), or None without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for key, label, _ in CONTENDERS:
        points = [p for p in data["series"].get(key, []) if "seconds" in p]
        if not points:
            continue
        style = ":" if key == "f" else "--" if key.startswith("jax") or key == "autograd" else "-"
        ax.loglog([p["steps"] for p in points], [p["seconds"] for p in points], style,
                  marker="o", label=label, color="black" if key == "f" else None)
    compiles = [p for p in data["series"].get("jax jit", []) if "seconds" in p]
    if compiles:
        ax.loglog([p["steps"] for p in compiles], [p["first"] for p in compiles], "x:",
                  color="gray", label="JAX jit, same source: compile (first call)")
    ax.set_xlabel("Euler steps (trip count)")
    ax.set_ylabel("seconds per gradient call")
    ax.set_title("Damped oscillator: gradient time against trip count")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "grad_time_vs_steps.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def section(quick, out, progress=None):
    """(markdown, data) for the suite; the plot goes into `out`."""
    data = measure(QUICK_STEPS if quick else FULL_STEPS, budget=2.0 if quick else 20.0,
                   target=0.02 if quick else 0.2, progress=progress)
    path = plot(data, out)
    data["plot"] = str(path) if path else None
    return table(data), data


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/trip_count.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--max", type=int, default=FULL_STEPS[-1], help="largest trip count")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds a contender may take per point (predicted)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    data = measure([s for s in FULL_STEPS if s <= args.max], budget=args.budget)
    print(table(data))
    path = plot(data, args.out)
    print(f"plot: {path}" if path else "plot skipped: matplotlib not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
