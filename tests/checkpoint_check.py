"""checkpoint_loops on random programs: the checkpointed gradient must equal the plain
one bit for bit (recomputation runs the same statements on the same values), or be
refused with a TranslationError.

    python tests/checkpoint_check.py --n 200        # a table of outcomes per family
"""
import sys
from pathlib import Path

if __name__ == "__main__":                  # run as a script: make `tests` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.family_comparison import compare_families, reference, same as same_bits  # noqa: E402


def check(program, every=(1, 2, 3, None)):
    """'same', 'no loop', 'refused' (s2s_ad refuses the program), 'not checkpointed'
    (checkpoint_loops refuses it), or 'DIFFERENT: ...'."""
    import s2s_ad
    from s2s_ad.errors import TranslationError
    run = reference(program)
    if run is None:
        return "refused"
    gradient, args, want = run
    if "tape_push" not in gradient.source:
        return "no loop"
    for k in every:
        try:
            got = s2s_ad.checkpoint_loops(gradient, every=k)(*args)
        except TranslationError:
            return "not checkpointed"
        if not same_bits(got, want):
            return f"DIFFERENT (every={k}): {got!r} != {want!r}"
    return "same"


def main(argv=None):
    return compare_families(check, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
