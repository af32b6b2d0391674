"""`python -m s2s_ad demo sgd`: gradient descent, SGD and mini-batch SGD on the
lecture's logistic loss (1/n) Σ log(1 + exp(-y_i x_iᵀ w)), with s2s_ad.optim.

All three get the same budget of per-example gradient evaluations: GD spends n per
step, SGD 1, mini-batch SGD B. Synthetic, seeded data: labels ±1 from a random
hyperplane with some flipped.
"""
import os

import numpy as np

from .. import optim
from ..examples import logistic_loss
from . import plots
from .text import say


def data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = np.sign(X @ w_true + 0.5 * rng.standard_normal(n))
    return X, y


def train(n, d, epochs, batch=16, seed=0):
    """GD, SGD and mini-batch SGD from w0 = 0 (the lecture's initialisation)."""
    X, y = data(n, d, seed)
    w0 = np.zeros(d)
    per_epoch = 10              # loss recorded 10 times per epoch for the stochastic ones
    runs = {
        "GD (lr 1.0)": optim.gd(logistic_loss, w0, X, y, lr=1.0, steps=epochs, progress=False),
        "SGD, B = 1 (lr 0.05)": optim.sgd(logistic_loss, w0, X, y, lr=0.05, epochs=epochs,
                                         seed=seed, record_every=max(n // per_epoch, 1),
                                         progress=False),
        f"mini-batch SGD, B = {batch} (lr 0.5)": optim.sgd(
            logistic_loss, w0, X, y, lr=0.5, epochs=epochs, batch_size=batch, seed=seed,
            record_every=max(n // batch // per_epoch, 1), progress=False),
    }
    return X, y, runs


def run(brief=False):
    n, d, epochs = (200, 5, 5) if brief else (1000, 10, 20)
    X, y, runs = train(n, d, epochs)
    print(f"Logistic loss, n = {n} examples, d = {d}, {epochs} epochs each "
          f"(= {epochs * n} per-example gradient evaluations), w0 = 0\n")
    print(f"  {'method':<34} {'steps':>7} {'loss at start':>14} {'final loss':>11}")
    for label, (w, h) in runs.items():
        print(f"  {label:<34} {h.steps[-1]:>7} {h[0]:>14.4f} {h[-1]:>11.4f}")
    print()
    say("GD takes one exact step per pass over the data; SGD takes n noisy steps for the "
        "same cost, I_t drawn uniformly (its expected gradient is the full one), and "
        "mini-batch SGD averages B of them to cut the noise.")
    if plots.available():
        path = os.path.join(plots.output_dir(), "sgd_demo.png")
        plots.convergence({k: h for k, (_, h) in runs.items()}, path,
                          f"Logistic loss, n = {n}, d = {d}", n=n)
        print(f"\nplot saved to {path}")
    else:
        print("\nplot skipped: matplotlib is missing (pip install matplotlib, or the "
              "'lecture' extra)")
    return runs
