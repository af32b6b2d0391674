"""Second derivatives through recording loops (issue 10), timed against the function:

    HVP/f      jvp(grad(f), primals, tangents): the gradient and the Hessian-vector
               product
    Hessian    s2s_ad.hessian(f) in seconds

on the oscillator (200 Euler steps, 2 parameters) and the Rosenbrock loop (n=100) of
benchmarks/suite.py, each two ways:

    before   reverse over forward, the fallback that was the only way through a loop
             whose gradient records a tape (second_order.py: the gradient of the
             generated jvp, and the gradient itself apart; the Hessian one such
             gradient per basis vector)
    after    forward over reverse: the jvp of the generated gradient, its tape read in
             place with a tangent tape beside it (tape_reading.py): one sweep per HVP

and HIPS autograd (hessian_vector_product, hessian) beside them when it is installed.

    python benchmarks/hessian_loops_row.py            # ~30 s
    python benchmarks/hessian_loops_row.py --quick    # a smoke test

Prints one Markdown table of min-over-repeats times (the machine may be shared).
"""
import argparse
import sys
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import oscillator, rosenbrock                     # noqa: E402
from s2s_ad import grad, hessian                                        # noqa: E402
from s2s_ad import toolkit                                              # noqa: E402
from s2s_ad.second_order import (_forward_over_reverse,                 # noqa: E402
                                 _reverse_over_forward)


def cases(quick):
    rng = np.random.default_rng(10)
    n = 20 if quick else 100
    x = rng.standard_normal(n) * 0.5
    return [("oscillator (200 steps)", oscillator, (1.3, 0.4), (0.7, -0.2), (0, 1)),
            (f"rosenbrock n={n}", rosenbrock, (x,), (rng.standard_normal(n),), 0)]


def best(fn, repeats, number):
    return min(timeit.repeat(fn, repeat=repeats, number=number)) / number


def _autograd():
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    return autograd, anp


def autograd_variants(f, args, tangents, argnums):
    """autograd's HVP and Hessian of the same function (its numpy module swapped in),
    or None. The oscillator's two scalar arguments go in as one vector."""
    found = _autograd()
    if found is None:
        return None
    autograd, anp = found
    namespace = dict(f.__globals__, np=anp)
    g = type(f)(f.__code__, namespace, f.__name__)
    if isinstance(argnums, tuple):
        def packed(p):
            return g(p[0], p[1])
        point, direction = np.array(args, dtype=float), np.array(tangents, dtype=float)
    else:
        packed, point, direction = g, args[0], tangents[0]
    hvp = autograd.hessian_vector_product(packed)
    hess = autograd.hessian(packed)
    return (lambda: hvp(point, direction)), (lambda: hess(point))


def run(quick=False):
    repeats, number = (3, 1) if quick else (5, 3)
    rows = ["| case | f | HVP/f before | HVP/f after | HVP/f autograd | Hessian before "
            "| Hessian after | Hessian autograd |", "|---|---|---|---|---|---|---|---|"]
    for name, f, args, tangents, argnums in cases(quick):
        f_time = best(lambda: f(*args), repeats, number * 10)
        _reverse_over_forward(f, argnums, args, tangents)          # compile
        _forward_over_reverse(f, argnums, args, tangents)
        gradient = grad(f, argnums=argnums)
        gradient(*args)

        def before():       # jvp(grad(f)) returned the gradient too: a call of its own
            return gradient(*args), _reverse_over_forward(f, argnums, args, tangents)
        hvp_before = best(before, repeats, number)
        hvp_after = best(lambda: _forward_over_reverse(f, argnums, args, tangents),
                         repeats, number)
        h = hessian(f, argnums=argnums)
        h(*args)
        toolkit._reverse_over_forward(f, argnums, args)
        hess_after = best(lambda: h(*args), repeats, 1)
        hess_before = best(lambda: toolkit._reverse_over_forward(f, argnums, args),
                           repeats, 1)
        peer = autograd_variants(f, args, tangents, argnums)
        if peer is not None:
            hvp_peer, hess_peer = peer
            hvp_peer()
            peer_hvp = f"{best(hvp_peer, repeats, number) / f_time:.1f}"
            peer_hess = f"{best(hess_peer, repeats, 1) * 1e3:.1f} ms"
        else:
            peer_hvp = peer_hess = "not installed"
        rows.append(f"| {name} | {f_time * 1e6:.0f} us | {hvp_before / f_time:.1f} "
                    f"| {hvp_after / f_time:.1f} | {peer_hvp} | {hess_before * 1e3:.1f} ms "
                    f"| {hess_after * 1e3:.1f} ms | {peer_hess} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(run(parser.parse_args(argv).quick))


if __name__ == "__main__":
    main()
