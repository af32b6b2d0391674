"""Run the benchmark suite and report: python benchmarks/run.py [--quick] [--only NAMES] [--out DIR]

Works as a script and as the module `benchmarks.run` (`python -m s2s_ad bench` calls
main(argv)). The timing, finite differences, tables and plots are the package's
(s2s_ad.bench); this folder holds the suite and this runner. Prints Markdown tables on stdout and progress on stderr, and writes
results.json, results.md and PNG plots into the output folder.
"""
import argparse
import datetime
import sys
from pathlib import Path
from time import perf_counter

if __package__ in (None, ""):
    # Run as a script: import from the repository root (the `benchmarks` package and
    # the working tree's s2s_ad) rather than from this folder, whose module names
    # are generic enough to shadow someone else's.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import jax_loops, sections as suite_sections           # noqa: E402
from benchmarks.measure import FULL, QUICK, measure                     # noqa: E402
from benchmarks.suite import FAMILIES, build_cases                      # noqa: E402
from s2s_ad.bench import machine, peers, plots, suite_report            # noqa: E402
from s2s_ad.bench.report import write_json                              # noqa: E402
from s2s_ad.bench.timing import steady_allocator                        # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Time and check s2s_ad gradients against f, finite differences, "
                    "hand-written gradients and other AD tools.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats (well under a minute): a smoke test")
    parser.add_argument("--only", metavar="NAME[,NAME]", type=_families,
                        help="run only these benchmarks: " + ", ".join(FAMILIES)
                             + "; or sections: " + ", ".join(suite_sections.NAMES)
                             + " (trip_count, the gradient-time-against-trip-count plot, "
                               "runs in a full run or when named here)")
    parser.add_argument("--out", metavar="DIR", type=Path, default=DEFAULT_OUT,
                        help="folder for results.json, results.md and plots "
                             "(default: benchmarks/results/)")
    return parser.parse_args(argv)


def _families(text):
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = FAMILIES + suite_sections.NAMES
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown benchmark {', '.join(unknown) or '(none)'}; choose from {', '.join(known)}")
    return names


def main(argv=None):
    args = parse_args(argv)
    started = perf_counter()
    settings = QUICK if args.quick else FULL
    families = [n for n in args.only if n in FAMILIES] if args.only else None
    cases = build_cases(quick=args.quick, only=families) if families or not args.only else []
    sections = suite_sections.chosen(args.quick, args.only)
    args.out.mkdir(parents=True, exist_ok=True)        # sections write plots as they go
    allocator = steady_allocator()
    machine_now = machine.info()
    machine_now["allocator"] = allocator or "as the process found it"
    if jax_loops.available():
        machine_now["jax"] = jax_loops.describe(jax_loops.check())
    print(machine.line(machine_now), file=sys.stderr)

    rows = []
    for i, case in enumerate(cases, 1):
        print(f"[{i}/{len(cases)}] {case.name} ...", end="", file=sys.stderr, flush=True)
        t0 = perf_counter()
        rows.append(measure(case, settings, peers.PEERS))
        print(f" {perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    done = []
    for i, section in enumerate(sections, 1):
        print(f"[section {i}/{len(sections)}] {section.name} ...", end="", file=sys.stderr,
              flush=True)
        done.append(suite_sections.run(section, args.quick, args.out))
        print(f" {done[-1]['seconds']:.1f} s" + ("" if done[-1]["status"] == "ok" else
                                                 f" ({done[-1]['status']})"),
              file=sys.stderr, flush=True)

    machine_now["load_average_after"] = machine.load_average()
    results = {
        "mode": "quick" if args.quick else "full",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_now,
        "settings": settings.to_json(),
        "wall_seconds": perf_counter() - started,
        "cases": rows,
        "sections": done,
    }
    if args.quick and not args.only:
        results["skipped_sections"] = [s.name for s in suite_sections.SECTIONS if not s.quick]
    text = suite_report.markdown(results)
    print(text)
    (args.out / "results.md").write_text(text)
    write_json(results, args.out / "results.json")
    if plots.available():
        for path in plots.write_all(results, args.out):
            print(f"plot: {path}")
        for section in done:
            if isinstance(section["data"], dict) and section["data"].get("plot"):
                print(f"plot: {section['data']['plot']}")
    else:
        print("plots skipped: matplotlib not installed")
    print(f"results: {args.out / 'results.json'} ({perf_counter() - started:.1f} s in all)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
