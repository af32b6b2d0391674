"""The lecture's worked examples, as users would write them. The demo and the tests
use these."""
import math


def lecture_trace(x1, x2):
    """f(x1, x2) = ln(x1) + x1*x2 - sin(x2): the forward/reverse trace table example."""
    return math.log(x1) + x1 * x2 - math.sin(x2)


def lecture_graph(w1, w2):
    """f(w1, w2) = (sin(2*pi*w1/w2) + 3*w1/w2 - exp(2*w2)) * (3*w1/w2 - exp(2*w2))."""
    return (math.sin(2 * math.pi * w1 / w2) + 3 * w1 / w2 - math.exp(2 * w2)) \
        * (3 * w1 / w2 - math.exp(2 * w2))
