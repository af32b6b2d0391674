"""The benchmark functions, written the way users write plain Python/NumPy code,
with hand-written gradients where they are easy, and the cases built from them.

Functions use the module-level names `np` and `math` only; the AD peers get the same
function with those names rebound to their own NumPy-like modules (see peers.py).
"""
import math
import operator
import zlib
from dataclasses import dataclass, field

import numpy as np


# --- The lecture's scalar examples --------------------------------------------------

def lecture_f(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def lecture_f_grad(x1, x2):
    return 1.0 / x1 + x2, x1 - math.cos(x2)


def lecture_w(w1, w2):
    return (math.sin(2 * math.pi * w1 / w2) + 3 * w1 / w2 - math.exp(2 * w2)) * (3 * w1 / w2 - math.exp(2 * w2))


def lecture_w_grad(w1, w2):
    r = w1 / w2
    e = math.exp(2 * w2)
    a = math.sin(2 * math.pi * r) + 3 * r - e       # first factor
    b = 3 * r - e                                   # second factor
    da_dr = 2 * math.pi * math.cos(2 * math.pi * r) + 3
    dr_dw1, dr_dw2 = 1 / w2, -w1 / (w2 * w2)
    return ((da_dr * b + 3 * a) * dr_dw1,
            (da_dr * b + 3 * a) * dr_dw2 - 2 * e * (a + b))


# --- Linear models over n samples ---------------------------------------------------

def logistic_loss(w, X, y):
    return np.mean(np.log(1.0 + np.exp(-y * (X @ w))))


def logistic_loss_grad(w, X, y):
    margins = y * (X @ w)
    return X.T @ (-y / (1.0 + np.exp(margins))) / len(y)


def least_squares(w, X, y):
    return np.mean((y - X @ w) ** 2)


def least_squares_grad(w, X, y):
    return X.T @ (X @ w - y) * (2.0 / len(y))


# --- Neural networks on a mini-batch (rows of X are samples) --------------------------

def sigmoid_net(W1, W2, w3, X, y):
    """The lecture's network: three weight layers, sigmoid activations, no biases,
    cross-entropy loss. Weights act on the right (X @ W) since X holds a batch."""
    A2 = 1.0 / (1.0 + np.exp(-(X @ W1)))
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ W2)))
    y_hat = 1.0 / (1.0 + np.exp(-(A3 @ w3)))
    return -np.mean(y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat))


def sigmoid_net_grad(W1, W2, w3, X, y):
    """Backpropagation by hand: delta_l = dL/dz_l, with sigmoid' = a (1 - a)."""
    A2 = 1.0 / (1.0 + np.exp(-(X @ W1)))
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ W2)))
    y_hat = 1.0 / (1.0 + np.exp(-(A3 @ w3)))
    delta4 = (y_hat - y) / len(y)
    delta3 = np.outer(delta4, w3) * A3 * (1.0 - A3)
    delta2 = (delta3 @ W2.T) * A2 * (1.0 - A2)
    return X.T @ delta2, A2.T @ delta3, A3.T @ delta4


def relu_net(W1, b1, W2, b2, w3, X, y):
    H1 = np.maximum(X @ W1 + b1, 0.0)
    H2 = np.maximum(H1 @ W2 + b2, 0.0)
    return np.mean((H2 @ w3 - y) ** 2)


def relu_net_grad(W1, b1, W2, b2, w3, X, y):
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0.0)
    Z2 = H1 @ W2 + b2
    H2 = np.maximum(Z2, 0.0)
    r = (H2 @ w3 - y) * (2.0 / len(y))
    D2 = np.outer(r, w3) * (Z2 > 0)
    D1 = (D2 @ W2.T) * (Z1 > 0)
    return X.T @ D1, D1.sum(axis=0), H1.T @ D2, D2.sum(axis=0), H2.T @ r


# --- Loops (differentiated once the core supports control flow) -----------------------

def rosenbrock(x):
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def rosenbrock_grad(x):
    head, tail = x[:-1], x[1:]
    inner = tail - head ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * head * inner - 2.0 * (1.0 - head)
    g[1:] += 200.0 * inner
    return g


def oscillator(k, c):
    """x'' + c x' + k x = 0 from x = 1, v = 0, by 200 explicit Euler steps of 0.01;
    returns x^2 + v^2 at the end."""
    x = 1.0
    v = 0.0
    dt = 0.01
    for step in range(200):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return x * x + v * v


def oscillator_grad(k, c):
    """The oscillator's gradient by hand in the operations s2s_ad's code performs, in
    the same order (so the same bits): the CPython floor for an exact reverse sweep
    of this loop. Each step's x and v are kept in a list; the adjoint loop walks the
    lists backwards."""
    dt = 0.01
    nk = -k
    x = 1.0
    v = 0.0
    xs = [None] * 200
    vs = [None] * 200
    for step in range(200):
        xs[step] = x
        vs[step] = v
        a = nk * x - c * v
        x = x + dt * v
        v = v + dt * a
    x_bar = x + x
    v_bar = v + v
    k_bar = 0.0
    c_bar = 0.0
    for x, v in zip(reversed(xs), reversed(vs)):
        a_bar = v_bar * dt
        c_bar = c_bar - a_bar * v
        k_bar = k_bar - a_bar * x
        v_bar = x_bar * dt - a_bar * c + v_bar
        x_bar = a_bar * nk + x_bar
    return k_bar, c_bar


