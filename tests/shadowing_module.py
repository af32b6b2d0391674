"""A module that rebinds builtins generated code calls (for test_internal_errors.py)."""
import numpy as np


def reversed(seq):          # shadows the builtin on purpose
    return "not the builtin"


def range(*args):           # shadows the builtin on purpose
    raise AssertionError("generated code must not call the module's range")


len = None                  # shadows the builtin on purpose
float = None                # shadows the builtin on purpose


def rows(x):
    total = 0.0
    for row in x:
        total = total + np.sum(row * row)
    return total


def scaled(a, b):
    return a * b
