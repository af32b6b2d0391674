"""The kink families whose pieces the Clarke mode selects (kink_table.py): max/min of
two, abs, clip, comparisons, and np.max/np.min over axes."""
import operator

import numpy as np

from .kink_family import (_Family, _any, _is_scalar, _same_kind, _scalar_result, _where,
                          _with_selection)
from .rules import masked
from .rules.numpy_reductions import spread


class Choice(_Family):
    """max-like: `sel` is True where x is the piece taken, False where y is."""
    name = "choice"
    params = ("x", "y")

    def __init__(self, bigger):
        self.bigger = bigger
        # as `select` decides off a tie
        self.inline_selection = self.inline_array_selection = "x > y" if bigger else "x < y"
        self.inline_tangent = f"x_dot if {self.inline_selection} else y_dot"
        self.inline_array_tangent = f"np.where({self.inline_selection}, x_dot, y_dot)"

    def ties(self, site, ans, vals):
        x, y = vals
        return np.equal(x, y)

    def tie_pairs(self, site):
        return [("x", "y")]

    def evaluate(self, site, vals):
        return _scalar_result((np.maximum if self.bigger else np.minimum)(*vals), *vals)

    def describe(self, site, ans, vals, varied):
        x_name, y_name = "x", "y"
        word = "max" if self.bigger else "min"
        # d/dx below the tie (x < y) and above it, and the same for y moving past x
        side = (0.0, 1.0) if self.bigger else (1.0, 0.0)
        one_sided = {x_name: side, y_name: side}
        both = varied.get("x") and varied.get("y")
        if both:
            default = {"x": 0.5, "y": 0.5}
            note = "split evenly"
        else:
            default = {"x": 0.0, "y": 0.0}
            note = "the tie goes to the argument that does not vary"
        clarke = {"x": (0.0, 1.0), "y": (0.0, 1.0)}
        text = "{(d/dx, d/dy) = (t, 1 - t) : 0 <= t <= 1}"
        if not both:
            text = ("d/dx in [0, 1]" if varied.get("x") else "d/dy in [0, 1]")
        return one_sided, clarke, text, default, note, f"x == y ({word} of two tied values)"

    def select(self, site, ans, vals, dots, previous):
        x, y = vals
        xd, yd = dots
        scalar = _is_scalar(ans)
        if scalar and not isinstance(xd, np.ndarray) and not isinstance(yd, np.ndarray):
            return self._select_number(x, y, xd, yd, previous)
        if previous is None:
            sel = np.greater(x, y) if self.bigger else np.less(x, y)
            undecided = np.equal(x, y)
        else:
            sel, undecided = previous
        if _any(undecided):
            # Where still undecided, sel is False (x > y is False at a tie, and no
            # direction has changed it): x is taken where its tangent wins, y where
            # the tangents tie too (still undecided) or y's wins.
            sel = np.where(undecided, np.greater(xd, yd) if self.bigger else np.less(xd, yd),
                           sel)
            undecided = undecided & np.equal(xd, yd)
        if scalar:
            sel = bool(sel)
        elif np.shape(sel) != np.shape(ans):
            sel = np.broadcast_to(sel, np.shape(ans)).copy()
        return (sel, undecided), _where(sel, xd, yd, scalar)

    def _select_number(self, x, y, xd, yd, previous):
        """`select` for numbers, without arrays (a Python call costs less)."""
        if previous is None:
            sel, undecided = bool(x > y if self.bigger else x < y), bool(x == y)
        else:
            sel, undecided = previous
        if undecided and xd != yd:
            sel, undecided = bool(xd > yd if self.bigger else xd < yd), False
        return (sel, undecided), (xd if sel else yd)

    def selected_rule(self, rule):
        def x(info):
            return masked("sel", "g", info)

        def y(info):
            if info.lib == "math":
                return "g * float(not sel)"
            return "np.where(sel, 0.0, g)"
        return _with_selection(rule, {"x": x, "y": y})


