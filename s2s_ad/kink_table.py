"""The kinks of the rule table: the primitives that are not differentiable where two of
their pieces meet, and, for each, what the kink report and the Clarke mode need. The
families are written in kink_pieces.py (those whose pieces the Clarke mode selects)
and kink_checks.py (those it only checks for ties), on kink_family.py's base.

A *family* groups primitives that kink the same way:

    choice    np.maximum/np.minimum/np.fmax/np.fmin, builtin max(x, y)/min(x, y):
              the pieces x and y meet where x == y (relu = maximum(x, 0) at 0)
    abs       abs, np.abs, np.fabs, math.fabs: the pieces x and -x meet at 0
    clip      np.clip(a, lo, hi): the pieces lo, a, hi meet where a == lo, a == hi
    compare   x < y, x <= y, x > y, x >= y, x == y, x != y: a branch or np.where on
              the comparison switches pieces where x == y
    extreme   np.max/np.min (and amax, amin, .max(), .min()): entries tied for the
              extreme of a fibre
    sort      np.sort: equal entries (the order among them is a choice)

Each family answers, from the values at one evaluation (its `vals`, in the order of
`params`, and the result `ans`):

    ties(site, ans, vals)         which elements sit exactly on a kink (any() of it)
    describe(site, ans, vals)     one-sided derivatives, the Clarke set, the element
                                  the default mode uses (the kink report, kinks.py)
    select(site, ans, vals, dots, previous)
                                  the Clarke mode's choice of piece (Kakade & Lee):
                                  off the kink the piece the values select; on it the
                                  piece active on x + t·v for small t > 0, read from
                                  the directional derivatives `dots` along v; a tie in
                                  that direction too stays undecided for the next
                                  direction. Returns (record, replacement): the record
                                  (selection, undecided mask) and the value the
                                  instrumented sweep continues with (the result's
                                  tangent along the selected piece, or for a
                                  comparison its resolved value).
    selected_rule(rule)           the rule of the primitive restricted to the selected
                                  piece: the same forward value, adjoints that read the
                                  selection `sel` (clarke.py), or None for comparisons
                                  (their resolved value replaces them outright).
"""
from .kink_checks import ArgExtreme, RefusedAtTies, Sort
from .kink_family import ClarkeUnsupported
from .kink_pieces import _COMPARISONS, Abs, Choice, Clip, Compare, Extreme

__all__ = ["ClarkeUnsupported", "family_of"]


_FAMILIES = {
    **{n: Choice(True) for n in ("numpy.maximum", "numpy.fmax", "max")},
    **{n: Choice(False) for n in ("numpy.minimum", "numpy.fmin", "min")},
    **{n: Abs() for n in ("numpy.absolute", "numpy.abs", "numpy.fabs", "math.fabs", "abs")},
    "numpy.clip": Clip(),
    **{n: Compare(n) for n in _COMPARISONS},
    **{n: Extreme(True) for n in ("numpy.max", "numpy.amax", "ndarray.max")},
    **{n: Extreme(False) for n in ("numpy.min", "numpy.amin", "ndarray.min")},
    "numpy.sort": Sort(),
    **{f"numpy.{n}": Compare(op, ("args[0]", "args[1]")) for n, op in (
        ("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
        ("equal", "eq"), ("not_equal", "ne"))},
    **{f"numpy.{n}": ArgExtreme(n) for n in ("argmax", "argmin", "argsort")},
    "numpy.linalg.norm": RefusedAtTies("np.linalg.norm", ("x",)),
    "numpy.searchsorted": RefusedAtTies("np.searchsorted", ("args[0]", "args[1]")),
}


def family_of(rule):
    """The kink family of a rule, or None for a primitive without kinks here."""
    return _FAMILIES.get(rule.name)
