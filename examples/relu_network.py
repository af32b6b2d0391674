"""A one-hidden-layer ReLU network trained by subgradient descent (the lecture's
method for losses that are not differentiable everywhere), gradients from s2s_ad.

ReLU has a kink at 0. Away from it s2s_ad's gradient is exact; at a kink the default
mode picks one one-sided derivative. The Clarke-correct mode (grad(f,
kinks="clarke")) returns an element of the Clarke differential there: pass
`--kinks clarke` to use it once it is available in your s2s_ad.

    python examples/relu_network.py [--small] [--kinks clarke] [--out DIR]
"""
import numpy as np

from common import arguments, breast_cancer, plot, report
from s2s_ad import optim

WIDTH = 16


def make_loss(d, m):
    def loss(w, X, y):
        theta1 = np.reshape(w[:m * d], (m, d))
        theta2 = w[m * d:]
        hidden = np.maximum(X @ theta1.T, 0.0)
        return np.mean(np.log(1.0 + np.exp(-y * (hidden @ theta2))))
    return loss, m * d + m


def main():
    import sys
    kinks = None
    if "--kinks" in sys.argv:           # the Clarke mode: --kinks clarke
        at = sys.argv.index("--kinks")
        kinks = sys.argv[at + 1]
        del sys.argv[at:at + 2]
    args = arguments(__doc__)
    X, y = breast_cancer(args.small)
    n, d = X.shape
    steps = 40 if args.small else 600
    loss, size = make_loss(d, WIDTH)
    w0 = np.random.default_rng(0).standard_normal(size) / np.sqrt(d)
    print(f"ReLU network, width {WIDTH}, {size} parameters; breast cancer n = {n}; "
          f"{steps} subgradient steps" + (f" (kinks={kinks!r})" if kinks else ""))
    runs = {f"subgradient, η_t = {lr}/√(t+1)":
            optim.subgradient(loss, w0, X, y, lr=lr, steps=steps, schedule="sqrt",
                              kinks=kinks)
            for lr in (0.5, 2.0)}
    runs["subgradient, constant η = 0.1"] = optim.subgradient(
        loss, w0, X, y, lr=0.1, steps=steps, schedule="constant", kinks=kinks)

    def accuracy(w):
        theta1, theta2 = np.reshape(w[:WIDTH * d], (WIDTH, d)), w[WIDTH * d:]
        return float(np.mean(np.sign(np.maximum(X @ theta1.T, 0.0) @ theta2) == y))
    report(runs, accuracy)
    for label, (_, h) in runs.items():
        print(f"  best loss seen ({label}): {h.best:.4f}")
    plot({k: h for k, (_, h) in runs.items()}, "relu_network.png",
         "ReLU network by subgradient descent, breast cancer", n)
    return runs


if __name__ == "__main__":
    main()
