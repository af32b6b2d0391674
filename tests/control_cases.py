"""Functions with control flow, shared by the control-flow tests. They live in a file
of their own because s2s_ad reads their source."""
import math

import numpy as np


def branch(x, y):
    if x > y:
        z = x * y
    elif x > 0.5 * y:
        z = math.sin(x) * y
    else:
        z = x - y * y
    return z * y


def chained(x, y):
    if 0.0 < x < 2.0 and y > 0 or x > 10:
        return x * y
    elif not x > 0:
        return x - y
    return x / y


def conditional_expression(x, y):
    z = x * x if x > y else y * 3.0
    return z + (x if y > 1 else y)


def oscillator(k, c):
    x = 1.0
    v = 0.0
    dt = 0.01
    for step in range(200):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return x * x + v * v


def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def stepped_range(x, start, stop, step):
    s = x
    for i in range(start, stop, step):
        s = s * x + i
    return s


def breaks(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
        if s > 10.0:
            break
        s = s * 1.1
    return s


def continues(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s += math.sin(x * i)
    return s


def returns_in_loop(x):
    for i in range(10):
        x = x * 1.5
        if x > 5.0:
            return x * x
    return -x


def nested(x, y):
    s = 0.0
    for i in range(3):
        t = x
        for j in range(i + 1):
            t = t * y + 0.1 * j
            if t > 2.0:
                t = math.sqrt(t)
        s += t
    return s


def branch_in_while(x):
    n = 0
    while x < 100.0:
        if n % 3 == 0:
            x = x * x + 1.0
        else:
            x = x * 1.5
        n += 1
    return x


def sequences(x):
    s = 0.0
    for v in x:
        s += v * v
    for i, v in enumerate(x):
        s += i * v
    for a, b in zip(x, x[1:]):
        s += a * b
    for v in reversed(x):
        s = s * 0.5 + v
    return s


def rows(m):
    s = 0.0
    for row in m:
        s += np.sum(row * row) * row[0]
    return s


def swap_in_loop(x, y):
    for i in range(3):
        x, y = y * 1.1, x
    return x * y * y


def overwrite_after_use(x, w):
    for i in range(3):
        x = x * x
    return x * w
