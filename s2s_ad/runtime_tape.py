"""The tape's debug mode (S2S_AD_CHECK=1): generated code tags every entry it pushes
with its block's number and checks each pop against it, then checks that the reverse
sweep consumed the whole tape. A mismatch is a compiler bug, never the user's: the
message says so.
"""


class TapeError(AssertionError):
    """The reverse sweep popped an entry its forward block did not push."""


def tape_check(entry, tag):
    """The value of a tagged tape entry, after checking it belongs to block `tag`."""
    if not (isinstance(entry, tuple) and len(entry) == 2 and entry[0] == tag):
        raise TapeError(f"s2s_ad internal error: the reverse sweep of block {tag} popped "
                        f"{entry!r}; please report this with the function")
    return entry[1]


def tape_empty(tape):
    """Check that every pushed entry was popped."""
    if tape:
        raise TapeError(f"s2s_ad internal error: {len(tape)} tape entries were never "
                        "popped; please report this with the function")


HELPERS = {f.__name__: f for f in (tape_check, tape_empty)}
