"""Unsupported constructs, one per function; each test asserts the reported line."""
import numpy as np

G = 1.0


def comprehension(x):
    ys = {x * i for i in range(3)}
    return sum(ys)


def try_block(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return y


def generator(x):
    yield x


def class_inside(x):
    class Box:
        pass
    return x


def global_write(x):
    global G
    G = x
    return x


def for_else(x):
    for i in range(3):
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def while_else(x):
    while x < 3.0:
        x = x * 2.0
    else:
        x = x + 1.0
    return x


def missing_return(x):
    if x > 0:
        return x


def loop_over_call(x):
    s = 0.0
    for v in sorted([x, 2.0]):
        s += v
    return s


def write_into_view(x):
    y = np.zeros(4)
    v = y.T
    v[0] = x
    return np.sum(y)
