"""Forward mode and second derivatives, timed against the function itself:

    jvp/f      s2s_ad.jvp(f, primals, tangents), one directional derivative
    HVP/f      jvp(grad(f), primals, tangents), the Hessian-vector product
    hand-written HVP/f   the gradient and HVP written by hand in NumPy (the floor)
    Hessian    s2s_ad.hessian(f) in seconds (one HVP-like sweep per input element)

on the logistic loss and the lecture's sigmoid network (benchmarks/suite.py), beside
the generated code as it was before the clean-up of issue 10 ("s2s_ad before": copies
and signs not folded, temporaries alive to the return, no arithmetic in place, the
sigmoid differentiated rule by rule, the Hessian one product per basis vector), HIPS
autograd (make_jvp, hessian_vector_product, hessian) and JAX (jax.jvp, jvp-of-grad,
jax.hessian; eager, and under jax.jit) when installed. Every ratio is to the NumPy
function's time (for JAX, timed again in JAX's own pass). Targets (issue 10): jvp/f <= 2
and HVP/f <= 5. The network's Hessian is taken in its last layer only (the full one
has 6208^2 entries).

    python benchmarks/higher_order_row.py            # ~1 minute
    python benchmarks/higher_order_row.py --quick    # a smoke test, a few seconds
    python benchmarks/higher_order_row.py --alone    # each variant in its own loop

Prints one Markdown table of min-over-repeats times, every variant of a case timed
in turn within each repeat (the machine may be shared: mins compare best). Also the
suite's "higher_order" section (benchmarks/run.py).
"""
import argparse
import math
import sys
import timeit
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np                                                      # noqa: E402

from benchmarks.suite import logistic_loss, sigmoid_net                 # noqa: E402
from s2s_ad import grad, hessian, jvp                                   # noqa: E402
from s2s_ad.bench import peers                                          # noqa: E402


def cases(quick):
    rng = np.random.default_rng(10)
    n, d = (200, 50) if quick else (1000, 100)
    X = rng.standard_normal((n, d)) / math.sqrt(d)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    w, v = rng.standard_normal(d), rng.standard_normal(d)
    width, batch, d_in = (16, 32, 8) if quick else (64, 128, 32)
    W1 = rng.standard_normal((d_in, width)) / math.sqrt(d_in)
    W2 = rng.standard_normal((width, width)) / math.sqrt(width)
    w3 = rng.standard_normal(width) / math.sqrt(width)
    Xn = rng.standard_normal((batch, d_in))
    yn = (rng.random(batch) < 0.5).astype(float)
    weights = (W1, W2, w3)
    directions = tuple(rng.standard_normal(a.shape) for a in weights)
    return [
        (f"logistic n={n} d={d}", logistic_loss, (w, X, y), (v,), 0, 0),
        (f"sigmoid_net {d_in}-{width}-{width}-1 batch {batch}", sigmoid_net,
         (*weights, Xn, yn), directions, (0, 1, 2), 2),
    ]


def timer(statement, names, number, every=1):
    """(a timeit.Timer, loops per sample, sampled every how many repeats) for one
    variant; measure() runs them."""
    return timeit.Timer(statement, globals=names), number, every


ALONE = False       # --alone: each variant in a loop of its own
ALONE_ROUNDS = 5


