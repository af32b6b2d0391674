"""Command line: `python -m s2s_ad {demo, show, bench}`."""
import argparse
import math
import importlib.util
import pathlib
import sys
import traceback

import numpy


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m s2s_ad",
                                     description="Source-to-source automatic differentiation")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="the lecture's reverse-mode example, end to end")
    show = commands.add_parser("show", help="print the gradient source for a function")
    show.add_argument("target", help="path/to/file.py:function")
    show.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    show.add_argument("--args", default=None,
                      help="example arguments as Python expressions (np and math available), e.g. '2.0, np.ones(3)' "
                           "(specialises the code to their kinds; default: generic code)")
    bench = commands.add_parser("bench", help="run the benchmark suite (benchmarks/)")
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="options for benchmarks/run.py")
    args, extra = parser.parse_known_args(argv)

    from .errors import TranslationError
    try:
        return _run(args, extra)
    except TranslationError as error:       # a located message, no compiler traceback
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        if args.command == "show" and not args.args and "example arguments" in str(error):
            sys.stderr.write("hint: give example arguments, e.g. --args 'np.ones(3), 2.0'\n")
        return 1


def _run(args, extra):
    if args.command == "demo":
        from .demo import main as demo
        demo()
    elif args.command == "show":
        return _show(args)
    elif args.command == "bench":
        return _bench(extra + args.rest)
    return 0


def _show(args):
    from . import show
    path, _, name = args.target.rpartition(":")
    if not path or not name:
        sys.exit("expected path/to/file.py:function")
    spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    fun = getattr(module, name)
    fun = getattr(fun, "__wrapped__", fun)          # already decorated with @grad
    numbers = tuple(int(n) for n in args.argnums.split(","))
    argnums = numbers[0] if len(numbers) == 1 else numbers
    example = ()
    if args.args:
        example = eval(f"({args.args},)", {"np": numpy, "numpy": numpy, "math": math})
    show(fun, *example, argnums=argnums)
    return 0


def _bench(argv):
    """The suite lives in the source tree's benchmarks/ folder, next to this package."""
    root = pathlib.Path(__file__).resolve().parent.parent
    for folder in (pathlib.Path.cwd(), root):
        if (folder / "benchmarks" / "run.py").exists():
            sys.path.insert(0, str(folder))
            from benchmarks.run import main as run
            return run(argv)
    sys.exit("bench needs a source checkout of s2s_ad: run it from the folder that "
             "holds benchmarks/")


if __name__ == "__main__":
    sys.exit(main())
