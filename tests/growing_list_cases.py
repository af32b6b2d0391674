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
