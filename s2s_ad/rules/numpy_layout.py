"""More shape manipulation: tile, repeat, pad (constant mode), diag, diagonal, diagflat,
triu, tril, tensordot, kron, roll, rot90, append, column_stack, atleast_3d, and the
splits (split, array_split, hsplit, vsplit, dsplit), whose result is a list.

Each adjoint gathers g back into the argument's layout with compile-time literals.
"""
import numpy as np

from . import Unsupported, defrule


def _static(info, name, what):
    if name not in info.statics:
        raise Unsupported(f"'{name}' must be a literal ({what})")
    return info.static(name)


def _tile(info):
    """A tile of A repeated r times along an axis: g, seen as (r, n) per axis, summed
    over the repetitions."""
    shape = info.shape("A")
    reps = _static(info, "reps", "an int or a tuple of ints")
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    d = max(len(shape), len(reps))
    padded = (1,) * (d - len(shape)) + tuple(shape)
    reps = (1,) * (d - len(reps)) + reps
    split = tuple(n for pair in zip(reps, padded) for n in pair)
    return (f"np.reshape(np.sum(np.reshape(g, {split!r}), axis={tuple(range(0, 2 * d, 2))!r}),"
            f" {tuple(shape)!r})")


defrule(np.tile, "A, reps", A=_tile)


def _repeat(info):
    """repeat(a, r, axis) reads a[..., np.repeat(np.arange(n), r), ...]: repeated
    positions receive the sum of their adjoints."""
    shape = info.shape("a")
    _static(info, "repeats", "an int or a sequence of ints")
    axis = info.get("axis", "?")
    if axis == "?":
        raise Unsupported("'axis' must be a literal int or None")
    if axis is None:
        size = int(np.prod(shape))
        return (f"np.reshape(scatter_add(g, ({size},), np.repeat(np.arange({size}), "
                f"repeats)), {shape!r})")
    axis %= len(shape)
    index = "(" + "slice(None), " * axis + f"np.repeat(np.arange({shape[axis]}), repeats))"
    return f"scatter_add(g, {shape!r}, {index})"


defrule(np.repeat, "a, repeats, axis=None", discrete=("repeats",), a=_repeat)


def _pad_widths(info):
    if info.get("mode", "?") != "constant":
        raise Unsupported("np.pad is supported in mode='constant' (the default)")
    widths = _static(info, "pad_width", "ints")
    shape = info.shape("array")
    return shape, np.broadcast_to(np.asarray(widths, dtype=int), (len(shape), 2))


def _pad_inside(info, shape, widths):
    return "g[" + ", ".join(f"{b}:{b + n}" for n, (b, _) in zip(shape, widths)) + "]"


def _pad_array(info):
    shape, widths = _pad_widths(info)
    return _pad_inside(info, shape, widths) if shape else "g"


def _pad_value(info):
    """A scalar constant fills every padded position: the sum of g there."""
    shape, widths = _pad_widths(info)
    if info.kind("constant_values") is None or info.shape("constant_values") != ():
        raise Unsupported("np.pad with a computed constant_values is supported for a "
                          "single number")
    return f"np.sum(g) - np.sum({_pad_inside(info, shape, widths)})"


defrule(np.pad, "array, pad_width, mode='constant', constant_values=0.0",
        array=_pad_array, constant_values=_pad_value)


def _diagonal_index(rows, cols, k):
    """Index arrays of the k-th diagonal of a (rows, cols) matrix."""
    length = max(0, min(rows - max(-k, 0), cols - max(k, 0)))
    return length, f"np.arange({length}) + {max(-k, 0)}", f"np.arange({length}) + {max(k, 0)}"


def _diag(info):
    """diag of a vector builds a matrix (the adjoint reads its diagonal); diag of a
    matrix reads a diagonal (the adjoint writes g there into zeros)."""
    shape, k = info.shape("v"), _static(info, "k", "an int")
    if len(shape) == 1:
        return f"np.diagonal(g, {k})"
    if len(shape) != 2:
        raise Unsupported("np.diag takes a 1-D or 2-D array")
    _, rows, cols = _diagonal_index(shape[0], shape[1], k)
    return f"scatter(g, {shape!r}, ({rows}, {cols}))"


