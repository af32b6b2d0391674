"""The lecture's L-layer sigmoid network (no biases) trained by SGD, gradients from
s2s_ad: a^(1) = x, z^(l+1) = Θ^(l) a^(l), a^(l+1) = g(z^(l+1)), ŷ = a^(L+1), and the
loss -[y log ŷ + (1 - y) log(1 - ŷ)] (the slides' L with the sign for descent).

The parameters Θ^(1) (m x d), Θ^(2..L-1) (m x m), Θ^(L) (m) travel as one vector w,
unpacked inside the loss, so optim.sgd steps all of them at once.

    python examples/sigmoid_network.py [--small] [--layers L] [--width m] [--out DIR]
                                       [--no-plots]
"""
import numpy as np

from common import arguments, breast_cancer, plot, report
from s2s_ad import optim


def make_loss(d, m, layers):
    """The network's forward pass ŷ(w, X) and mean loss over a batch, as functions
    of the flat vector w, and the length of w."""
    first, middle = m * d, (layers - 2) * m * m

    def forward(w, X):
        theta1 = np.reshape(w[:first], (m, d))
        thetas = np.reshape(w[first:first + middle], (layers - 2, m, m))
        theta_last = w[first + middle:]
        a = 1.0 / (1.0 + np.exp(-(X @ theta1.T)))
        for l in range(layers - 2):
            a = 1.0 / (1.0 + np.exp(-(a @ thetas[l].T)))
        return 1.0 / (1.0 + np.exp(-(a @ theta_last)))

    def loss(w, X, y):
        y_hat = forward(w, X)
        return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    return forward, loss, first + middle + m


def main():
    import argparse
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--layers", type=int, default=3)
    extra.add_argument("--width", type=int, default=16)
    options, rest = extra.parse_known_args()
    import sys
    sys.argv = sys.argv[:1] + rest
    args = arguments(__doc__)
    X, y = breast_cancer(args.small, labels="01")
    n, d = X.shape
    epochs = 3 if args.small else 40
    forward, loss, size = make_loss(d, options.width, options.layers)
    w0 = np.random.default_rng(0).standard_normal(size) * 0.3
    print(f"sigmoid network, L = {options.layers} layers, width {options.width}, "
          f"{size} parameters; breast cancer n = {n}, {epochs} epochs")
    runs = {
        "SGD, B = 1 (lr 0.05)": optim.sgd(loss, w0, X, y, lr=0.05, epochs=epochs,
                                         record_every=max(n // 10, 1)),
        "mini-batch SGD, B = 16 (lr 0.5)": optim.sgd(loss, w0, X, y, lr=0.5, epochs=epochs,
                                                    batch_size=16,
                                                    record_every=max(n // 160, 1)),
    }

    def accuracy(w):
        return float(np.mean((forward(w, X) > 0.5) == (y > 0.5)))
    report(runs, accuracy)
    plot({k: h for k, (_, h) in runs.items()}, "sigmoid_network.png",
         f"sigmoid network (L = {options.layers}), breast cancer", n)
    return runs


if __name__ == "__main__":
    main()
