"""The lecture's optimizers, small: gradient descent, (mini-batch) stochastic gradient
descent and subgradient descent, with gradients from s2s_ad.

    w, history = optim.gd(loss, w0, X, y, lr=0.5, steps=100)
    w, history = optim.sgd(loss, w0, X, y, lr=0.1, epochs=5, batch_size=16)

`loss(w, *data)` is the mean loss over the rows it is given. Each returns the final
parameters and a `History`: the loss (over all the data) against steps and against
gradient evaluations, counted per example, since an SGD step with a batch of B costs B
of them and a GD step costs n.

Parameters may be an array, a float, or a list/tuple/dict of arrays (updated leaf by
leaf when the gradient comes back with the same structure). `grad_fn=` replaces the
gradient s2s_ad compiles; `kinks=` is passed to s2s_ad.grad when given, for the
Clarke-correct mode at kinks.
"""
import math

import numpy as np

from .api import grad

# Runs with at least this many steps show a progress bar when tqdm is installed.
PROGRESS_MIN_STEPS = 2000


class History(list):
    """The loss after 0, k, 2k, ... steps (a list of floats), with `steps[i]` and
    `evaluations[i]` (per-example gradient evaluations so far) beside each entry."""

    def __init__(self):
        super().__init__()
        self.steps, self.evaluations = [], []

    def record(self, step, evaluations, loss):
        self.append(float(loss))
        self.steps.append(step)
        self.evaluations.append(evaluations)


def gd(loss, w0, *data, lr, steps, grad_fn=None, kinks=None, progress=None):
    """Gradient descent w_{t+1} = w_t - lr * ∇loss(w_t, *data), from w0 (not changed).

    Returns (w, history) with history[t] the loss after t steps (t = 0..steps)."""
    gradient = _gradient(loss, grad_fn, kinks)
    n = _rows(data)
    w, history = _copy(w0), History()
    history.record(0, 0, loss(w, *data))
    for t in _steps(steps, progress, "gd"):
        w = _step(w, gradient(w, *data), _rate(lr, t))
        history.record(t + 1, (t + 1) * n, loss(w, *data))
    return w, history


def sgd(loss, w0, X, y, lr, epochs, batch_size=1, seed=0, grad_fn=None, kinks=None,
        record_every=None, progress=None):
    """Stochastic gradient descent: each step draws `batch_size` indices I_t uniformly
    at random from the n rows of X (with replacement, as the lecture's I_t) and steps
    along the mean gradient loss(w, X[I_t], y[I_t]); `batch_size=1` is plain SGD.

    An epoch is n // batch_size steps (n gradient evaluations). The loss over all
    the data is recorded every `record_every` steps (default: once per epoch).
    `lr` is a number or a function of the step t."""
    gradient = _gradient(loss, grad_fn, kinks)
    n = len(X)
    steps_per_epoch = max(n // batch_size, 1)
    every = record_every or steps_per_epoch
    rng = np.random.default_rng(seed)
    w, history = _copy(w0), History()
    history.record(0, 0, loss(w, X, y))
    total = epochs * steps_per_epoch
    for t in _steps(total, progress, "sgd"):
        batch = rng.integers(0, n, size=batch_size)
        w = _step(w, gradient(w, X[batch], y[batch]), _rate(lr, t))
        if (t + 1) % every == 0 or t + 1 == total:
            history.record(t + 1, (t + 1) * batch_size, loss(w, X, y))
    return w, history


SCHEDULES = {
    "constant": lambda lr, t: lr,
    "sqrt": lambda lr, t: lr / math.sqrt(t + 1),       # the O(1/sqrt(T)) rate's step
    "harmonic": lambda lr, t: lr / (t + 1),
}


def subgradient(loss, w0, *data, lr, steps, schedule="sqrt", grad_fn=None, kinks=None,
                progress=None):
    """Subgradient descent w_{t+1} = w_t - η_t g_t, g_t a subgradient of the loss at
    w_t (from s2s_ad.grad, or `grad_fn`; pass `kinks="clarke"` for an element of the
    Clarke differential at kinks once that mode exists).

    `schedule` is "constant", "sqrt" (η_t = lr/√(t+1)), "harmonic" (lr/(t+1)) or a
    function (lr, t) -> η_t. A subgradient step need not lower the loss, so the
    history has `best` (the lowest loss seen) and `best_w` (its parameters); the
    returned w is the last iterate."""
    gradient = _gradient(loss, grad_fn, kinks)
    rate = SCHEDULES[schedule] if isinstance(schedule, str) else schedule
    n = _rows(data)
    w, history = _copy(w0), History()
    history.record(0, 0, loss(w, *data))
    history.best, history.best_w = history[0], w
    for t in _steps(steps, progress, "subgradient"):
        w = _step(w, gradient(w, *data), rate(lr, t))
        history.record(t + 1, (t + 1) * n, loss(w, *data))
        if history[-1] < history.best:
            history.best, history.best_w = history[-1], w
    return w, history


# ---- helpers ----------------------------------------------------------------------------

def _gradient(loss, grad_fn, kinks):
    if grad_fn is not None:
        return grad_fn
    return grad(loss) if kinks is None else grad(loss, kinks=kinks)


def _rate(lr, t):
    return lr(t) if callable(lr) else lr


def _rows(data):
    """Examples per full-data gradient: the length of the first array argument."""
    for d in data:
        if isinstance(d, np.ndarray) and d.ndim:
            return len(d)
    return 1


def _step(w, g, lr):
    """w - lr * g, leaf by leaf for lists, tuples and dicts (new arrays, w unchanged)."""
    if isinstance(w, dict):
        return {k: _step(w[k], g[k], lr) for k in w}
    if isinstance(w, (list, tuple)):
        if not isinstance(g, (list, tuple)) or len(g) != len(w):
            raise TypeError("optim: the gradient of a list/tuple of parameters must come "
                            "back with the same structure; pass grad_fn= returning one")
        return type(w)(_step(a, b, lr) for a, b in zip(w, g))
    return w - lr * g


def _copy(w):
    if isinstance(w, dict):
        return {k: _copy(v) for k, v in w.items()}
    if isinstance(w, (list, tuple)):
        return type(w)(_copy(v) for v in w)
    return np.array(w, dtype=float) if isinstance(w, np.ndarray) else float(w)


def _steps(total, progress, label):
    """range(total), behind a tqdm bar on long runs when tqdm is installed (or when
    progress=True)."""
    if progress is False or (progress is None and total < PROGRESS_MIN_STEPS):
        return range(total)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return range(total)
    return tqdm(range(total), desc=label, leave=False)
