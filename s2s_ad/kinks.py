"""`kinks(f, *args)`: every evaluation of f at `args` that lands exactly on a kink.

    >>> report = s2s_ad.kinks(lambda x: np.maximum(x, 0.0) - np.maximum(-x, 0.0), 0.0)
    >>> len(report)
    2
    >>> print(report)

A kink is a point where a primitive's pieces meet (kink_table.py): relu/abs at 0,
ties in max/min/maximum/minimum/clip, a comparison exactly tied (read by a branch or
np.where), equal entries of np.sort. The report has one entry per evaluation that hits
one (a loop hitting the same line twice gives two entries; an array operation with
several tied elements gives one entry listing them), with the user's line, the
primitive, its one-sided derivatives, the Clarke set there and the element of it the
default mode uses. Only primitives reading a value that depends on the differentiated
arguments (`argnums`, as for grad) count.
"""
from dataclasses import dataclass

import numpy as np

from .kink_sweep import KinkAnalysis

_SHOWN_ELEMENTS = 8


@dataclass
class Kink:
    line: int                   # the line of the user's source
    source: str                 # its text
    primitive: str              # the rule's name: 'numpy.maximum', 'abs', 'gt', ...
    where: str                  # the tie: 'x == y', 'x == 0', ...
    elements: list              # the tied elements' indices (None for a scalar)
    one_sided: dict             # parameter -> (derivative from below, from above)
    clarke: dict                # parameter -> (lo, hi): the Clarke set's projection
    clarke_text: str            # the Clarke set in words
    default: dict               # parameter -> the partial derivative default mode uses
    default_text: str           # ... and why
    inlined: str = None         # the helper call this came through, if any

    def __str__(self):
        head = f"line {self.line}: {self.source}"
        if self.inlined:
            head += f"   ({self.inlined})"
        where = self.where
        if self.elements is not None:
            shown = ", ".join(str(e) for e in self.elements[:_SHOWN_ELEMENTS])
            more = ", ..." if len(self.elements) > _SHOWN_ELEMENTS else ""
            where += f" at {len(self.elements)} element(s): {shown}{more}"
        lines = [head, f"    {self.primitive}: {where}"]
        if self.one_sided:
            sides = "; ".join(_sides(p, a, b) for p, (a, b) in self.one_sided.items())
            values = any(isinstance(a, (bool, np.bool_)) for a, _ in self.one_sided.values())
            label = "on either side" if values else "one-sided derivatives"
            lines.append(f"    {label}: {sides}")
        lines.append(f"    Clarke set: {self.clarke_text}")
        if self.default:
            used = ", ".join(f"d/d{p} = {_num(v)}" for p, v in self.default.items())
            lines.append(f"    default mode uses: {used} ({self.default_text})")
        else:
            lines.append(f"    default mode: {self.default_text}")
        return "\n".join(lines)


def _sides(param, below, above):
    if isinstance(below, (bool, np.bool_)):     # a comparison: its value on each side
        return f"{param} is {below} for x < y, {above} for x > y"
    return f"d/d{param}: {_num(below)} from below, {_num(above)} from above"


def _num(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return f"{float(v):g}"


class KinkReport(list):
    """The kinks hit, in the order they were evaluated (a list of `Kink`)."""

    def __str__(self):
        if not self:
            return "no kinks hit: every primitive was evaluated where it is differentiable"
        head = f"{len(self)} kink(s) hit:"
        return "\n".join([head] + [str(k) for k in self])

    __repr__ = list.__repr__


def kinks(fun, *args, argnums=0):
    """The report of the kinks `fun(*args)` evaluates (see the module docstring)."""
    analysis = KinkAnalysis(fun, argnums, args)
    report = KinkReport()

    def hook(k, ans, vals):
        site = analysis.sites[k]
        tied = site.family.ties(site, ans, vals)
        if not np.any(tied):
            return
        described = site.family.describe(site, ans, vals, site.varied)
        one_sided, clarke, clarke_text, default, default_text, where = described
        if one_sided is not None:
            one_sided = {p: v for p, v in one_sided.items() if site.varied.get(p, True)}
        if default is not None:
            default = {p: v for p, v in default.items() if site.varied.get(p)}
        elements = None
        if np.ndim(tied):
            elements = [tuple(int(i) for i in ix) if len(ix) > 1 else int(ix[0])
                        for ix in np.argwhere(tied)]
        report.append(Kink(site.line, site.text, site.family.label(site.stmt.rule), where,
                           elements,
                           one_sided, clarke, clarke_text, default, default_text,
                           site.stmt.inlined))
    analysis.primal(hook)(*args)
    return report
