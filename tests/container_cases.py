"""Functions with element writes, local lists and calls, for the tests (s2s_ad reads
their source, so they live in a file)."""
import functools
import math

import numpy as np


def fill(x):
    out = np.zeros(len(x))
    for i in range(len(x)):
        out[i] = x[i] * x[i]
    out[1:3] += x[0]
    out[0] = out[0] * 3.0
    return np.sum(out * x)


def overwrite_read_later(x):
    buf = np.ones(3)
    s = 0.0
    for i in range(4):
        buf[i % 3] = buf[i % 3] * x + i
        s += buf[0] * buf[1]
    return s + np.sum(buf * buf)


def needs_restore(x):
    buf = np.ones(3)
    a = np.sum(buf * x)          # the adjoint of x reads buf as it is here
    buf[1] = x * 2.0
    return a + np.sum(buf * buf)


def copy_then_write(x):
    y = np.array(x)
    y[0] = y[1] * y[2]
    return np.sum(y * y)


def list_container(x):
    vals = []
    for i in range(4):
        vals.append(x * i)
    arr = np.array(vals)
    return sum(vals) * vals[2] + np.sum(arr * arr)


def list_literal(x, y):
    pair = [x * y, x + y]
    return pair[0] * pair[1] + sum(pair)


def write_argument(x):
    x[0] = 1.0
    return np.sum(x)


def append_to_argument(x, items):
    items.append(x)
    return x


# -- calls ---------------------------------------------------------------------------

def helper(t, scale=2.0):
    u = t * scale
    if u > 1.0:
        return math.sin(u)
    return u * u


def _make(c):
    def inner(t):
        return c * t * t
    return inner


closure = _make(3.0)


def calls(x, y):
    s = 0.0
    for i in range(3):
        s += helper(x * i, scale=y) + closure(x)
    return s + helper(y)


def looping_helper(x, n):
    total = 0.0
    for i in range(n):
        total += x ** i
        if total > 50.0:
            break
    return total


def calls_a_looping_helper(x):
    return looping_helper(x, 6) * looping_helper(x * 0.5, n=3)


def _decorated(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@_decorated
def wrapped_helper(t):
    return t * t * t


def calls_wrapped(x):
    return wrapped_helper(x) + 1.0


def recursive(x):
    if x > 1.0:
        return recursive(x * 0.5)
    return x


def helper_with_local_named_like_callers(x):
    s = x * 2.0
    return s


def name_clash(x):
    s = x + 1.0
    t = helper_with_local_named_like_callers(s)
    return s * t
