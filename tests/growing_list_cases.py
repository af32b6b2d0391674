"""Functions whose arrays are made from lists that grow with a loop's trip count
(tests/test_kind_trust.py); in a module of their own because s2s_ad reads source."""
import numpy as np


def doubled_list(x, n):
    L = [1.0]
    s = x * np.ones(1)
    for i in range(n):
        L = L + L
        v = x * np.ones(1) + L
        s = s * 1.0 + np.sum(v) * x
    return np.sum(s)


def appended_list(x, n):
    L = []
    for i in range(n):
        L.append(x * (i + 1.0))
    v = np.array(L)
    return np.sum(v * v) + np.sum(x * np.ones(1) * v)


# Shapes an int argument, a list argument or a branch decides: not in the signature.
def sliced_by_an_int_argument(x, n):
    a = x[:n]
    return np.sum(a * a) + np.sum(np.ones(n) * x[0])


def list_argument(x, L):
    a = np.array(L)
    return np.sum(np.outer(a, x)) + np.max(a) * x[0]


def appended_in_a_branch(x, s):
    L = [x[0]]
    if s > 0:
        L.append(x[1] * 2.0)
    a = np.array(L)
    return np.sum(np.outer(a, x)) + np.max(a)


# The signature fixes these lengths: one append per row of W, per step of range(3).
def one_append_per_row(x, W):
    items = []
    for row in W:
        items.append(np.sum(np.sin(row * x)))
    for i in range(3):
        items.append(x[i] * x[i])
    t = np.array(items)
    return np.sum(np.outer(t, x)) + np.max(t) + np.sum(t[:len(W)] @ W)


def steps_of_an_int_argument(x, n):
    s = x[0]
    for i in range(n):
        s = s * 0.9 + np.sum(x * x[i % 3])
    return s


def sliced_squares(x, n):
    a = x[:n]
    return np.sum(np.outer(a, x) ** 2) + np.max(a) ** 2
