"""Shape manipulation: reshape, transpose, swapaxes, expand_dims, squeeze, ravel,
flatten, concatenate, stack, hstack, vstack, broadcast_to, flip, np.array of values.

Each adjoint moves g back into the argument's layout; shapes, offsets and axes are
compile-time literals (`g[:, 3:5]` for the second block of a concatenation).
"""
import numpy as np

from . import METHOD, SUBSCRIPT, Unsupported, defop, defrule


def _back(param="a"):
    """reshape-like operations: the adjoint is g in the argument's shape."""
    return lambda info: f"np.reshape(g, {info.shape(param)!r})"


defrule(np.reshape, "a, shape", a=_back())
defop(METHOD, "reshape", "ndarray.reshape", "a, *shape", a=_back())
defrule(np.ravel, "a", a=_back())
defop(METHOD, "ravel", "ndarray.ravel", "a", a=_back())
defop(METHOD, "flatten", "ndarray.flatten", "a", a=_back())
defrule(np.squeeze, "a, axis=None", a=_back())
defop(METHOD, "squeeze", "ndarray.squeeze", "a, axis=None", a=_back())
defrule(np.expand_dims, "a, axis", a=_back())
defrule(np.atleast_1d, "a", a=_back())
defrule(np.atleast_2d, "a", a=_back())


def _inverse_permutation(info, axes):
    ndim = len(info.shape("a"))
    if axes is None or axes == ():
        return None                         # reversing the axes is its own inverse
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]                      # x.transpose((1, 0, 2))
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


def _transpose(info):
    if "axes" not in info.statics:
        raise Unsupported("'axes' must be literal")
    axes = info.static("axes")
    inverse = _inverse_permutation(info, axes if isinstance(axes, tuple) or axes is None
                                   else (axes,))
    return "np.transpose(g)" if inverse is None else f"np.transpose(g, {inverse!r})"


defrule(np.transpose, "a, axes=None", a=_transpose)
defop(METHOD, "transpose", "ndarray.transpose", "a, *axes", a=_transpose)
defrule(np.swapaxes, "a, axis1, axis2", a="np.swapaxes(g, axis1, axis2)")
defop(METHOD, "swapaxes", "ndarray.swapaxes", "a, axis1, axis2",
      a="np.swapaxes(g, axis1, axis2)")
defrule(np.moveaxis, "a, source, destination", a="np.moveaxis(g, destination, source)")
defrule(np.flip, "m, axis=None", m="np.flip(g, axis)")
defrule(np.fliplr, "m", m="np.fliplr(g)")
defrule(np.flipud, "m", m="np.flipud(g)")
# broadcast_to is the broadcasting in elementwise rules made explicit: sum back.
defrule(np.broadcast_to, "array, shape", broadcasts=True, array="g")

# Copies.
defrule(np.copy, "a", a="g")
defop(METHOD, "copy", "ndarray.copy", "a", a="g")


def _block(axis, offset, size, ndim):
    """The index text selecting [offset, offset + size) along `axis`."""
    return "g[" + ":, " * axis + f"{offset}:{offset + size}" + "]" if axis < ndim else None


def _pieces(info):
    """The element shapes of a list argument, in order."""
    shapes, i = [], 0
    while f"arrays[{i}]" in info.kinds:
        shapes.append(info.shape(f"arrays[{i}]"))
        i += 1
    return shapes


def _concatenate(info):
    axis, shapes, i = info.get("axis", 0), _pieces(info), info.element[0]
    if axis is None:                        # flattened first
        offset = sum(int(np.prod(s)) for s in shapes[:i])
        size = int(np.prod(shapes[i]))
        return f"np.reshape(g[{offset}:{offset + size}], {shapes[i]!r})"
    axis %= len(shapes[i])
    offset = sum(s[axis] for s in shapes[:i])
    return _block(axis, offset, shapes[i][axis], len(shapes[i]))


def _stack(info):
    ndim = len(info.shape("ans"))
    axis, i = info.get("axis", 0) % ndim, info.element[0]
    return "g[" + ":, " * axis + f"{i}]"


def _hstack(info):
    shapes, i = _pieces(info), info.element[0]
    if len(info.shape("ans")) == 1:         # 1-D (and 0-d) pieces join end to end
        offset = sum(int(np.prod(s)) for s in shapes[:i])
        size = int(np.prod(shapes[i]))
        return f"np.reshape(g[{offset}:{offset + size}], {shapes[i]!r})"
    offset = sum(s[1] for s in shapes[:i])
    return _block(1, offset, shapes[i][1], 2)


def _vstack(info):
    shapes, i = _pieces(info), info.element[0]
    rows = [s[0] if len(s) >= 2 else 1 for s in shapes]     # 1-D pieces become rows
    offset = sum(rows[:i])
    return f"np.reshape(g[{offset}:{offset + rows[i]}], {shapes[i]!r})"


