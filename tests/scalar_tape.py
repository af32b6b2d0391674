"""A scalar reverse-mode tape: the differential tests' second exact oracle.

`Var` carries a float and the local derivatives to the values it was computed from;
`gradients(output, inputs)` sweeps them backwards in creation order. Arrays of the
programs under test become NumPy object arrays of `Var`, so element writes, slice
writes, views and in-place operators behave exactly as they do on float arrays (NumPy
does the indexing, `Var` only the arithmetic); that is what autograd cannot run.

Every comparison (and `abs`) on a `Var` records how far its operands were from the
tie into `margins`, so the test harness can see when a sample sits near a kink and
draw another one instead of judging there.
"""
import itertools
import math

import numpy as np

_ids = itertools.count()

# Distances from a tie of the comparisons made since the last reset_margins().
margins = []


def reset_margins():
    margins.clear()


def _record(a, b):
    a, b = _value(a), _value(b)
    margins.append(abs(a - b) / max(1.0, abs(a), abs(b)))


def _value(v):
    return v.value if isinstance(v, Var) else v


class Var:
    """A float on the tape. No __float__: code that would turn a Var into a plain
    number (a silent constant) fails loudly instead."""
    __slots__ = ("value", "parents", "id")

    def __init__(self, value, parents=()):
        self.value = float(value)
        self.parents = parents          # ((Var, d self / d parent), ...)
        self.id = next(_ids)

    def __repr__(self):
        return f"Var({self.value!r})"

    # arithmetic; a plain number operand is a constant
    def __add__(self, o):
        if isinstance(o, Var):
            return Var(self.value + o.value, ((self, 1.0), (o, 1.0)))
        return Var(self.value + o, ((self, 1.0),))

    def __radd__(self, o):
        return Var(o + self.value, ((self, 1.0),))

    def __sub__(self, o):
        if isinstance(o, Var):
            return Var(self.value - o.value, ((self, 1.0), (o, -1.0)))
        return Var(self.value - o, ((self, 1.0),))

    def __rsub__(self, o):
        return Var(o - self.value, ((self, -1.0),))

    def __mul__(self, o):
        if isinstance(o, Var):
            return Var(self.value * o.value, ((self, o.value), (o, self.value)))
        return Var(self.value * o, ((self, float(o)),))

    def __rmul__(self, o):
        return Var(o * self.value, ((self, float(o)),))

    def __truediv__(self, o):
        if isinstance(o, Var):
            return Var(self.value / o.value,
                       ((self, 1.0 / o.value), (o, -self.value / (o.value * o.value))))
        return Var(self.value / o, ((self, 1.0 / o),))

    def __rtruediv__(self, o):
        return Var(o / self.value, ((self, -o / (self.value * self.value)),))

    def __pow__(self, o):
        if isinstance(o, Var):
            v = self.value ** o.value
            return Var(v, ((self, o.value * self.value ** (o.value - 1)),
                           (o, v * math.log(self.value))))
        if o == 0:
            return Var(1.0)
        return Var(self.value ** o, ((self, o * self.value ** (o - 1)),))

    def __rpow__(self, o):
        v = o ** self.value
        return Var(v, ((self, v * math.log(o)),))

    def __neg__(self):
        return Var(-self.value, ((self, -1.0),))

    def __pos__(self):
        return self

    def __abs__(self):
        _record(self.value, 0.0)
        return Var(abs(self.value), ((self, 1.0 if self.value >= 0 else -1.0),))

    # comparisons give plain bools and remember how close the call was
    def __lt__(self, o):
        _record(self, o)
        return self.value < _value(o)

    def __le__(self, o):
        _record(self, o)
        return self.value <= _value(o)

    def __gt__(self, o):
        _record(self, o)
        return self.value > _value(o)

    def __ge__(self, o):
        _record(self, o)
        return self.value >= _value(o)

    def __bool__(self):
        raise TypeError("truth value of a Var: compare it with something explicitly")

    # elementary functions; NumPy's object-array ufuncs call these methods
    def sin(self):
        return Var(math.sin(self.value), ((self, math.cos(self.value)),))

    def cos(self):
        return Var(math.cos(self.value), ((self, -math.sin(self.value)),))

    def tan(self):
        t = math.tan(self.value)
        return Var(t, ((self, 1.0 + t * t),))

    def exp(self):
        e = math.exp(self.value)
        return Var(e, ((self, e),))

    def log(self):
        return Var(math.log(self.value), ((self, 1.0 / self.value),))

    def log1p(self):
        return Var(math.log1p(self.value), ((self, 1.0 / (1.0 + self.value)),))

    def tanh(self):
        t = math.tanh(self.value)
        return Var(t, ((self, 1.0 - t * t),))

    def sqrt(self):
        r = math.sqrt(self.value)
        return Var(r, ((self, 0.5 / r),))

    def arctan(self):
        return Var(math.atan(self.value), ((self, 1.0 / (1.0 + self.value * self.value)),))

    def square(self):
        return self * self


