"""Convergence plots for the demo and examples/: loss against steps and against
gradient evaluations, saved to a file (matplotlib's Agg backend, nothing shown)."""
import importlib.util
import os
import tempfile


def available():
    return importlib.util.find_spec("matplotlib") is not None


def output_dir():
    """Where plots go: $S2S_AD_PLOTS if set, else the temporary directory."""
    folder = os.environ.get("S2S_AD_PLOTS") or os.path.join(tempfile.gettempdir(), "s2s_ad")
    os.makedirs(folder, exist_ok=True)
    return folder


def convergence(histories, path, title, n=None):
    """Two panels: loss against epochs (gradient evaluations / n, when n is given,
    else steps) and against per-example gradient evaluations. `histories` maps a
    label to an optim.History. Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    for label, h in histories.items():
        x = [e / n for e in h.evaluations] if n else h.steps
        left.plot(x, list(h), label=label)
        right.plot(h.evaluations, list(h), label=label)
    left.set_xlabel("epochs (passes over the data)" if n else "steps")
    right.set_xlabel("gradient evaluations (per example), log scale")
    right.set_xscale("symlog", linthresh=max(n or 1, 1))
    for ax in (left, right):
        ax.set_ylabel("loss")
        ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
    left.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
