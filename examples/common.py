"""Shared by the lecture examples: the command line (--small), the dataset, plots.

Run from the repository root, e.g. `python examples/linear_models.py [--small]`.
The data is scikit-learn's breast-cancer set (569 tumours, 30 features), shipped
with scikit-learn: `pip install scikit-learn matplotlib` (the 'lecture' extra).
"""
import argparse
import os
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))           # use this checkout's s2s_ad

from s2s_ad.demo import plots           # noqa: E402


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true",
                        default=bool(os.environ.get("S2S_AD_EXAMPLES_SMALL")),
                        help="a few seconds: fewer examples and epochs (as CI runs it; "
                             "also S2S_AD_EXAMPLES_SMALL=1)")
    parser.add_argument("--no-plots", action="store_true", help="print, do not plot")
    parser.add_argument("--out", default=None,
                        help="folder for the plots (default: $S2S_AD_PLOTS or the "
                             "temporary directory)")
    args = parser.parse_args()
    if args.out:
        os.environ["S2S_AD_PLOTS"] = args.out
    global PLOTS
    PLOTS = not args.no_plots
    return args


PLOTS = True


def breast_cancer(small, labels="pm1", seed=0):
    """Standardised features with a constant column (the bias), and labels in
    {-1, +1} (labels="pm1") or {0, 1} (labels="01"); --small keeps 120 rows."""
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError:
        sys.exit("this example needs scikit-learn: pip install scikit-learn "
                 "(or the 'lecture' extra)")
    data = load_breast_cancer()
    X, y = data.data, data.target.astype(float)
    if small:
        keep = np.random.default_rng(seed).choice(len(X), 120, replace=False)
        X, y = X[keep], y[keep]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X = np.hstack([X, np.ones((len(X), 1))])
    return X, (2 * y - 1 if labels == "pm1" else y)


def plot(histories, name, title, n):
    if not PLOTS:
        return None
    if not plots.available():
        print("plot skipped: matplotlib is missing (pip install matplotlib)")
        return None
    path = os.path.join(plots.output_dir(), name)
    plots.convergence(histories, path, title, n=n)
    print(f"plot saved to {path}")
    return path


def report(runs, accuracy=None):
    print(f"  {'method':<36} {'steps':>7} {'grad evals':>11} {'start':>8} {'final':>8}"
          + ("  accuracy" if accuracy else ""))
    for label, (w, h) in runs.items():
        acc = f"  {accuracy(w):8.3f}" if accuracy else ""
        print(f"  {label:<36} {h.steps[-1]:>7} {h.evaluations[-1]:>11} {h[0]:>8.4f} "
              f"{h[-1]:>8.4f}{acc}")
