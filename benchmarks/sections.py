"""The suite's sections: benchmarks that are not one function at one point, so they do
not fit the per-case tables (benchmarks/suite.py), each with its own table. Each lives
in a script of its own that also runs alone; here they are listed in the order the
suite runs them, with a title for the report.

Each module has `section(quick, out, progress) -> (markdown, data)`: `out` is the
output folder (for plots), `data` goes into results.json.
"""
import importlib
import traceback
from dataclasses import dataclass
from time import perf_counter


@dataclass(frozen=True)
class Section:
    name: str           # what --only selects
    module: str         # benchmarks.<module> has section()
    title: str
    quick: bool = True  # run in --quick (unless named in --only)


SECTIONS = [
    Section("scalar_loops", "scalar_loops",
            "Scalar loops: grad / f, plain and optimised (issue 11 targets)"),
    Section("compiled", "jit_row",
            "Compiled backend: s2s_ad.jit on long loops, against JAX's fori_loop (issue 11 targets)"),
    Section("trip_count", "trip_count",
            "Gradient time against trip count (damped oscillator)", quick=False),
    Section("checkpoint", "checkpoint_row", "Checkpointing: tape memory against steps"),
    Section("dispatch", "dispatch_row", "Dispatch and re-created gradient objects (issue 11 targets)"),
    Section("higher_order", "higher_order_row", "Forward mode and second derivatives"),
]
NAMES = tuple(s.name for s in SECTIONS)


def chosen(quick, only):
    """The sections to run: those named in `only` when it names any; with `only`
    naming just case families, none; otherwise all (in --quick those marked quick)."""
    if only:
        return [s for s in SECTIONS if s.name in only]
    return [s for s in SECTIONS if s.quick or not quick]


def run(section, quick, out, progress=None):
    """One section's result for results.json: name, title, markdown, data, seconds.
    A section that fails is reported as failed, with its error, and the suite goes on."""
    start = perf_counter()
    try:
        module = importlib.import_module(f"benchmarks.{section.module}")
        markdown, data = module.section(quick, out, progress)
        status = "ok"
    except Exception as exc:
        status = f"failed: {type(exc).__name__}"
        first = (str(exc).strip().splitlines() or [""])[0]
        markdown = f"{status}: {first}"
        data = {"traceback": traceback.format_exc()}
    return {"name": section.name, "title": section.title, "status": status,
            "markdown": markdown, "data": data, "seconds": perf_counter() - start}
