"""A module that registers a rule whose template reads a name of its own (`SCALE`),
which the differentiated function's module binds to something else."""
import numpy as np

import s2s_ad

SCALE = 3.0


def tripled(x):
    """A 'library function' without a rule: its derivative is registered below as
    SCALE times the true one, so a test can see which SCALE the rule read."""
    return np.sin(x)


s2s_ad.defvjp(tripled, "x", x="g * SCALE * np.cos(x)")