def oscillator_grad_rearranged(k, c):
    """The same derivative with the fewest Python operations algebra allows (the
    last bits differ from f's order of rounding): one Euler step is s' = A s with
    A = [[1, dt], [-k dt, 1 - c dt]], so the forward loop costs four multiply-adds,
    the adjoint loop applies A's transpose, and the parameters' adjoints are two dot
    products, -dt * sum(v_bar' x) and -dt * sum(v_bar' v), taken in C
    (math.sumprod from Python 3.12)."""
    dt = 0.01
    kdt = -k * dt
    q = 1.0 - c * dt
    x = 1.0
    v = 0.0
    xs = [None] * 200
    vs = [None] * 200
    for step in range(200):
        xs[step] = x
        vs[step] = v
        x, v = x + dt * v, v * q + x * kdt
    x_bar = x + x
    v_bar = v + v
    v_bars = [None] * 200
    for step in range(199, -1, -1):
        v_bars[step] = v_bar
        x_bar, v_bar = x_bar + v_bar * kdt, x_bar * dt + v_bar * q
    return -dt * _sumprod(v_bars, xs), -dt * _sumprod(v_bars, vs)


def _sumprod(a, b):
    return sum(map(operator.mul, a, b))


_sumprod = getattr(math, "sumprod", _sumprod)


# --- Cases ------------------------------------------------------------------------------

@dataclass
class Case:
    name: str                   # row label, e.g. 'logistic d=100'
    family: str                 # what --only selects; one line in the time-vs-d plot
    f: object
    make_args: object           # rng -> the argument tuple (built only when measured)
    argnums: object = 0         # int or tuple, as grad() takes it
    analytic: object = None     # hand-written gradient with f's signature, or None
    size: int = None            # d for the linear models (x axis of the plot)
    sweep: bool = False         # also run the step-size accuracy sweep
    notes: list = field(default_factory=list)

    def args(self):
        """The case's arguments, made when needed so that only one case's arrays are
        alive at a time, from a seed of its own name: the same data whatever else runs."""
        return self.make_args(np.random.default_rng(zlib.crc32(self.name.encode())))


FAMILIES = ("lecture_f", "lecture_w", "logistic", "least_squares",
            "sigmoid_net", "relu_net", "rosenbrock", "oscillator", "gp", "mixture")


def example_models():
    """examples/models.py (the GP likelihood and the mixture), loaded by path: the
    examples folder is not a package."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "examples" / "models.py"
    spec = importlib.util.spec_from_file_location("s2s_ad_example_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_cases(quick=False, only=None):
    """All cases, or those of the families in `only`."""
    n = 200 if quick else 1000
    dims = (10, 100, 1000) if quick else (10, 100, 1000, 10000)
    width, batch, d_in = (16, 32, 8) if quick else (64, 128, 32)
    net = f"{d_in}-{width}-{width}-1 batch {batch}"
    cases = [
        Case("lecture f(x1,x2)", "lecture_f", lecture_f, lambda rng: (2.0, 5.0), (0, 1),
             lecture_f_grad),
        Case("lecture f(w1,w2)", "lecture_w", lecture_w, lambda rng: (1.2, 0.8), (0, 1),
             lecture_w_grad, sweep=True),
    ]
    for d in dims:
        cases.append(Case(f"logistic d={d}", "logistic", logistic_loss,
                          _linear_model(n, d, labels="sign"), 0, logistic_loss_grad,
                          size=d, sweep=(d == dims[0])))
        cases.append(Case(f"least_squares d={d}", "least_squares", least_squares,
                          _linear_model(n, d, labels="linear"), 0, least_squares_grad, size=d))
    cases += [
        Case(f"sigmoid_net {net}", "sigmoid_net", sigmoid_net,
             _sigmoid_net_data(d_in, width, batch), (0, 1, 2), sigmoid_net_grad),
        Case(f"relu_net {net}", "relu_net", relu_net,
             _relu_net_data(d_in, width, batch), (0, 1, 2, 3, 4), relu_net_grad),
        Case("rosenbrock loop n=100", "rosenbrock", rosenbrock,
             lambda rng: (rng.uniform(-1.0, 1.5, 100),), 0, rosenbrock_grad),
        Case("oscillator Euler 200 steps", "oscillator", oscillator,
             lambda rng: (4.0, 0.5), (0, 1)),
    ]
    if not only or {"gp", "mixture"} & set(only):
        models = example_models()
        gp_n, points = (30, 200) if quick else (100, 2000)
        cases += [
            Case(f"GP likelihood n={gp_n}", "gp", models.gp_neg_log_likelihood,
                 lambda rng: models.gp_data(rng, n=gp_n), (0, 1, 2)),
            Case(f"mixture k=5 n={points}", "mixture", models.mixture_log_likelihood,
                 lambda rng: models.mixture_data(rng, n=points, k=5), (0, 1, 2)),
        ]
    return [c for c in cases if not only or c.family in only]


def _linear_model(n, d, labels):
    def make(rng):
        X = rng.standard_normal((n, d)) / math.sqrt(d)      # keeps X @ w of order 1
        w = rng.standard_normal(d)
        if labels == "sign":
            y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
        else:
            y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
        return w, X, y
    return make


def _sigmoid_net_data(d_in, width, batch):
    def make(rng):
        return (rng.standard_normal((d_in, width)) / math.sqrt(d_in),
                rng.standard_normal((width, width)) / math.sqrt(width),
                rng.standard_normal(width) / math.sqrt(width),
                rng.standard_normal((batch, d_in)),
                (rng.random(batch) < 0.5).astype(float))
    return make


def _relu_net_data(d_in, width, batch):
    def make(rng):
        # He initialisation keeps the ReLU activations of order 1.
        return (rng.standard_normal((d_in, width)) * math.sqrt(2.0 / d_in),
                0.1 * rng.standard_normal(width),
                rng.standard_normal((width, width)) * math.sqrt(2.0 / width),
                0.1 * rng.standard_normal(width),
                rng.standard_normal(width) / math.sqrt(width),
                rng.standard_normal((batch, d_in)),
                rng.standard_normal(batch))
    return make
