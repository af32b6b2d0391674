"""checkpoint_loops on random programs: the checkpointed gradient must equal the plain
one bit for bit (recomputation runs the same statements on the same values), or be
refused with a TranslationError.

    python tests/checkpoint_check.py --n 200        # a table of outcomes per family
"""
import argparse
import sys
import warnings
from pathlib import Path

if __name__ == "__main__":                  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

FAMILIES = ["scalar", "loops", "helpers", "arrays", "writes", "aliases", "globals",
            "decorated"]


def check(program, every=(1, 2, 3, None)):
    """'same', 'no loop', 'refused' (s2s_ad refuses the program), 'not checkpointed'
    (checkpoint_loops refuses it), or 'DIFFERENT: ...'."""
    import s2s_ad
    from s2s_ad.errors import TranslationError, UsageError
    from tests.judge import draw, load
    module = load(program)
    args = draw(program, np.random.default_rng(program.seed))
    argnums = tuple(range(len(args)))
    try:
        gradient = s2s_ad.value_and_grad(module.f, argnums=argnums)
        want = gradient(*args)
    except (TranslationError, UsageError):
        return "refused"
    if "tape_push" not in gradient.source:
        return "no loop"
    for k in every:
        try:
            got = s2s_ad.checkpoint_loops(gradient, every=k)(*args)
        except TranslationError:
            return "not checkpointed"
        if not _same(got, want):
            return f"DIFFERENT (every={k}): {got!r} != {want!r}"
    return "same"


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
        print(f"{family:9s} " + "  ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