defrule(np.concatenate, "arrays, axis=0", elements=True, arrays=_concatenate)
defrule(np.stack, "arrays, axis=0", elements=True, arrays=_stack)
defrule(np.hstack, "arrays", elements=True, arrays=_hstack)
defrule(np.vstack, "arrays", elements=True, arrays=_vstack)


def _r_(info):
    """np.r_[a, b, ...] of numbers and 1-D arrays joins them end to end."""
    shapes, i = _pieces(info), info.element[0]
    if any(len(s) > 1 for s in shapes):
        raise Unsupported("np.r_ is supported for numbers and 1-D arrays; write "
                          "np.concatenate([...], axis=0) for arrays of more dimensions")
    offset = sum(int(np.prod(s)) for s in shapes[:i])
    size = int(np.prod(shapes[i]))
    return f"np.reshape(g[{offset}:{offset + size}], {shapes[i]!r})"


def _c_(info):
    """np.c_[a, b, ...] puts 1-D arrays side by side as columns and joins 2-D arrays
    along their columns."""
    shapes, i = _pieces(info), info.element[0]
    if any(len(s) not in (1, 2) for s in shapes):
        raise Unsupported("np.c_ is supported for 1-D and 2-D arrays; write "
                          "np.column_stack or np.concatenate([...], axis=-1) instead")
    widths = [1 if len(s) == 1 else s[1] for s in shapes]
    offset = sum(widths[:i])
    if len(shapes[i]) == 1:
        return f"g[:, {offset}]"
    return f"g[:, {offset}:{offset + widths[i]}]"


# np.r_[x, c] and np.c_[x, c] index an object rather than call a function; a lowering
# that routes `np.r_[...]` here binds each piece as 'arrays[i]', as for concatenate.
for _obj, _template in ((np.r_, _r_), (np.c_, _c_)):
    defrule(_obj, "arrays", name=f"numpy.{'r_' if _obj is np.r_ else 'c_'}", elements=True,
            arrays=_template).spelling = SUBSCRIPT


def _array(info):
    """np.array([a, b, c]) stacks its elements: element (i, j) gets g[i, j]. A single
    array argument is copied."""
    if info.element is None:
        return "g"
    return "g[" + ", ".join(str(i) for i in info.element) + "]"


for fn in (np.array, np.asarray):
    defrule(fn, "object, dtype=None", elements=True, object=_array)

# Constructors: their values do not depend on any argument differentiably.
for fn in (np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like, np.eye,
           np.identity):
    defrule(fn, "*args, **kwargs", zero_grad=True)


def _float_dtype(info, name):
    """An integer dtype rounds the values (derivative 0). Such a result is never active
    when its kind is known; without example arguments only the default dtype is taken."""
    if info.result_kind is None and info.get("dtype", "?") is not None:
        raise Unsupported(f"{name} with a dtype needs example arguments to tell whether "
                          "the values are rounded to integers")


def _arange(param):
    """arange(start, stop, step) is start + k * step for k = 0, 1, ...: d/dstart = 1,
    d/dstep = k, and stop only decides the length (piecewise constant: 0). With one
    argument, `start` holds the stop."""
    def template(info):
        _float_dtype(info, "np.arange")
        if param == "stop" or (param == "start" and info.get("stop", 0) is None):
            return "zeros_like(" + param + ")"
        if param == "start":
            return "np.sum(g)"
        return "np.dot(np.arange(np.size(g)), g)"
    return template


defrule(np.arange, "start, stop=None, step=None, dtype=None",
        start=_arange("start"), stop=_arange("stop"), step=_arange("step"))


def _linspace(param):
    """linspace(start, stop, num) is start + t * (stop - start) with t the num points of
    linspace(0, 1, num, endpoint): d/dstart = 1 - t and d/dstop = t, summed over the
    points (axis 0) against g."""
    def template(info):
        _float_dtype(info, "np.linspace")
        if info.get("retstep", "?") is not False:
            raise Unsupported("np.linspace needs retstep=False (the default) written as "
                              "a literal; compute the step as (stop - start) / (num - 1)")
        if info.get("axis", "?") != 0:
            raise Unsupported("np.linspace is supported along axis=0 (the default)")
        t = "np.linspace(0.0, 1.0, num, endpoint=endpoint)"
        return f"np.tensordot({t if param == 'stop' else '1.0 - ' + t}, g, 1)"
    return template


def _linspace_shape(info):
    """Each contribution has the broadcast shape of start and stop (summed back)."""
    try:
        return tuple(np.broadcast_shapes(info.shape("start"), info.shape("stop")))
    except Unsupported:
        return None


defrule(np.linspace, "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0",
        broadcasts=_linspace_shape, start=_linspace("start"), stop=_linspace("stop"))
# ... except the fill value of np.full/np.full_like: every element is that value.
defrule(np.full, "shape, fill_value, dtype=None", fill_value="np.sum(g)")
defrule(np.full_like, "a, fill_value, dtype=None", a="np.zeros_like(a)",
        fill_value="np.sum(g)")