class Abs(_Family):
    """`sel` is the sign of the piece taken: +1 (x), -1 (-x); 0 where undecided."""
    name = "abs"
    params = ("x",)
    # as `select` decides off the tie (sel * x_dot: the same bits; 0 for a NaN)
    inline_selection = "1.0 if x > 0 else -1.0 if x < 0 else 0.0"
    inline_tangent = "x_dot if x > 0 else -x_dot if x < 0 else 0.0 * x_dot"
    inline_array_selection = "np.sign(x).astype(float)"
    inline_array_tangent = "np.sign(x).astype(float) * x_dot"

    def ties(self, site, ans, vals):
        return np.equal(vals[0], 0)

    def tie_pairs(self, site):
        return [("x", 0.0)]

    def evaluate(self, site, vals):
        return _scalar_result(np.abs(vals[0]), *vals)

    def describe(self, site, ans, vals, varied):
        return ({"x": (-1.0, 1.0)}, {"x": (-1.0, 1.0)}, "d/dx in [-1, 1]", {"x": 0.0},
                "sign(0) = 0", "x == 0")

    def select(self, site, ans, vals, dots, previous):
        (x,), (xd,) = vals, dots
        scalar = _is_scalar(ans)
        if scalar and not isinstance(xd, np.ndarray):      # numbers: no arrays
            if previous is None:
                sel, undecided = (1.0 if x > 0 else -1.0 if x < 0 else 0.0), bool(x == 0)
            else:
                sel, undecided = previous
            if undecided and xd != 0:
                sel, undecided = (1.0 if xd > 0 else -1.0), False
            return (sel, undecided), sel * xd
        if previous is None:
            sel, undecided = np.sign(x).astype(float), np.equal(x, 0)
        else:
            sel, undecided = previous
        if _any(undecided):
            up, down = np.greater(xd, 0), np.less(xd, 0)
            sel = np.where(undecided & up, 1.0, np.where(undecided & down, -1.0, sel))
            undecided = undecided & ~(up | down)
        sel = float(sel) if scalar else np.broadcast_to(sel, np.shape(ans)).copy()
        return (sel, undecided), sel * xd

    def selected_rule(self, rule):
        return _with_selection(rule, {"x": "g * sel"})


class Clip(_Family):
    """`sel` is 0 where the lower bound is the piece taken, 1 where a is, 2 where the
    upper bound is."""
    name = "clip"
    params = ("a", "a_min", "a_max")

    def ties(self, site, ans, vals):
        a, lo, hi = vals
        tied = np.zeros(np.shape(ans), dtype=bool)
        for bound in (lo, hi):
            if bound is not None:
                tied = tied | np.equal(a, bound)
        return tied

    def tie_pairs(self, site):
        return [("a", p) for p in ("a_min", "a_max") if p in site.stmt.args]

    def evaluate(self, site, vals):
        return _scalar_result(np.clip(*vals), *vals)

    def describe(self, site, ans, vals, varied):
        a, lo, hi = vals
        at_lo = lo is not None and _any(np.equal(a, lo))
        one_sided = {"a": (0.0, 1.0) if at_lo else (1.0, 0.0)}
        where = "a == a_min" if at_lo else "a == a_max"
        return (one_sided, {"a": (0.0, 1.0)}, "d/da in [0, 1]", {"a": 0.0},
                "the tie goes to the bound", where)

    def select(self, site, ans, vals, dots, previous):
        a, lo, hi = vals
        ad, lod, hid = dots
        scalar = _is_scalar(ans)
        lo_ = -np.inf if lo is None else lo
        hi_ = np.inf if hi is None else hi
        if previous is None:
            sel = np.where(np.less_equal(a, lo_), 0, np.where(np.greater_equal(a, hi_), 2, 1))
            undecided = np.equal(a, lo_) | np.equal(a, hi_)
        else:
            sel, undecided = previous
        if _any(undecided):
            lod_ = 0.0 if lod is None else lod
            hid_ = 0.0 if hid is None else hid
            at_lo, at_hi = undecided & np.equal(a, lo_), undecided & np.equal(a, hi_)
            sel = np.where(at_lo & np.greater(ad, lod_), 1,
                           np.where(at_lo & np.less(ad, lod_), 0, sel))
            sel = np.where(at_hi & np.less(ad, hid_), 1,
                           np.where(at_hi & np.greater(ad, hid_), 2, sel))
            undecided = ((at_lo & np.equal(ad, lod_)) | (at_hi & np.equal(ad, hid_)))
        sel = int(sel) if scalar else np.broadcast_to(sel, np.shape(ans)).astype(np.int8)
        lod_ = 0.0 if lod is None else lod
        hid_ = 0.0 if hid is None else hid
        dot = _where(sel == 1, ad, _where(sel == 0, lod_, hid_, scalar), scalar)
        return (sel, undecided), dot

    def selected_rule(self, rule):
        return _with_selection(rule, {
            "a": lambda info: masked("sel == 1", "g", info),
            "a_min": lambda info: masked("sel == 0", "g", info),
            "a_max": lambda info: masked("sel == 2", "g", info)})


# comparison rule name -> (x's tangent above y's makes it True, ... below makes it True)
_COMPARISONS = {"gt": (True, False), "ge": (True, False), "lt": (False, True),
                "le": (False, True), "eq": (False, False), "ne": (True, True)}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "==", "ne": "!="}


