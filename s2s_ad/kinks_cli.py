"""`python -m s2s_ad kinks path/file.py:func --args ...`: the kink report (kinks.py) of
a function at example arguments, printed; with --clarke, the default and the Clarke
mode's gradients beside it."""


def add_parser(commands, args_help):
    kinks = commands.add_parser(
        "kinks", help="list the kinks (relu/abs at 0, ties) a function's evaluation hits",
        description="Evaluate path/file.py:func at --args and list every primitive "
                    "evaluated exactly on a kink: the line, the primitive, its one-sided "
                    "derivatives, the Clarke set there and the element the default mode "
                    "uses.")
    kinks.add_argument("target", help="path/to/file.py:function")
    kinks.add_argument("--args", default=None, help=args_help)
    kinks.add_argument("--argnums", default="0", help="comma-separated, e.g. 0,1")
    kinks.add_argument("--clarke", action="store_true",
                       help="also print the default and the Clarke mode's gradients")


def run(args, cli):
    """`cli` is the running __main__ module: its helpers read the target and --args
    (and raise its CommandError, which it reports in one line)."""
    from . import grad
    from .kinks import kinks
    cli._needs_args(args)
    fun, module = cli._load_function(args.target)
    example = cli._example_args(args.args, module)
    argnums = cli._argnums(args.argnums)
    report = kinks(fun, *example, argnums=argnums)
    print(f"# Kinks of {fun.__name__} at the example arguments\n")
    print(report)
    if args.clarke:
        print(f"\ndefault mode gradient: {grad(fun, argnums=argnums)(*example)}")
        print(f"Clarke mode gradient:  {grad(fun, argnums=argnums, kinks='clarke')(*example)}")
    return 0
