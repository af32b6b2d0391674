"""A function that calls an s2s_ad gradient (refused: it would need second derivatives)."""
from s2s_ad import grad


def square(t):
    return t * t


d_square = grad(square)


def uses_gradient(x):
    return d_square(x) * x
