"""The lecture's linear models on real data: logistic and squared loss, each trained
by gradient descent, SGD and mini-batch SGD with gradients from s2s_ad, with
convergence plots (loss against epochs and against gradient evaluations).

    python examples/linear_models.py [--small] [--out DIR]
"""
import numpy as np

from common import arguments, breast_cancer, plot, report
from s2s_ad import optim


def logistic_loss(w, X, y):
    """(1/n) Σ log(1 + exp(-y_i x_iᵀ w)), y_i in {-1, +1}."""
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def squared_loss(w, X, y):
    """(1/n) Σ (y_i - x_iᵀ w)²."""
    return np.mean((y - X @ w) ** 2)


def train(loss, X, y, epochs, rates, batch=16):
    """GD, SGD and mini-batch SGD with the same budget of gradient evaluations."""
    n, d = X.shape
    w0 = np.zeros(d)
    gd_lr, sgd_lr, batch_lr = rates
    return {
        f"GD (lr {gd_lr})": optim.gd(loss, w0, X, y, lr=gd_lr, steps=epochs),
        f"SGD, B = 1 (lr {sgd_lr})": optim.sgd(loss, w0, X, y, lr=sgd_lr, epochs=epochs,
                                              record_every=max(n // 10, 1)),
        f"mini-batch SGD, B = {batch} (lr {batch_lr})": optim.sgd(
            loss, w0, X, y, lr=batch_lr, epochs=epochs, batch_size=batch,
            record_every=max(n // batch // 10, 1)),
    }


def main():
    args = arguments(__doc__)
    X, y = breast_cancer(args.small)
    epochs = 3 if args.small else 30
    n, d = X.shape
    accuracy = lambda w: float(np.mean(np.sign(X @ w) == y))    # noqa: E731
    results = {}
    # GD's step for the squared loss: 1/L, L = 2 λ_max(XᵀX/n) its gradient's Lipschitz
    # constant (a larger step diverges on these correlated features).
    smooth = 2 * np.linalg.eigvalsh(X.T @ X / n)[-1]
    for name, loss, rates in (("logistic", logistic_loss, (1.0, 0.05, 0.5)),
                              ("squared", squared_loss, (round(1 / smooth, 4), 0.005, 0.05))):
        print(f"\n{name} loss on breast cancer: n = {n}, d = {d} (with the bias), "
              f"{epochs} epochs each")
        runs = train(loss, X, y, epochs, rates)
        report(runs, accuracy)
        plot({k: h for k, (_, h) in runs.items()}, f"{name}_loss.png",
             f"{name} loss, breast cancer (n = {n})", n)
        results[name] = runs
    return results


if __name__ == "__main__":
    main()
