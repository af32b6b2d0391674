"""The lecture's Clarke-differential example, live: `python -m s2s_ad demo clarke`.

ReLU at 0 has the Clarke differential [0, 1] (the convex hull of the limits of
nearby derivatives, 0 from the left and 1 from the right). Every tie rule picks one
element; but the chain rule on picked elements can leave the program's Clarke set:
relu(x) - relu(-x) is the identity, yet the default mode (like TensorFlow, PyTorch and
JAX) gives 0 at x = 0. The Clarke mode, grad(f, kinks="clarke"), gives 1.
Every number below is computed when the demo runs.
"""
import numpy as np

from .api import grad
from .kinks import kinks


def relu(x):
    return np.maximum(x, 0.0)


def identity_by_relus(x):
    # relu(x) - relu(-x), written out: s2s_ad inlines the user's helpers, not its own
    return np.maximum(x, 0.0) - np.maximum(-x, 0.0)


def _one_sided(f, x, h=1e-8):
    """The derivatives of f just left and just right of x (the default mode's, at
    points where f is differentiable)."""
    g = grad(f)
    return float(g(x - h)), float(g(x + h))


def run():
    left, right = _one_sided(relu, 0.0)
    lo, hi = min(left, right), max(left, right)
    print("The Clarke differential of ReLU at 0")
    print(f"  relu'(x) just left of 0:  {left:g}")
    print(f"  relu'(x) just right of 0: {right:g}")
    print(f"  Clarke differential at 0: the convex hull [{lo:g}, {hi:g}]")
    (kink,) = kinks(relu, 0.0)
    print(f"  the default mode's element: relu'(0) = {float(grad(relu)(0.0)):g}"
          f" ({kink.default_text})")
    print(f"  the Clarke mode's element: relu'(0) = "
          f"{float(grad(relu, kinks='clarke')(0.0)):g} (the piece active along a "
          "random direction)")
    print()
    print("relu(x) - relu(-x) is the identity: its derivative is 1 everywhere")
    report = kinks(identity_by_relus, 0.0)
    print(f"  kinks hit at x = 0: {len(report)}")
    for k in report:
        print(f"    line {k.line}: {k.source}  ({k.primitive}: {k.where})")
    default = float(grad(identity_by_relus)(0.0))
    clarke = float(grad(identity_by_relus, kinks="clarke")(0.0))
    print(f"  default mode at 0: {default:g}  (relu'(0) - relu'(0) * (-1) with relu'(0) "
          f"= {float(grad(relu)(0.0)):g}: outside the Clarke set {{1}})")
    print(f"  Clarke mode at 0:  {clarke:g}  (grad(f, kinks=\"clarke\"))")
    print(f"  away from 0 both agree: at 0.5 default {float(grad(identity_by_relus)(0.5)):g},"
          f" Clarke {float(grad(identity_by_relus, kinks='clarke')(0.5)):g}")
