"""Command line: `python -m s2s_ad {demo, show, export, bench, check, kinks}`.

Every error the user can cause (a missing file or function, a file that fails to
import, bad --args, code s2s_ad refuses) is reported in one line, without a traceback.
"""
import argparse
import importlib.util
import inspect
import math
import os
import re
import pathlib
import sys

import numpy


ARGS_HELP = ("example arguments as Python expressions, e.g. '2.0, np.ones(3)' (np, numpy, "
             "math and the file's own names available)")


def main(argv=None):
    from . import __version__
    parser = argparse.ArgumentParser(prog="python -m s2s_ad",
                                     description="Source-to-source automatic differentiation")
    parser.add_argument("--version", action="version", version=f"s2s_ad {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    from .demo import DEMOS
    demo = commands.add_parser(
        "demo", help="the lecture's worked examples, end to end",
        description="Without NAME, every worked example of the lecture briefly; with "
                    "NAME, that one in full: " + "; ".join(
                        f"{name}: {about}" for name, (_, about) in DEMOS.items()))
    demo.add_argument("name", nargs="?", choices=list(DEMOS), help="one sub-demo")
    show = commands.add_parser("show", help="print the gradient source for a function")
    show.add_argument("target", help="path/to/file.py:function")
    show.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    show.add_argument("--mode", choices=("grad", "jvp"), default="grad",
                      help="grad (reverse mode, the default) or jvp (forward mode)")
    show.add_argument("--args", default=None,
                      help=ARGS_HELP + " (specialises the code to their kinds; default: generic code)")
    export = commands.add_parser(
        "export", help="write the gradient as a standalone module (numpy only)",
        description="Write the gradient of path/file.py:func, specialised for --args, "
                    "as a Python module that imports numpy, math and the standard "
                    "library but not s2s_ad.")
    export.add_argument("target", help="path/to/file.py:function")
    export.add_argument("--args", default=None, help=ARGS_HELP)
    export.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    export.add_argument("--mode", choices=("grad", "value_and_grad"), default="grad",
                        help="what the exported function returns (default: grad)")
    export.add_argument("-o", "--out", type=pathlib.Path, default=None,
                        help="file to write (default: print to stdout)")
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
    from .kinks_cli import add_parser as add_kinks
    add_kinks(commands, ARGS_HELP)
    args = parser.parse_args(argv)

    from .errors import TranslationError, UsageError
    try:
        return _run(args)
    except TranslationError as error:       # a located message, no compiler traceback
        where = f"{error.filename}, line {error.lineno}: " if error.filename else ""
        sys.stderr.write(f"error: {where}{error.msg}\n")
        if not args.args and "example arguments" in str(error):
            sys.stderr.write(_shape_hint(error, args) + "\n")
        return 1
    except (UsageError, CommandError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    except Exception as error:      # raised in the user's code (its example run, ...)
        if os.environ.get("S2S_AD_TRACEBACK"):
            raise
        sys.stderr.write(f"error: {_one_line(error)} (S2S_AD_TRACEBACK=1 shows the "
                         "traceback)\n")
        return 1


class CommandError(Exception):
    """A mistake on the command line or in the user's file: one line, no traceback."""


def _run(args):
    if args.command == "demo":
        from .demo import main as demo
        demo(args.name)
    elif args.command == "show":
        return _show(args)
    elif args.command == "export":
        return _export(args)
    elif args.command == "bench":
        return _bench(args) if args.target else _suite(args)
    elif args.command == "check":
        return _check(args)
    elif args.command == "kinks":
        from .kinks_cli import run
        return run(args, sys.modules[__name__])
    return 0


def _show(args):
    from . import show
    fun, module = _load_function(args.target)
    example = _example_args(args.args, module) if args.args else ()
    show(fun, *example, argnums=_argnums(args.argnums), mode=args.mode)
    return 0


def _export(args):
    from .export import export
    _needs_args(args)
    fun, module = _load_function(args.target)
    example = _example_args(args.args, module)
    text = export(fun, *example, argnums=_argnums(args.argnums), mode=args.mode)
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text)
        print(f"wrote {args.out}")
    return 0


def _load_function(target):
    """The function `name` of path/to/file.py:name, and its module; an already
    decorated (@grad) function gives the user's original."""
    path, _, name = target.rpartition(":")
    if not path or not name:
        raise CommandError(f"expected path/to/file.py:function, got {target!r}")
    file = pathlib.Path(path).resolve()
    if not file.is_file():
        raise CommandError(f"no such file: {path}")
    sys.path.insert(0, str(file.parent))        # so the file can import its neighbours
    spec = importlib.util.spec_from_file_location(file.stem, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:          # the user's error, in one line
        raise CommandError(f"{path} failed to import: {_one_line(error, file)}") from None
    if not hasattr(module, name):
        raise CommandError(f"{path} has no function {name}")
    fun = getattr(module, name)
    return getattr(fun, "__wrapped__", fun), module


def _shape_hint(error, args):
    """Which of the user's variables needs a shape, and the --args that gives one."""
    found = re.search(r"shape of '([^']+)'", error.msg)
    needs = f"'{found.group(1)}' needs a shape: " if found else ""
    try:
        fun, _ = _load_function(args.target)
        params = list(inspect.signature(fun).parameters)
    except Exception:
        params = ["x"]
    example = ", ".join("np.ones(3)" for _ in params)
    return (f"hint: {needs}give example arguments for ({', '.join(params)}), "
            f"e.g. --args '{example}'")


def _one_line(error, file=None):
    """`Type: message (file:line)` for an exception raised in the user's code."""
    where = ""
    tb = error.__traceback__
    while tb is not None:
        if file is None or tb.tb_frame.f_code.co_filename == str(file):
            where = f" ({tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(error, SyntaxError) and error.lineno:
        where = f" ({error.filename}:{error.lineno})"
        message = error.msg
    else:
        message = str(error)
    return f"{type(error).__name__}: {message}{where}"


def _example_args(text, module):
    """--args evaluated with np, numpy, math and the module's own names in scope."""
    scope = {**vars(module), "np": numpy, "numpy": numpy, "math": math}
    try:
        return eval(f"({text},)", scope)
    except Exception as error:
        raise CommandError(f"--args {text!r}: {_one_line(error, '<string>')}") from None


def _argnums(text):
    try:
        numbers = tuple(int(n) for n in text.split(","))
    except ValueError:
        raise CommandError(f"--argnums {text!r}: expected integers like 0 or 0,1") from None
    return numbers[0] if len(numbers) == 1 else numbers


def _needs_args(args):
    if not args.args:
        raise CommandError(f"{args.command} needs example arguments: "
                           "--args 'np.ones(1000), 2.0'")


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
    raise CommandError("no benchmarks/ folder here to run the project's suite (it comes "
                       "with a source checkout); to benchmark your own function: python -m "
                       "s2s_ad bench path/to/file.py:function --args 'np.ones(1000)'")


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
