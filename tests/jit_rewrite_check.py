"""The tape rewrite of jit_source.py, checked on random programs without numba: the
rewritten source, run by CPython in the generated code's own namespace, must give
bit for bit the gradient the Python backend gives (the rewrite changes where entries
are kept, never what is computed).

    python tests/jit_rewrite_check.py --n 300        # a table of outcomes
"""
import sys
from pathlib import Path

if __name__ == "__main__":                  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.family_comparison import compare_families, reference, same as same_bits  # noqa: E402


def check(program):
    """'same', 'refused' (s2s_ad refuses the program), or 'DIFFERENT: ...'."""
    from s2s_ad.jit_source import numba_form
    run = reference(program)
    if run is None:
        return "refused"
    gradient, args, want = run
    python = gradient.compile(*args)
    python = getattr(python, "__wrapped__", python)
    namespace = dict(python.__globals__)
    exec(numba_form(gradient.source, python.__name__), namespace)
    got = namespace[python.__name__](*args)
    same = same_bits(got, want)
    return "same" if same else f"DIFFERENT: {got!r} != {want!r}"


def main(argv=None):
    return compare_families(check, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
