"""A function that calls an s2s_ad gradient by a global name (nested_grad.py)."""
from s2s_ad import grad


def square(t):
    return t * t


d_square = grad(square)


def uses_gradient(x):
    return d_square(x) * x