def gradients(output, inputs):
    """d output / d each of `inputs` (Vars), by one reverse sweep over the tape."""
    if not isinstance(output, Var):
        return [0.0 for _ in inputs]
    order, seen, stack = [], set(), [output]
    while stack:                            # every Var the output depends on
        v = stack.pop()
        if v.id in seen:
            continue
        seen.add(v.id)
        order.append(v)
        stack.extend(p for p, _ in v.parents)
    order.sort(key=lambda v: v.id, reverse=True)     # later values first
    bar = {output.id: 1.0}
    for v in order:
        g = bar.get(v.id, 0.0)
        if g == 0.0:
            continue
        for parent, local in v.parents:
            bar[parent.id] = bar.get(parent.id, 0.0) + g * local
    return [bar.get(v.id, 0.0) for v in inputs]


# --- a `math` and a `numpy` for programs whose numbers are Vars ---------------------

def _elementwise(name, plain):
    """A function of one number or Var, mapped over object arrays like a ufunc."""
    def one(v):
        return getattr(v, name)() if isinstance(v, Var) else plain(v)
    mapped = np.frompyfunc(one, 1, 1)

    def function(v):
        return mapped(v) if isinstance(v, np.ndarray) else one(v)
    function.__name__ = name
    return function


_PLAIN = {"sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp,
          "log": math.log, "log1p": math.log1p, "tanh": math.tanh, "sqrt": math.sqrt,
          "arctan": math.atan, "square": lambda v: v * v}
_FUNCTIONS = {name: _elementwise(name, plain) for name, plain in _PLAIN.items()}


class _Namespace:
    """A stand-in module: the names given, then (if any) the attributes of `fallback`."""

    def __init__(self, fallback=None, **names):
        self.__dict__.update(names)
        self._fallback = fallback

    def __getattr__(self, name):          # only reached for names not given
        if self._fallback is None:
            raise AttributeError(name)
        return getattr(self._fallback, name)


def _maximum(a, b):
    return np.frompyfunc(lambda u, v: u if u >= v else v, 2, 1)(a, b)


def _minimum(a, b):
    return np.frompyfunc(lambda u, v: u if u <= v else v, 2, 1)(a, b)


def _objects(value):
    return np.array(value, dtype=object)


def _mean(a, axis=None):
    a = _objects(a)
    count = a.size if axis is None else a.shape[axis]
    return np.sum(a, axis=axis) / count


# `math` for Vars: the functions the generated programs call.
math_for_vars = _Namespace(
    pi=math.pi, e=math.e, atan=_FUNCTIONS["arctan"],
    **{n: _FUNCTIONS[n] for n in ("sin", "cos", "tan", "exp", "log", "log1p", "tanh", "sqrt")})

# `numpy` for Vars: arrays are object arrays (so writes and views work as on float
# arrays); anything not given here is NumPy's own, which may or may not handle object
# arrays (if not, the harness falls back to another judge and says so).
numpy_for_vars = _Namespace(
    np, **_FUNCTIONS,
    abs=np.frompyfunc(abs, 1, 1), absolute=np.frompyfunc(abs, 1, 1),
    maximum=_maximum, minimum=_minimum, mean=_mean,
    array=lambda value, dtype=None: _objects(value),
    asarray=lambda value, dtype=None: _objects(value),
    zeros=lambda shape, dtype=None: np.full(shape, 0.0, dtype=object),
    ones=lambda shape, dtype=None: np.full(shape, 1.0, dtype=object),
    full=lambda shape, v, dtype=None: np.full(shape, v, dtype=object),
    zeros_like=lambda a, dtype=None: np.full(np.shape(a), 0.0, dtype=object),
    ones_like=lambda a, dtype=None: np.full(np.shape(a), 1.0, dtype=object),
    copy=lambda a: _objects(a).copy())


def to_vars(value):
    """A program argument as Vars: a float becomes a Var, an array an object array."""
    if isinstance(value, np.ndarray):
        return np.frompyfunc(Var, 1, 1)(value).astype(object).reshape(value.shape)
    return Var(value)


def leaves(value):
    """The Vars of an argument made by to_vars, in C order."""
    if isinstance(value, np.ndarray):
        return list(value.ravel())
    return [value]