class Compare(_Family):
    """A comparison exactly tied: the branch (or np.where) reading it switches pieces."""
    name = "compare"

    def __init__(self, op, params=("x", "y")):
        self.op = op
        self.params = params        # np.greater(a, b) binds its operands as args[0], args[1]

    def ties(self, site, ans, vals):
        return np.equal(vals[0], vals[1])

    def tie_pairs(self, site):
        return [self.params]

    def evaluate(self, site, vals):
        return getattr(operator, self.op)(*vals)

    def label(self, rule):
        return f"the comparison x {_SYMBOLS[self.op]} y"

    def describe(self, site, ans, vals, varied):
        symbol = _SYMBOLS[self.op]
        above, below = _COMPARISONS[self.op]
        at = bool(np.all(ans)) if _is_scalar(ans) else "as computed"
        one_sided = {f"x {symbol} y": (below, above)}
        return (one_sided, None,
                "the convex hull of the gradients of the pieces on both sides "
                "(the branches, or np.where's arms, that meet here)", None,
                f"x {symbol} y is {at} at the tie, so the default mode takes that side",
                "x == y")

    def select(self, site, ans, vals, dots, previous):
        x, y = vals
        xd, yd = dots
        if _is_scalar(ans) and not isinstance(xd, np.ndarray) and \
                not isinstance(yd, np.ndarray):           # numbers: no arrays
            if previous is None:
                value, undecided = ans, bool(x == y)
            else:
                value, undecided = previous
            if undecided and xd != yd:
                above, below = _COMPARISONS[self.op]
                value, undecided = _same_kind(above if xd > yd else below, ans), False
            return (value, undecided), value
        if previous is None:
            value, undecided = np.asarray(ans, dtype=bool), np.equal(x, y)
        else:
            value, undecided = previous
        if _any(undecided):
            above, below = _COMPARISONS[self.op]
            up, down = np.greater(xd, yd), np.less(xd, yd)
            value = np.where(undecided & up, above, np.where(undecided & down, below, value))
            undecided = undecided & ~(up | down)
        if _is_scalar(ans):
            value = bool(value)
        return (_same_kind(value, ans), undecided), _same_kind(value, ans)


class Extreme(_Family):
    """np.max/np.min: `sel` weights the entries of each fibre (one-hot where a
    single entry is selected; 1/k over k entries tied in every direction)."""
    name = "extreme"
    params = ("a",)

    def __init__(self, bigger):
        self.bigger = bigger

    def _axes(self, site, a):
        axis = site.statics.get("axis", None)
        if axis is None:
            return tuple(range(np.ndim(a)))
        axes = axis if isinstance(axis, tuple) else (axis,)
        return tuple(sorted(x % np.ndim(a) for x in axes))

    def _hit(self, site, ans, a):
        axes = self._axes(site, a)
        return np.equal(a, np.expand_dims(ans, axes) if not site.statics.get("keepdims")
                        and np.ndim(ans) < np.ndim(a) else ans), axes

    def evaluate(self, site, vals):
        pick = np.max if self.bigger else np.min
        return pick(vals[0], axis=site.statics.get("axis"),
                    keepdims=bool(site.statics.get("keepdims")))

    def ties(self, site, ans, vals):
        hit, axes = self._hit(site, ans, np.asarray(vals[0]))
        return np.sum(hit, axis=axes) > 1

    def describe(self, site, ans, vals, varied):
        hit, axes = self._hit(site, ans, np.asarray(vals[0]))
        k = int(np.max(np.sum(hit, axis=axes)))
        return ({"a": (0.0, 1.0)}, {"a": (0.0, 1.0)},
                f"the simplex over the {k} tied entries (weights >= 0 summing to 1)",
                {"a": 1.0 / k}, f"1/{k} to each tied entry", "entries tied for the "
                + ("maximum" if self.bigger else "minimum"))

    def select(self, site, ans, vals, dots, previous):
        a = np.asarray(vals[0])
        ad = np.broadcast_to(dots[0], a.shape)
        if previous is None:
            candidates, axes = self._hit(site, ans, a)
        else:
            candidates, axes = previous[0] > 0, self._axes(site, a)
        fill = -np.inf if self.bigger else np.inf
        pick = np.max if self.bigger else np.min
        best = pick(np.where(candidates, ad, fill), axis=axes, keepdims=True)
        candidates = candidates & np.equal(ad, best)
        count = np.sum(candidates, axis=axes, keepdims=True)
        sel = candidates / count
        undecided = count > 1
        dot = np.sum(ad * sel, axis=axes, keepdims=bool(site.statics.get("keepdims")))
        return (sel, undecided), (dot if np.ndim(dot) else float(dot))

    def selected_rule(self, rule):
        def a(info):
            return f"{spread(info, 'g')} * sel"
        return _with_selection(rule, {"a": a})
