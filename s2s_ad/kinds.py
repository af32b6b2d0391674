"""What a value is, as far as code generation cares: a Python number or an array.

A compiled gradient is specialised on the kinds of its arguments (like a JIT cache
key); the kinds of intermediate values are observed by running the forward sweep once
on the first arguments of each signature (see `reverse.observe_kinds`).
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Kind:
    """`pytype` is float/int/bool for Python numbers, np.ndarray for arrays (numpy
    scalars count as 0-d arrays), or the value's type for anything else.
    `array_type` is the array's own type: np.ndarray, or another NEP-18 array type
    (a dask array) whose values go through the same NumPy calls by dispatch."""
    pytype: type
    shape: tuple = ()
    dtype: object = None
    array_type: type = np.ndarray

    @property
    def is_python_number(self):
        return self.pytype in (float, int, bool)

    @property
    def is_array(self):
        return self.pytype is np.ndarray

    @property
    def is_numeric(self):
        return self.is_python_number or self.is_array

    @property
    def is_real(self):
        """Can this carry a derivative? Integers and booleans in arrays never do; complex
        numbers are not supported (their derivatives need conventions of their own)."""
        if self.is_python_number:
            return self.pytype is not bool
        return self.is_array and np.issubdtype(self.dtype, np.floating)

    def describe(self):
        if self.is_python_number:
            return f"a Python {self.pytype.__name__}"
        if self.is_array:
            what = "an array" if self.array_type is np.ndarray else \
                f"a {self.array_type.__module__.partition('.')[0]} array"
            return f"{what} of shape {self.shape} and dtype {self.dtype}"
        return f"a {self.pytype.__name__}"


def kind_of(value):
    t = type(value)
    if t in _NUMBERS:
        return _NUMBERS[t]
    if t is np.ndarray or isinstance(value, np.generic):
        return Kind(np.ndarray, np.shape(value), np.result_type(value))
    if is_other_array(value):
        return Kind(np.ndarray, tuple(value.shape), np.dtype(value.dtype), t)
    return Kind(t)


# The kinds of Python numbers, made once (a Kind is frozen): the probe asks for one per
# value of the program.
_NUMBERS = {t: Kind(t) for t in (float, int, bool)}

# Array types other than np.ndarray seen so far: the dispatcher (api.py) keys their
# calls on (type, shape, dtype) like an ndarray's, and on the type alone otherwise.
ARRAY_TYPES = set()


def is_other_array(value):
    """A NEP-18 array that is not an np.ndarray (a dask array): it has a shape, a
    dtype and `__array_function__`, so NumPy calls on it dispatch to its library."""
    t = type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return False            # NumPy's own subclasses (np.matrix) are not dispatched
    if not (hasattr(t, "__array_function__") and hasattr(value, "shape")
            and hasattr(value, "dtype")):
        return False
    ARRAY_TYPES.add(t)
    return True


_FLOAT64_SCALAR = Kind(np.ndarray, (), np.dtype(np.float64))


def merge_kinds(a, b):
    """The kind of a value seen as `a` once and as `b` another time (another loop
    iteration, another branch), or None when code specialised for one would be wrong
    for the other. A Python float and a float64 scalar merge: NumPy-scalar code works
    for both (a loop accumulating x[i] starts from 0.0)."""
    if a == b:
        return a
    if a is None or b is None:
        return None
    # None marks a name not bound yet (a loop index before a loop that may not run,
    # a result before the return): its other kind is the one that matters.
    if a.pytype is type(None):
        return b
    if b.pytype is type(None):
        return a
    if {a, b} <= {Kind(float), _FLOAT64_SCALAR}:
        return _FLOAT64_SCALAR
    return None


def signature_key(args):
    """The cache key of an argument tuple: cheap, since it runs on every call. The
    dispatcher computes the same key in its generated code (api.py)."""
    return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else
                  (type(a), a.shape, a.dtype) if is_other_array(a) else type(a)
                  for a in args])
