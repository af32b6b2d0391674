"""JAX on the suite's loops, three ways, for the rows that compare with it:

- eager: `jax.grad` of the same Python source (re-traced on every call);
- jit: `jax.jit(jax.grad(...))` of the same source. JAX traces a Python loop by
  unrolling it, so its compile time grows with the trip count;
- fori_loop: the loop rewritten by hand as `jax.lax.fori_loop` (the loop stays a loop),
  then jitted: what a JAX user writes for a long loop.

JAX runs on the CPU in float64 (s2s_ad.bench.peers sets that up before the first
array); `check()` says what JAX actually runs on, for the tables. The gradients
returned block until their result is ready: JAX dispatches asynchronously, and
timing the dispatch alone would flatter it.
"""
import time

import numpy as np

from benchmarks.suite import oscillator as oscillator_200, rosenbrock
from s2s_ad.bench import peers


def available():
    return peers.installed("jax")


def setup():
    """The jax module, configured for float64 on the CPU."""
    return peers._jax_setup()


def check():
    """What JAX runs on: {'version', 'platform', 'float64'}, verified by making an
    array (a float64 request silently gives float32 when x64 is off)."""
    jax = setup()
    import jax.numpy as jnp
    return {"version": peers.version("jax"), "platform": jax.devices()[0].platform,
            "float64": str(jnp.asarray(1.0).dtype) == "float64"}


def describe(info):
    if info is None:
        return "JAX: not installed"
    return (f"JAX {info['version']} on {info['platform']}, "
            f"{'float64' if info['float64'] else 'NOT float64 (x64 disabled)'}")


# --- fori_loop rewrites of the suite's loops ------------------------------------------
# The same arithmetic as the Python source, in the same order, so the gradients agree
# to rounding.

def rosenbrock_fori(x):
    jax = setup()

    def body(i, total):
        return total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return jax.lax.fori_loop(0, x.shape[0] - 1, body, 0.0)


def oscillator_200_fori(k, c):
    """benchmarks.suite.oscillator: 200 Euler steps of 0.01."""
    jax = setup()

    def body(step, state):
        x, v = state
        a = -k * x - c * v
        return x + 0.01 * v, v + 0.01 * a
    x, v = jax.lax.fori_loop(0, 200, body, (1.0, 0.0))
    return x * x + v * v


def oscillator_steps(k, steps):
    """The damped oscillator of the long-loop rows: `steps` explicit Euler steps of
    0.001 with damping 0.1 (lightly damped, so no value goes subnormal even at 10^6
    steps, where subnormal arithmetic would time the FPU's slow path)."""
    x = 1.0
    v = 0.0
    for i in range(steps):
        a = -k * x - 0.1 * v
        x = x + 0.001 * v
        v = v + 0.001 * a
    return x * x + v * v


def oscillator_steps_fori(k, steps):
    jax = setup()

    def body(i, state):
        x, v = state
        a = -k * x - 0.1 * v
        return x + 0.001 * v, v + 0.001 * a
    x, v = jax.lax.fori_loop(0, steps, body, (1.0, 0.0))
    return x * x + v * v


# Python source -> its fori_loop rewrite.
FORI = {rosenbrock: rosenbrock_fori, oscillator_200: oscillator_200_fori,
        oscillator_steps: oscillator_steps_fori}


def gradient(kind, f, args, argnums=0, static=()):
    """(call, call_args, first_call_seconds) for JAX's gradient of f, `kind` one of
    'eager', 'jit', 'fori_loop'. `static` are argument positions that are Python ints
    fixing the trip count (static for jit). The first call (tracing, and for the jitted
    kinds XLA's compile) is made here and timed."""
    jax = setup()
    import jax.numpy as jnp
    if kind == "fori_loop":
        source = FORI[f]
    else:
        source = peers.rebind(f, jnp)
    g = jax.grad(source, argnums)
    if kind in ("jit", "fori_loop"):
        g = jax.jit(g, static_argnums=tuple(static))
    call_args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    def call(*a):
        return jax.block_until_ready(g(*a))
    start = time.perf_counter()
    call(*call_args)
    return call, call_args, time.perf_counter() - start


def as_numpy(result):
    if isinstance(result, tuple):
        return np.concatenate([np.ravel(np.asarray(r)) for r in result])
    return np.ravel(np.asarray(result))
