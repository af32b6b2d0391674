"""Three models written the way people write them, differentiated by s2s_ad:

- a Gaussian process's negative log marginal likelihood, by its hyperparameters
  (np.linalg.cholesky, np.linalg.solve, np.linalg.slogdet);
- Black-Scholes call prices and their greeks (scipy.stats.norm.cdf);
- a Gaussian mixture's log-likelihood (scipy.special.logsumexp).

    python examples/models.py

prints each gradient beside autograd's (when it is installed) and central finite
differences. tests/test_examples_models.py checks the same, and the benchmark suite
times the first and the last ("GP likelihood", "mixture").
"""
import math

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm


def gp_neg_log_likelihood(log_length, log_signal, log_noise, X, y):
    """-log p(y | X) under a GP with a squared-exponential kernel: its gradient in the
    three log-hyperparameters is what fitting them needs."""
    n = len(y)
    length = np.exp(log_length)
    sq = np.sum(X ** 2, axis=1)
    dist2 = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    K = np.exp(2.0 * log_signal) * np.exp(-0.5 * dist2 / length ** 2)
    K = K + np.exp(2.0 * log_noise) * np.eye(n)
    L = np.linalg.cholesky(K)
    v = np.linalg.solve(L, y)                       # K^-1 = L^-T L^-1
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * (v @ v) + 0.5 * logdet + 0.5 * n * math.log(2.0 * math.pi)


def black_scholes_calls(S, sigma, r, T, strikes):
    """The summed prices of European calls on one stock at several strikes; the
    gradient is (delta, vega, rho, -theta) of the book."""
    d1 = (np.log(S / strikes) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    prices = S * norm.cdf(d1) - strikes * np.exp(-r * T) * norm.cdf(d2)
    return np.sum(prices)


def black_scholes_greeks(S, sigma, r, T, strikes):
    """The closed forms, for comparison: delta, vega, rho and dC/dT summed over strikes."""
    d1 = (np.log(S / strikes) + (r + 0.5 * sigma ** 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    discount = strikes * np.exp(-r * T)
    delta = np.sum(norm.cdf(d1))
    vega = np.sum(S * norm.pdf(d1) * np.sqrt(T))
    rho = np.sum(T * discount * norm.cdf(d2))
    dT = np.sum(S * norm.pdf(d1) * sigma / (2.0 * np.sqrt(T)) + r * discount * norm.cdf(d2))
    return delta, vega, rho, dT


def mixture_log_likelihood(means, log_scales, logits, x):
    """log p(x) of the points x under a 1-D mixture of Gaussians, with the weights a
    softmax of the logits."""
    log_weights = logits - logsumexp(logits)
    z = (x[:, None] - means[None, :]) / np.exp(log_scales)[None, :]
    log_components = -0.5 * z ** 2 - log_scales - 0.5 * math.log(2.0 * math.pi)
    return np.sum(logsumexp(log_weights + log_components, axis=1))


# -- data ----------------------------------------------------------------------------

def gp_data(rng, n=40, d=2):
    X = rng.uniform(-2.0, 2.0, (n, d))
    y = np.sin(X[:, 0]) + 0.5 * np.cos(2.0 * X[:, -1]) + 0.1 * rng.standard_normal(n)
    return math.log(0.8), math.log(1.2), math.log(0.3), X, y


def black_scholes_data(rng=None):
    return 100.0, 0.25, 0.03, 0.75, np.array([80.0, 95.0, 100.0, 110.0, 130.0])


def mixture_data(rng, n=500, k=3):
    centres = np.linspace(-3.0, 3.0, k)
    x = centres[rng.integers(0, k, n)] + 0.7 * rng.standard_normal(n)
    return (centres + 0.3 * rng.standard_normal(k), np.log(np.full(k, 0.9)),
            0.1 * rng.standard_normal(k), x)


CASES = [
    ("GP likelihood", gp_neg_log_likelihood, gp_data, (0, 1, 2)),
    ("Black-Scholes", black_scholes_calls, black_scholes_data, (0, 1, 2, 3)),
    ("mixture", mixture_log_likelihood, mixture_data, (0, 1, 2)),
]


def autograd_gradient(f, args, argnums):
    """autograd's gradient of the same function, its NumPy and SciPy rebound to
    autograd's own; None when autograd is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
        import autograd.scipy.special as asp
        import autograd.scipy.stats as ast_
    except ImportError:
        return None
    import types
    namespace = dict(f.__globals__, np=anp, logsumexp=asp.logsumexp, norm=ast_.norm)
    g = types.FunctionType(f.__code__, namespace, f.__name__)
    return autograd.grad(g, argnums)(*args)


def main():
    from s2s_ad import grad
    from s2s_ad.check import central_difference
    rng = np.random.default_rng(0)
    for name, f, make, argnums in CASES:
        args = make(rng)
        ours = grad(f, argnums=argnums)(*args)
        theirs = autograd_gradient(f, args, argnums)
        print(f"{name}: f = {f(*args):.6g}")
        for k, n in enumerate(argnums):
            fd = central_difference(f, args, n)
            line = f"  d/d{f.__code__.co_varnames[n]:<10} s2s_ad {np.round(ours[k], 6)}"
            if theirs is not None:
                line += f"  autograd {np.round(theirs[k], 6)}"
            print(line + f"  differences {np.round(fd, 6)}")
    print("Black-Scholes closed forms (delta, vega, rho, dC/dT):",
          np.round(black_scholes_greeks(*black_scholes_data()), 6))


if __name__ == "__main__":
    import pathlib
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))   # s2s_ad
    main()
