"""The loop shared by the scripts that compare two ways of running random programs
(tests/checkpoint_check.py, tests/jit_rewrite_check.py): for each progen family, run
`check(program)` on --n programs, count its outcomes and print the DIFFERENT ones."""
import argparse
import warnings

import numpy as np

FAMILIES = ["scalar", "loops", "helpers", "arrays", "writes", "aliases", "globals",
            "decorated"]


def same(a, b):
    """Equal to the bit (NaNs included), through tuples."""
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same, a, b))
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def reference(program):
    """(value_and_grad of the program's f, the drawn arguments, its result), or None
    where s2s_ad refuses the program."""
    import s2s_ad
    from s2s_ad.errors import TranslationError, UsageError
    from tests.judge import draw, load
    module = load(program)
    args = draw(program, np.random.default_rng(program.seed))
    try:
        gradient = s2s_ad.value_and_grad(module.f, argnums=tuple(range(len(args))))
        return gradient, args, gradient(*args)
    except (TranslationError, UsageError):
        return None


def compare_families(check, description, argv=None):
    """Exit status 1 if any outcome starts with DIFFERENT, else 0."""
    from tests.progen import generate, seed_for
    parser = argparse.ArgumentParser(description=description)
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
