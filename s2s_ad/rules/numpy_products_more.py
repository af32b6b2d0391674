"""Extensions of existing product rules, kept beside them rather than restructuring
them: np.trace with offset and axes, np.dot of arrays with more than 2 dimensions,
np.einsum with '...'. Each wraps the rule's template, handling the new cases and
passing the old ones on unchanged."""

import numpy as np

from . import METHOD, Unsupported, _signature, rule_for_call, rule_for_operator
from .numpy_layout import _tensordot


def _trace(info):
    """trace(a, offset, axis1, axis2) sums a[..., i, ..., i + offset, ...]: its adjoint
    is g spread along that diagonal (the 2-D case, g * eye, is the old template's)."""
    shape = info.shape("a")
    offset, a1, a2 = (info.get(n, "?") for n in ("offset", "axis1", "axis2"))
    if not all(isinstance(v, int) for v in (offset, a1, a2)):
        raise Unsupported("'offset', 'axis1' and 'axis2' of np.trace must be literal ints")
    if len(shape) < 2:
        raise Unsupported("np.trace needs an array of 2 or more dimensions")
    a1, a2 = a1 % len(shape), a2 % len(shape)
    eye = f"np.eye({shape[a1]}, {shape[a2]}, {offset})"
    if a1 > a2:
        eye = f"{eye}.T"
    placed = tuple(n if d in (a1, a2) else 1 for d, n in enumerate(shape))
    if len(shape) == 2:
        return f"g * {eye}"
    return f"np.expand_dims(g, {(min(a1, a2), max(a1, a2))!r}) * np.reshape({eye}, {placed!r})"


_TRACE = rule_for_call(np.trace)
_TRACE.signature = _signature("a, offset=0, axis1=0, axis2=1")
_TRACE.adjoints["a"] = _trace


def _dot(which, old):
    """np.dot(a, b) with a or b of more than 2 dimensions contracts a's last axis with
    b's second to last (its only axis for 1-D b): tensordot's adjoint with those axes."""
    def template(info):
        na, nb = len(info.shape("a")), len(info.shape("b"))
        if min(na, nb) == 0 or max(na, nb) <= 2:
            return old(info)
        info.statics["axes"] = ([na - 1], [max(nb - 2, 0)])
        try:
            return _tensordot(which)(info)
        finally:
            del info.statics["axes"]
    return template


for _rule in (rule_for_call(np.dot), rule_for_operator(METHOD, "dot")):
    _rule.adjoints = {p: _dot(p, t) for p, t in _rule.adjoints.items()}


def _explicit(spec, shapes):
    """'...ij,...jk->...ik' with the ellipsis spelled out in letters the spec does not
    use, right-aligned as NumPy broadcasts it. Refused where an operand's ellipsis axis
    of length 1 is broadcast against a longer one (its adjoint would need a sum)."""
    inputs, output = spec.replace(" ", "").split("->")
    inputs = inputs.split(",")
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in spec]
    lengths = [len(s) - (len(term) - 3) if "..." in term else 0
               for term, s in zip(inputs, shapes)]
    width = max(lengths, default=0)
    letters = free[:width]
    sizes = {}
    for term, s, n in zip(inputs, shapes, lengths):
        for letter, size in zip(letters[width - n:], s[:n] if n else ()):
            sizes.setdefault(letter, set()).add(size)
    if any(len(v) > 1 for v in sizes.values()):
        raise Unsupported("einsum with '...' is supported where the operands' '...' axes "
                          "have equal lengths (no broadcasting of length 1)")
    terms = [t.replace("...", "".join(letters[width - n:])) for t, n in zip(inputs, lengths)]
    return ",".join(terms) + "->" + output.replace("...", "".join(letters))


def _einsum(old):
    def template(info):
        spec = info.get("subscripts")
        if isinstance(spec, str) and "..." in spec and "->" in spec:
            shapes, i = [], 0
            while f"operands[{i}]" in info.kinds:
                shapes.append(info.shape(f"operands[{i}]"))
                i += 1
            info.statics["subscripts"] = _explicit(spec, shapes)
        return old(info)
    return template


_EINSUM = rule_for_call(np.einsum)
_EINSUM.adjoints["operands"] = _einsum(_EINSUM.adjoints["operands"])
