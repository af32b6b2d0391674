"""Everything measured for one case: times, compile time, accuracy, peers.

The result is a plain dict (JSON-ready): the report and the plots read only that.
"""
from dataclasses import asdict, dataclass
from time import perf_counter

import numpy as np

from benchmarks import finite_diff as fd
from benchmarks import peers
from benchmarks.timing import calls_per_sample, median_time, race, sample


@dataclass(frozen=True)
class Settings:
    repeats: int            # timing samples per contender (the median is kept)
    target: float           # seconds one timing sample should last
    fd_budget: float        # seconds one FD gradient may take; beyond, sample coordinates
    min_fd_coords: int      # never estimate FD time from fewer coordinates than this
    compile_repeats: int    # cold compiles timed (the median is kept)

    def to_json(self):
        return asdict(self)


QUICK = Settings(repeats=5, target=0.01, fd_budget=0.02, min_fd_coords=10, compile_repeats=3)
FULL = Settings(repeats=7, target=0.05, fd_budget=0.5, min_fd_coords=20, compile_repeats=5)

# Base steps of the accuracy sweep: 1e-1 down to 1e-13.
SWEEP_STEPS = [10.0 ** -k for k in range(1, 14)]


def measure(case, settings, ad, peer_names):
    args = case.args()
    coords = fd.coordinates(args, case.argnums)
    row = {"name": case.name, "family": case.family, "size": case.size,
           "inputs": len(coords), "notes": list(case.notes)}
    contenders = {"f": (case.f, args)}
    grads = {}           # flat gradients: 'ad', 'hand' and each peer's

    row["s2s_ad"] = _add_s2s_ad(case, args, ad, contenders, grads)
    if case.analytic is not None:
        contenders["hand"] = (case.analytic, args)
        grads["hand"] = fd.flatten(case.analytic(*args), case.argnums)
    row["peers"] = {name: _add_peer(name, case, args, contenders, grads) for name in peer_names}
    picks, fd_values, fixed = _add_finite_differences(case, args, coords, settings, contenders, row)

    timings = race(contenders, settings.repeats, settings.target, fixed=fixed)
    row["times"] = {name: t.to_json() for name, t in timings.items()}
    if picks is not None:
        for method in fd_values:
            _scale(row["times"][f"{method} FD"], len(coords), len(picks))

    if "ad" in grads:
        row["compile_seconds"] = median_time(_cold_compile, (ad, case, args),
                                             settings.compile_repeats)
    row["errors"] = _errors(grads, fd_values, picks)
    reference = "ad" if "ad" in grads else "hand" if "hand" in grads else None
    for name, info in row["peers"].items():
        if name in grads and reference:
            info[f"error_vs_{reference}"] = fd.relative_error(grads[name], grads[reference])
    if case.sweep:
        row["sweep"] = _sweep(case, args, grads)
    return row


def _add_s2s_ad(case, args, ad, contenders, grads):
    """Compile s2s_ad's gradient and enter it; returns its status for the row. A case
    s2s_ad cannot translate (yet), or a bug in the core, must not stop the suite."""
    try:
        g = ad.grad(case.f, argnums=case.argnums)
        compiled = g.compile(*args)
        grads["ad"] = fd.flatten(g(*args), case.argnums)
    except ad.TranslationError as exc:
        return {"status": "not supported yet", "message": _one_line(exc)}
    except Exception as exc:
        return {"status": f"failed: {type(exc).__name__}", "message": _one_line(exc)}
    contenders["s2s_ad"] = (g, args)
    if _same(compiled, args, case.argnums, grads["ad"]):
        # The compiled function without the per-call signature lookup: shows what the
        # lookup costs on microsecond functions.
        contenders["s2s_ad direct"] = (compiled, args)
    return {"status": "ok", "source": getattr(g, "source", None)}


def _same(compiled, args, argnums, ad_flat):
    try:
        return np.allclose(fd.flatten(compiled(*args), argnums), ad_flat, rtol=1e-12, atol=0.0)
    except Exception:
        return False


def _cold_compile(ad, case, args):
    ad.grad(case.f, argnums=case.argnums).compile(*args)


def _add_peer(name, case, args, contenders, grads):
    """Enter another AD tool's gradient if it is installed and works; returns its status."""
    if not peers.installed(name):
        return {"status": "not installed"}
    try:
        fn, peer_args, to_numpy = peers.make_grad(name, case.f, args, case.argnums)
        start = perf_counter()
        result = fn(*peer_args)      # for jax.jit this first call compiles
        first = perf_counter() - start
        grads[name] = fd.flatten(to_numpy(result), case.argnums)
    except Exception as exc:
        return {"status": f"failed: {type(exc).__name__}", "message": _one_line(exc)}
    contenders[name] = (fn, peer_args)
    return {"status": "ok", "version": peers.version(name), "first_call_seconds": first}


def _add_finite_differences(case, args, coords, settings, contenders, row):
    """Enter central and forward FD: over all coordinates if that fits the time budget,
    else over an even spread of them (their time is scaled up after the race).
    Returns (picks or None, {method: values}, {name: calls per sample} for the race)."""
    calls = calls_per_sample(case.f, args, settings.target)
    f_time = sample(case.f, args, calls) / calls
    budget_coords = max(settings.min_fd_coords, int(settings.fd_budget / (2 * f_time)))
    if budget_coords * 5 >= len(coords) * 4:
        budget_coords = len(coords)     # nearly all: an estimate would save little
    picks = fd.spread(len(coords), budget_coords)
    used = coords if picks is None else [coords[i] for i in picks]
    row["fd"] = {"coords": len(used), "of": len(coords), "estimated": picks is not None}
    values, fixed = {}, {}
    for method in ("central", "forward"):
        fd_args = (case.f, args, used, method)
        start = perf_counter()
        values[method] = fd.fd_gradient(*fd_args)
        elapsed = perf_counter() - start
        contenders[f"{method} FD"] = (fd.fd_gradient, fd_args)
        if elapsed >= settings.target:
            fixed[f"{method} FD"] = 1   # already warm, and each further call is costly
    return picks, values, fixed


def _scale(timing, total, used):
    """Scale an FD time over `used` coordinates up to all `total` of them."""
    factor = total / used
    timing["seconds"] *= factor
    timing["samples"] = [s * factor for s in timing["samples"]]
    timing["estimated_from"] = used


def _errors(grads, fd_values, picks):
    errors = {}
    for ref in ("ad", "hand"):
        if ref in grads:
            for method, values in fd_values.items():
                errors[f"{method}_vs_{ref}"] = fd.relative_error(values, grads[ref], picks)
    if "ad" in grads and "hand" in grads:
        errors["ad_vs_hand"] = fd.relative_error(grads["ad"], grads["hand"])
    return errors


def _sweep(case, args, grads):
    reference_name = "hand" if "hand" in grads else "ad"
    if reference_name not in grads:
        return None
    reference = grads[reference_name]
    curves = fd.step_sweep(case.f, args, case.argnums, reference, SWEEP_STEPS)
    ad_error = fd.relative_error(grads["ad"], reference) \
        if "ad" in grads and reference_name == "hand" else None
    return {"steps": SWEEP_STEPS, "reference": reference_name, "ad_error": ad_error, **curves}


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
