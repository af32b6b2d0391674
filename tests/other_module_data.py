"""A helper that reads an array of its own module (a name the caller's module does not
have): inlined under a new name, its shape must still be known."""
import numpy as np

WEIGHTS = np.array([[1.0, 2.0, 0.5], [3.0, -1.0, 0.25]])


def project(w):
    return np.tanh(WEIGHTS @ w)
