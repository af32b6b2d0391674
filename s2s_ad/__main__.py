"""Command line: `python -m s2s_ad {demo, show, bench, check}`."""
import argparse
import math
import importlib.util
import pathlib
import sys
import traceback

import numpy


ARGS_HELP = ("example arguments as Python expressions, e.g. '2.0, np.ones(3)' (np, numpy, "
             "math and the file's own names available)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m s2s_ad",
                                     description="Source-to-source automatic differentiation")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the lecture's reverse-mode example, end to end")
    show = commands.add_parser("show", help="print the gradient source for a function")
    show.add_argument("target", help="path/to/file.py:function")
    show.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    show.add_argument("--args", default=None,
                      help=ARGS_HELP + " (specialises the code to their kinds; default: generic code)")
    bench = commands.add_parser(
        "bench", help="benchmark a function's gradient against finite differences, "
                      "or run the project's suite (benchmarks/)",
        description="With path/file.py:func, benchmark that function's s2s_ad gradient "
                    "against finite differences (and autograd/JAX when installed). "
                    "Without, run the project's suite from a source checkout.")
    bench.add_argument("target", nargs="?", help="path/to/file.py:function (omit for the suite)")
    bench.add_argument("--args", default=None, help=ARGS_HELP)
    bench.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    bench.add_argument("--out", type=pathlib.Path, default=None,
                       help="folder for the report (default: ./bench-FUNCTION; for the "
                            "suite benchmarks/results/)")
    bench.add_argument("--quick", action="store_true", help="few, short samples: seconds, not tens")
    bench.add_argument("--no-peers", action="store_true", help="skip autograd and JAX")
    bench.add_argument("--only", default=None, help="suite only: benchmarks to run, e.g. logistic")
    check = commands.add_parser(
        "check", help="check a function's gradient: random directions, Taylor test",
        description="Check s2s_ad's gradient of path/file.py:func at --args: directional "
                    "derivatives along random directions against Richardson differences, "
                    "the Taylor remainder test, and (once forward mode exists) the "
                    "dot-product test. Exits 1 if any fails.")
    check.add_argument("target", help="path/to/file.py:function")
    check.add_argument("--args", default=None, help=ARGS_HELP)
    check.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    check.add_argument("--seed", type=int, default=0, help="seed of the random directions")
    args = parser.parse_args(argv)

    from .errors import TranslationError
    try:
        return _run(args)
    except TranslationError as error:       # a located message, no compiler traceback
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        if args.command == "show" and not args.args and "example arguments" in str(error):
            sys.stderr.write("hint: give example arguments, e.g. --args 'np.ones(3), 2.0'\n")
        return 1


def _run(args):
    if args.command == "demo":
        from .demo import main as demo
        demo()
    elif args.command == "show":
        return _show(args)
    elif args.command == "bench":
        return _bench(args) if args.target else _suite(args)
    elif args.command == "check":
        return _check(args)
    return 0


def _show(args):
    from . import show
    fun, module = _load_function(args.target)
    example = _example_args(args.args, module) if args.args else ()
    show(fun, *example, argnums=_argnums(args.argnums))
    return 0


def _load_function(target):
    """The function `name` of path/to/file.py:name, and its module; an already
    decorated (@grad) function gives the user's original."""
    path, _, name = target.rpartition(":")
    if not path or not name:
        sys.exit("expected path/to/file.py:function")
    file = pathlib.Path(path).resolve()
    if not file.is_file():
        sys.exit(f"no such file: {path}")
    sys.path.insert(0, str(file.parent))        # so the file can import its neighbours
    spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if not hasattr(module, name):
        sys.exit(f"{path} has no function {name}")
    fun = getattr(module, name)
    return getattr(fun, "__wrapped__", fun), module


def _example_args(text, module):
    """--args evaluated with np, numpy, math and the module's own names in scope."""
    scope = {**vars(module), "np": numpy, "numpy": numpy, "math": math}
    return eval(f"({text},)", scope)


def _argnums(text):
    numbers = tuple(int(n) for n in text.split(","))
    return numbers[0] if len(numbers) == 1 else numbers


def _needs_args(args):
    if not args.args:
        sys.exit(f"{args.command} needs example arguments: --args 'np.ones(1000), 2.0'")


def _bench(args):
    """Benchmark one user function; works from an installed package."""
    from .bench import benchmark, plots
    from .bench.peers import NUMPY_PEERS
    _needs_args(args)
    fun, module = _load_function(args.target)
    example = _example_args(args.args, module)
    report = benchmark(fun, *example, argnums=_argnums(args.argnums), quick=args.quick,
                       peers=() if args.no_peers else NUMPY_PEERS)
    print(report)
    out = args.out or pathlib.Path.cwd() / f"bench-{fun.__name__}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(str(report))
    report.to_json(out / "report.json")
    print(f"report: {out / 'report.md'}, every number: {out / 'report.json'}")
    if plots.available():
        print(f"plot: {report.plot(out / 'report.png')}")
    else:
        print("plots skipped: matplotlib not installed (pip install matplotlib)")
    return 0 if report.crosscheck_ok is not False and report.time("s2s_ad") is not None else 1


def _suite(args):
    """The project's suite lives in a source checkout's benchmarks/ folder: the
    current folder's, or the one next to this package."""
    argv = (["--quick"] if args.quick else []) + (["--only", args.only] if args.only else []) \
        + (["--out", str(args.out)] if args.out else [])
    root = pathlib.Path(__file__).resolve().parent.parent
    for folder in (pathlib.Path.cwd(), root):
        if (folder / "benchmarks" / "run.py").exists():
            sys.path.insert(0, str(folder))
            from benchmarks.run import main as run
            return run(argv)
    sys.exit("no benchmarks/ folder here to run the project's suite (it comes with a "
             "source checkout). To benchmark your own function:\n"
             "  python -m s2s_ad bench path/to/file.py:function --args 'np.ones(1000)'")


def _check(args):
    from .check import full_check
    _needs_args(args)
    fun, module = _load_function(args.target)
    example = _example_args(args.args, module)
    report = full_check(fun, *example, argnums=_argnums(args.argnums), seed=args.seed)
    print(f"# Gradient check of {fun.__name__}\n")
    print(report, end="")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