def measure(timers, repeats):
    """Min seconds per call of each variant, the variants interleaved repeat by repeat
    so that a busy moment of the (shared) machine hits them all alike. Samples are
    short (a call or two), so that the min filters out the moments another process
    had the core. With --alone, each variant is called over and over by itself
    instead, as a loop calling only it would (what the heap looks like between calls
    then differs: generated code that keeps its temporaries to the return makes the
    heap grow and shrink at every call, which a neighbour's larger heap hides). The
    blocks come in ALONE_ROUNDS rounds: this shared machine has slow spells of a second
    or more (every array operation ~1.5x slower, the function itself included), and a
    single block per variant could put f in a fast spell and the HVP in a slow one."""
    samples = {key: [] for key in timers}
    if ALONE:
        for _ in range(ALONE_ROUNDS):
            for key, (t, number, every) in timers.items():
                samples[key] += [t.timeit(number) / number
                                 for _ in range(max(1, repeats // every // ALONE_ROUNDS))]
        return {key: min(v) for key, v in samples.items()}
    for r in range(repeats):
        for key, (t, number, every) in timers.items():
            if r % every == 0:
                samples[key].append(t.timeit(number) / number)
    return {key: min(v) for key, v in samples.items()}


def logistic_of(X, y):
    def loss(w):
        return logistic_loss(w, X, y)
    return loss


def net_of(X, y):
    def loss(W1, W2, w3):
        return sigmoid_net(W1, W2, w3, X, y)
    return loss


def hand_hvp_logistic(w, v, X, y):
    """(gradient, Hessian @ v) of the logistic loss as one would write them in NumPy:
    X @ w and X @ v as one product, X.T @ r and X.T @ r_dot as one."""
    n = len(y)
    z, z_v = (X @ np.column_stack((w, v))).T
    p = 1.0 / (1.0 + np.exp(y * z))            # sigmoid(-y z)
    r = -y * p / n
    r_v = y * y * p * (1.0 - p) * z_v / n
    g, h = np.array((r, r_v)) @ X
    return g, h


def hand_hvp_net(W1, W2, w3, V1, V2, v3, X, y):
    """(gradient, Hessian @ (V1, V2, v3)) of the sigmoid network by hand: backpropagation
    (delta4 = (y_hat - y) / n, sigmoid' = A (1 - A)) and its directional derivative
    (Pearlmutter's R-operator, R{.}), the floor for the generated HVP: the same eleven
    layer-sized matrix products, and as little elementwise work as we could write."""
    n = len(y)
    A2 = 1.0 / (1.0 + np.exp(-(X @ W1)))
    S2 = A2 * (1.0 - A2)
    RA2 = (X @ V1) * S2
    A3 = 1.0 / (1.0 + np.exp(-(A2 @ W2)))
    S3 = A3 * (1.0 - A3)
    RA3 = (RA2 @ W2 + A2 @ V2) * S3
    y_hat = 1.0 / (1.0 + np.exp(-(A3 @ w3)))
    d4 = (y_hat - y) / n
    Rd4 = y_hat * (1.0 - y_hat) * (RA3 @ w3 + A3 @ v3) / n
    G3 = np.outer(d4, w3)
    D3 = G3 * S3
    RD3 = (np.outer(Rd4, w3) + np.outer(d4, v3)) * S3 + G3 * RA3 * (1.0 - 2.0 * A3)
    G2 = D3 @ W2.T
    D2 = G2 * S2
    RD2 = (RD3 @ W2.T + D3 @ V2.T) * S2 + G2 * RA2 * (1.0 - 2.0 * A2)
    return ((X.T @ D2, A2.T @ D3, A3.T @ d4),
            (X.T @ RD2, RA2.T @ D3 + A2.T @ RD3, RA3.T @ d4 + A3.T @ Rd4))


def hand_row(f, args, dirs):
    """The hand-written HVP, checked against s2s_ad's before it is timed."""
    k = len(dirs)
    names = {"hand_hvp_logistic": hand_hvp_logistic, "hand_hvp_net": hand_hvp_net,
             "args": args, "dirs": dirs}
    if k == 1:
        statement = "hand_hvp_logistic(args[0], dirs[0], args[1], args[2])"
        loss = logistic_of(*args[1:])
    else:
        statement = "hand_hvp_net(*args[:3], *dirs, *args[3:])"
        loss = net_of(*args[3:])
    mine = eval(statement, names)
    ours = jvp(grad(loss, argnums=0 if k == 1 else tuple(range(k))), tuple(args[:k]),
               tuple(dirs))
    for a, b in zip(mine, ours):
        for x, y in zip(*((a, b) if k > 1 else ((a,), (b,)))):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)
    return timer(statement, names, 2)


def s2s_row(f, args, dirs, argnums, hess_arg, number):
    """The data are closed over, as a user differentiating in the weights writes it
    (and as the peers get it): only the weights have tangents."""
    k = len(dirs)
    loss = (logistic_of if k == 1 else net_of)(*args[k:])
    weights, tangents = tuple(args[:k]), tuple(dirs)
    gradient = grad(loss, argnums=argnums)
    names = {"f": f, "loss": loss, "jvp": jvp, "gradient": gradient, "args": args,
             "ws": weights, "t": tangents, "H": hessian(loss, argnums=hess_arg)}
    jvp(loss, weights, tangents)                  # compile outside the timing
    jvp(gradient, weights, tangents)
    names["H"](*weights)
    return {"f": timer("f(*args)", names, number),
            "jvp": timer("jvp(loss, ws, t)", names, number),
            "hvp": timer("jvp(gradient, ws, t)", names, number),
            "hessian": timer("H(*ws)", names, 1, every=20)}


# The clean-ups of issue 10, each with a switch: copies and signs folded, temporaries
# released, arithmetic in place, X @ w and X @ w_dot as one product, 1 / (1 + exp(-u))
# as one sigmoid statement; and those of the HVP's: values computed twice computed
# once, outer products and their tangents without broadcast loops, small transposes
# copied before products.
CLEANUPS = ("tangent_fold", "release", "tangent_inplace", "tangent_pairs",
            "sigmoid_fusion", "tangent_reuse", "tangent_outer", "tangent_transposes")


def s2s_before_row(f, args, dirs, argnums, hess_arg, number):
    """The generated code as it was before issue 10's clean-up (every switch of
    CLEANUPS off: no folded copies and signs, temporaries alive to the return, no
    arithmetic in place, the sigmoid rule by rule), called directly, and the Hessian as
    it was taken then: one Hessian-vector product per basis vector (no batch). Dispatch
    is left out, which flatters these columns."""
    import importlib
    from s2s_ad import toolkit
    switches = [importlib.import_module(f"s2s_ad.{name}") for name in CLEANUPS]
    k = len(dirs)
    weights, tangents = tuple(args[:k]), tuple(dirs)
    for module in switches:
        module.ENABLED = False
    try:
        # a new function, so that it is compiled now
        loss = (logistic_of if k == 1 else net_of)(*args[k:])
        generated = grad(loss, argnums=argnums).compile(*weights)
        generated = getattr(generated, "__wrapped__", generated)
        jvp_fn, _ = toolkit._Jvp(loss).compiled(weights)
        hvp_fn, _ = toolkit._Jvp(generated).compiled(weights)
    finally:
        for module in switches:
            module.ENABLED = True
    x = weights[hess_arg]
    basis = []
    for e in np.eye(x.size):
        ts = [np.zeros_like(w) for w in weights]
        ts[hess_arg] = e.reshape(x.shape)
        basis.append(tuple(ts))

    def hess():
        return [hvp_fn(*weights, *ts)[1] for ts in basis]
    names = {"jvp_fn": jvp_fn, "hvp_fn": hvp_fn, "ws": weights, "t": tangents,
             "hess": hess}
    return {"jvp": timer("jvp_fn(*ws, *t)", names, number),
            "hvp": timer("hvp_fn(*ws, *t)", names, number),
            "hessian": timer("hess()", names, 1, every=20)}


def autograd_row(f, args, dirs, argnums, hess_arg, number):
    import autograd
    import autograd.numpy as anp
    g = peers.rebind(f, anp)
    k = len(dirs)
    rest = args[k:]

    def of_weights(*weights):
        return g(*weights, *rest)
    # autograd's make_jvp and hessian_vector_product take one array: the weights are
    # flattened into one vector and unpacked inside.
    shapes = [np.shape(a) for a in args[:k]]
    bounds = np.cumsum([0] + [int(np.prod(sh)) for sh in shapes])

    def flat(theta):
        return of_weights(*[anp.reshape(theta[bounds[i]:bounds[i + 1]], shapes[i])
                            for i in range(k)])
    theta = np.concatenate([np.ravel(a) for a in args[:k]])
    direction = np.concatenate([np.ravel(t) for t in dirs])
    jvp_fn = autograd.make_jvp(flat)
    hvp_fn = autograd.hessian_vector_product(flat)

    def jvp_call():
        return jvp_fn(theta)(direction)

    def hvp_call():
        return hvp_fn(theta, direction)
    others = list(args)

    def at_hess_arg(x):
        others[hess_arg] = x
        return g(*others)
    hess_fn = autograd.hessian(at_hess_arg)
    names = {"jvp_call": jvp_call, "hvp_call": hvp_call, "hess": hess_fn,
             "x": args[hess_arg]}
    return {"jvp": timer("jvp_call()", names, number),
            "hvp": timer("hvp_call()", names, number),
            "hessian": timer("hess(x)", names, 1, every=20)}


def _jax_functions(f, args, dirs, hess_arg):
    """(jax, f of the weights, its gradient, f of the Hessian's argument, the weights,
    the directions, that argument) for f's jax.numpy version, float64 on the CPU as the
    rest of the suite."""
    jax = peers._jax_setup()
    import jax.numpy as jnp
    g = peers.rebind(f, jnp)
    k = len(dirs)
    jargs = tuple(jnp.asarray(a) for a in args)
    jdirs = tuple(jnp.asarray(t) for t in dirs)
    rest = jargs[k:]

    def of_weights(*weights):
        return g(*weights, *rest)

    def at_hess_arg(x):
        return g(*jargs[:hess_arg], x, *jargs[hess_arg + 1:])
    grad_fn = jax.grad(of_weights, argnums=tuple(range(k)))
    return jax, of_weights, grad_fn, at_hess_arg, jargs[:k], jdirs, jargs[hess_arg]


def jax_row(f, args, dirs, argnums, hess_arg, number):
    jax, fw, gw, at_x, ws, ts, x = _jax_functions(f, args, dirs, hess_arg)
    names = {"jax": jax, "fw": fw, "gw": gw, "ws": ws, "ts": ts,
             "hess": jax.hessian(at_x), "x": x}
    return {"jvp": timer("jax.block_until_ready(jax.jvp(fw, ws, ts))", names, number),
            "hvp": timer("jax.block_until_ready(jax.jvp(gw, ws, ts))", names, number),
            "hessian": timer("jax.block_until_ready(hess(x))", names, 1, every=20)}


def jax_jit_row(f, args, dirs, argnums, hess_arg, number):
    """JAX with jax.jit around the jvp, the Hessian-vector product and the Hessian."""
    jax, fw, gw, at_x, ws, ts, x = _jax_functions(f, args, dirs, hess_arg)
    names = {"jax": jax, "jvp_jit": jax.jit(lambda ws, ts: jax.jvp(fw, ws, ts)),
             "hvp_jit": jax.jit(lambda ws, ts: jax.jvp(gw, ws, ts)), "ws": ws, "ts": ts,
             "hess": jax.jit(jax.hessian(at_x)), "x": x}
    return {"jvp": timer("jax.block_until_ready(jvp_jit(ws, ts))", names, number),
            "hvp": timer("jax.block_until_ready(hvp_jit(ws, ts))", names, number),
            "hessian": timer("jax.block_until_ready(hess(x))", names, 1, every=20)}


TOOLS = [("s2s_ad before", s2s_before_row), ("autograd", autograd_row),
         ("jax", jax_row), ("jax jit", jax_jit_row)]


def table(quick, skip=()):
    """The Markdown table; each case's row is computed when its turn comes. Tools in
    `skip` show "not run" (the suite's --quick skips JAX: its first eager traces of
    jvp and the Hessian take seconds each)."""
    number, repeats = (2, 3) if quick else (2, 200)
    lines = ["| function | f | s2s_ad jvp/f | s2s_ad HVP/f | hand-written HVP/f | "
             "s2s_ad Hessian | "
             + " | ".join(f"{t} jvp/f | {t} HVP/f | {t} Hessian" for t, _ in TOOLS) + " |",
             "|---|---|---|---|---|---|" + "---|---|---|" * len(TOOLS)]
    notes = []
    for name, f, args, dirs, argnums, hess_arg in cases(quick):
        timers = {("s2s_ad", k): v for k, v in
                  s2s_row(f, args, dirs, argnums, hess_arg, number).items()}
        timers[("hand", "hvp")] = hand_row(f, args, dirs)
        status = {}
        for tool, row in TOOLS:
            if tool.split()[0] in skip:
                status[tool] = "not run"
                continue
            if tool != "s2s_ad before" and not peers.installed(tool.split()[0]):
                status[tool] = "not installed"
                continue
            try:
                made = row(f, args, dirs, argnums, hess_arg, number)
                for k, (t, n, every) in made.items():
                    t.timeit(1)                 # a tool failing on a case is a table cell
                timers.update({(tool, k): v for k, v in made.items()})
            except Exception as exc:
                status[tool] = f"failed: {type(exc).__name__}"
                notes.append(f"{name}: {tool} failed: {str(exc).strip().splitlines()[0]}")
        # JAX's runtime keeps worker threads busy for a while after each call, which
        # on a small machine slows whatever runs next: its variants are timed in a
        # pass of their own, with the NumPy function timed again beside them.
        jax_keys = [key for key in timers if key[0].startswith("jax")]
        times = measure({k: v for k, v in timers.items() if k not in jax_keys}, repeats)
        f_of = {}
        if jax_keys:
            jax_timers = {k: timers[k] for k in jax_keys}
            jax_timers[("numpy", "f")] = timers[("s2s_ad", "f")]
            jax_times = measure(jax_timers, repeats)
            times.update(jax_times)
            f_of = {key[0]: jax_times[("numpy", "f")] for key in jax_keys}
        f_time = times[("s2s_ad", "f")]
        cells = [name, f"{f_time * 1e6:.0f} µs"]
        for tool in ["s2s_ad"] + [t for t, _ in TOOLS]:
            if tool in status:
                cells += [status[tool]] * 3
                continue
            base = f_of.get(tool, f_time)
            cells += [f"{times[(tool, 'jvp')] / base:.2f}",
                      f"{times[(tool, 'hvp')] / base:.2f}",
                      f"{times[(tool, 'hessian')] * 1e3:.1f} ms"]
            if tool == "s2s_ad":
                cells.insert(-1, f"{times[('hand', 'hvp')] / base:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "min over interleaved repeats (JAX's in a pass of their own); 's2s_ad "
              "before' calls the generated code directly; JAX eager and under jit, float64 "
              "on the CPU. Targets (issue 10): jvp/f ≤ 2, HVP/f ≤ 5.", *notes]
    return "\n".join(lines)


def section(quick, out=None, progress=None):
    """(markdown, data) for the suite (benchmarks/run.py)."""
    text = table(quick, skip=("jax",) if quick else ())
    return text, {"table": text}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--alone", action="store_true",
                        help="time each variant in a loop of its own, not interleaved")
    options = parser.parse_args(argv)
    global ALONE
    ALONE = options.alone
    print(table(options.quick))


if __name__ == "__main__":
    main()
