"""The tape rewrite of jit_source.py, checked on random programs without numba: the
rewritten source, run by CPython in the generated code's own namespace, must give
bit for bit the gradient the Python backend gives (the rewrite changes where entries
are kept, never what is computed).

    python tests/jit_rewrite_check.py --n 300        # a table of outcomes
"""
import argparse
import sys
import warnings
from pathlib import Path

if __name__ == "__main__":                  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

FAMILIES = ["scalar", "loops", "helpers", "arrays", "writes", "aliases", "globals", "decorated"]


def check(program):
    """'same', 'refused' (s2s_ad refuses the program), or 'DIFFERENT: ...'."""
    import s2s_ad
    from s2s_ad.errors import TranslationError, UsageError
    from s2s_ad.jit_source import numba_form
    from tests.judge import draw, load
    module = load(program)
    args = draw(program, np.random.default_rng(program.seed))
    argnums = tuple(range(len(args)))
    try:
        gradient = s2s_ad.value_and_grad(module.f, argnums=argnums)
        want = gradient(*args)
    except (TranslationError, UsageError):
        return "refused"
    python = gradient.compile(*args)
    python = getattr(python, "__wrapped__", python)
    namespace = dict(python.__globals__)
    exec(numba_form(gradient.source, python.__name__), namespace)
    got = namespace[python.__name__](*args)
    same = _same(got, want)
    return "same" if same else f"DIFFERENT: {got!r} != {want!r}"


def _same(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def main(argv=None):
    from tests.progen import generate, seed_for
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="programs per family")
    args = parser.parse_args(argv)
    warnings.simplefilter("error")
    bad = 0
    for family in FAMILIES:
        counts = {}
        for i in range(args.n):
            program = generate(family, seed_for(family, i))
            outcome = check(program)
            if outcome.startswith("DIFFERENT"):
                bad += 1
                print(f"seed {program.seed}: {outcome}")
                outcome = "DIFFERENT"
            counts[outcome] = counts.get(outcome, 0) + 1
        print(f"{family:8s} " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
