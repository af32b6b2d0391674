"""The kink families the report lists and the Clarke mode only checks, refusing a tie
where it is hit (kink_table.py): an index chosen among equal entries (argmax, argmin,
argsort, searchsorted), norms at zero or tied entries, np.sort's order of equal ones."""
import numpy as np

from .kink_family import ClarkeUnsupported, _Family


class ArgExtreme(_Family):
    """np.argmax/np.argmin/np.argsort: the index of tied entries is a choice, and a
    program indexing with it switches pieces there."""
    name = "argextreme"
    checks_only = True
    params = ("args[0]",)

    def __init__(self, what):
        self.what = what

    def ties(self, site, ans, vals):
        a = np.asarray(vals[0])
        if self.what == "argsort":
            return np.diff(np.sort(a, axis=None)) == 0
        extreme = np.max(a) if self.what == "argmax" else np.min(a)
        return np.array(np.sum(a == extreme) > 1)

    def describe(self, site, ans, vals, varied):
        return (None, None, "the hull over the choices of index among the tied entries",
                None, "the first of the tied entries (NumPy's choice)",
                "tied entries (an index chosen among them)")

    def select(self, site, ans, vals, dots, previous):
        if not np.any(self.ties(site, ans, vals)):
            return (None, False), None
        raise ClarkeUnsupported(f"the Clarke mode does not resolve ties of np.{self.what} "
                                "(the index it picks among equal entries); perturb the "
                                "tied entries, or use the default mode")


class RefusedAtTies(_Family):
    """Primitives whose kinks the report lists and the Clarke mode refuses: norms
    (at a zero entry, or tied largest entries for ord=inf), np.searchsorted (a value
    equal to an entry: the index is a choice a program may index with)."""
    name = "refused"
    checks_only = True

    def __init__(self, what, params):
        self.what, self.params = what, params

    def ties(self, site, ans, vals):
        if self.what == "np.searchsorted":
            return np.isin(vals[1], vals[0])
        a = np.abs(np.asarray(vals[0], dtype=float))
        tied = a == 0
        if site.statics.get("ord") in (np.inf, -np.inf):
            extreme = np.max(a) if site.statics["ord"] > 0 else np.min(a)
            tied = tied | ((a == extreme) & (np.sum(a == extreme) > 1))
        return tied

    def describe(self, site, ans, vals, varied):
        what = ("a value equal to an entry (the index is a choice)"
                if self.what == "np.searchsorted" else "a zero or tied entry")
        return (None, None, "not computed for this primitive", None,
                "see docs/nonsmooth.md", what)

    def select(self, site, ans, vals, dots, previous):
        if np.any(self.ties(site, ans, vals)):
            raise ClarkeUnsupported(f"the Clarke mode does not resolve the kinks of "
                                    f"{self.what}; perturb the point, or use the default "
                                    "mode")
        return (None, False), None

    def tie_pairs(self, site):
        return None


class Sort(_Family):
    name = "sort"
    checks_only = True
    params = ("a",)

    def ties(self, site, ans, vals):
        axis = site.statics.get("axis", -1)
        if axis is None:
            return np.diff(np.ravel(ans)) == 0
        return np.diff(ans, axis=axis) == 0

    def describe(self, site, ans, vals, varied):
        return (None, None, "the convex hull of the derivatives of every order of the "
                "tied entries", None, "the stable order (argsort kind='stable')",
                "equal entries")

    def select(self, site, ans, vals, dots, previous):
        if np.any(self.ties(site, ans, vals)):
            raise ClarkeUnsupported("the Clarke mode does not resolve ties of np.sort; "
                                    "perturb the tied entries, or use the default mode")
        return (None, False), None