defrule(np.diag, "v, k=0", v=_diag)
defrule(np.diagflat, "v, k=0",
        v=lambda info: f"np.reshape(np.diagonal(g, {_static(info, 'k', 'an int')}), "
                       f"{info.shape('v')!r})")


def _diagonal(info):
    """a.diagonal(offset, axis1, axis2) is a[..., rows, ..., cols, ...] with the diagonal
    moved last; NumPy's fancy indexing puts that axis where the two index arrays stand
    when they are adjacent, else first: move g's last axis there and scatter."""
    shape = info.shape("a")
    offset = _static(info, "offset", "an int")
    a1, a2 = (_static(info, n, "an int") % len(shape) for n in ("axis1", "axis2"))
    _, rows, cols = _diagonal_index(shape[a1], shape[a2], offset)
    parts = ["slice(None)"] * len(shape)
    parts[a1], parts[a2] = rows, cols
    position = min(a1, a2) if abs(a1 - a2) == 1 else 0
    moved = "g" if position == len(shape) - 2 else f"np.moveaxis(g, -1, {position})"
    return f"scatter({moved}, {shape!r}, ({', '.join(parts)},))"


defrule(np.diagonal, "a, offset=0, axis1=0, axis2=1", a=_diagonal)


def _triangle(name):
    def template(info):
        if len(info.shape("m")) < 2:
            raise Unsupported(f"np.{name} is supported for arrays of 2 or more dimensions")
        return f"np.{name}(g, k)"
    return template


defrule(np.triu, "m, k=0", m=_triangle("triu"))
defrule(np.tril, "m, k=0", m=_triangle("tril"))


def _tensordot_axes(info):
    na, nb = len(info.shape("a")), len(info.shape("b"))
    axes = _static(info, "axes", "an int or a pair of sequences")
    if isinstance(axes, int):
        return list(range(na - axes, na)), list(range(axes)), na, nb
    xa, xb = axes
    xa = [xa] if isinstance(xa, int) else list(xa)
    xb = [xb] if isinstance(xb, int) else list(xb)
    return [i % na for i in xa], [i % nb for i in xb], na, nb


def _tensordot(which):
    """ans = tensordot(a, b, (A, B)) has the free axes of a, then those of b. The
    adjoint contracts g with the other operand over the other's free axes, then puts
    the axes back in the operand's order."""
    def template(info):
        xa, xb, na, nb = _tensordot_axes(info)
        free_a = [i for i in range(na) if i not in xa]
        free_b = [i for i in range(nb) if i not in xb]
        if which == "a":
            g_axes = list(range(len(free_a), len(free_a) + len(free_b)))
            expr = f"np.tensordot(g, b, ({g_axes}, {free_b}))"
            # result axes: free_a, then a's partner of each of b's contracted axes,
            # in increasing order of the b axis
            order = free_a + [xa[xb.index(j)] for j in sorted(xb)]
        else:
            expr = f"np.tensordot(a, g, ({free_a}, {list(range(len(free_a)))}))"
            order = [xb[xa.index(i)] for i in sorted(xa)] + free_b
        inverse = tuple(int(i) for i in np.argsort(order))
        return expr if inverse == tuple(range(len(order))) else \
            f"np.transpose({expr}, {inverse!r})"
    return template


defrule(np.tensordot, "a, b, axes=2", a=_tensordot("a"), b=_tensordot("b"))


def _kron(which):
    """kron(a, b)[i * m + k] = a[i] * b[k] along each axis (after padding both to the
    same number of axes): g viewed as (n0, m0, n1, m1, ...) contracted with the other."""
    def template(info):
        sa, sb = info.shape("a"), info.shape("b")
        d = max(len(sa), len(sb))
        pa, pb = (1,) * (d - len(sa)) + tuple(sa), (1,) * (d - len(sb)) + tuple(sb)
        letters = "abcdefghijklmnopqrstuvwxyz"
        ia, ib = letters[:d], letters[d:2 * d]
        grid = "".join(x + y for x, y in zip(ia, ib))
        view = f"np.reshape(g, {tuple(n for pair in zip(pa, pb) for n in pair)!r})"
        if which == "a":
            expr = f"np.einsum('{grid},{ib}->{ia}', {view}, np.reshape(b, {pb!r}))"
            return f"np.reshape({expr}, {tuple(sa)!r})"
        expr = f"np.einsum('{grid},{ia}->{ib}', {view}, np.reshape(a, {pa!r}))"
        return f"np.reshape({expr}, {tuple(sb)!r})"
    return template


defrule(np.kron, "a, b", a=_kron("a"), b=_kron("b"))


def _roll(info):
    shift = _static(info, "shift", "an int or a tuple of ints")
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return f"np.roll(g, {back!r}, axis)"


defrule(np.roll, "a, shift, axis=None", a=_roll)
# (axes=None stands for NumPy's default (0, 1): a tuple default would bind as *args.)
defrule(np.rot90, "m, k=1, axes=None",
        m=lambda info: f"np.rot90(g, {-_static(info, 'k', 'an int')!r}, "
                       f"{tuple(_static(info, 'axes', 'a pair of ints') or (0, 1))!r})")
defrule(np.atleast_3d, "a", a=lambda info: f"np.reshape(g, {info.shape('a')!r})")


def _append(which):
    """append joins arr and values (both flattened when axis is None)."""
    def template(info):
        sa, sv = info.shape("arr"), info.shape("values")
        axis = info.get("axis", "?")
        if axis == "?":
            raise Unsupported("'axis' must be a literal int or None")
        if axis is None:
            n = int(np.prod(sa))
            part = f"g[:{n}]" if which == "arr" else f"g[{n}:]"
            return f"np.reshape({part}, {(sa if which == 'arr' else sv)!r})"
        axis %= len(sa)
        cut = f":{sa[axis]}" if which == "arr" else f"{sa[axis]}:"
        return "g[" + ":, " * axis + cut + "]"
    return template


defrule(np.append, "arr, values, axis=None", arr=_append("arr"), values=_append("values"))


def _column_stack(info):
    """1-D arrays become columns, 2-D arrays are joined along their columns."""
    shapes, i = [], 0
    while f"tup[{i}]" in info.kinds:
        shapes.append(info.shape(f"tup[{i}]"))
        i += 1
    if any(len(s) not in (1, 2) for s in shapes):
        raise Unsupported("np.column_stack is supported for 1-D and 2-D arrays")
    widths = [1 if len(s) == 1 else s[1] for s in shapes]
    i = info.element[0]
    offset = sum(widths[:i])
    return f"g[:, {offset}]" if len(shapes[i]) == 1 else f"g[:, {offset}:{offset + widths[i]}]"


defrule(np.column_stack, "tup", elements=True, tup=_column_stack)


def _split(fn, default_axis):
    """The splits return a list of pieces. The list's adjoint holds g for each piece
    read (0.0 for a piece never used): the adjoint joins them back, zeros for 0.0."""
    def template(info):
        shape = info.shape("ary")
        axis = default_axis if default_axis is not None else info.get("axis", "?")
        if axis == "?":
            raise Unsupported("'axis' must be a literal int")
        if fn is np.hsplit and len(shape) == 1:
            axis = 0
        if len(shape) <= axis:
            raise Unsupported(f"the array has no axis {axis} to split along")
        axis %= len(shape)
        sections = _static(info, "indices_or_sections", "an int or a list of ints")
        lengths = [len(p) for p in np.array_split(np.arange(shape[axis]), sections)]
        dtype = info.kind("ary").dtype
        pieces = []
        for k, n in enumerate(lengths):
            piece = tuple(n if d == axis else s for d, s in enumerate(shape))
            value = f"g[{k}]" if dtype == np.float64 else \
                f"np.asarray(g[{k}], dtype=np.{dtype.name})"
            pieces.append(f"np.broadcast_to({value}, {piece!r})")
        return f"np.concatenate([{', '.join(pieces)}], axis={axis})"
    return template


for _fn, _spec, _axis in ((np.split, "ary, indices_or_sections, axis=0", None),
                          (np.array_split, "ary, indices_or_sections, axis=0", None),
                          (np.hsplit, "ary, indices_or_sections", 1),
                          (np.vsplit, "ary, indices_or_sections", 0),
                          (np.dsplit, "ary, indices_or_sections", 2)):
    defrule(_fn, _spec, ary=_split(_fn, _axis))
