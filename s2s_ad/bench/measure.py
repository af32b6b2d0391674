"""Everything measured for one function at one point: times, compile time, accuracy,
the step sweep, other AD tools. `benchmark` and the project's suite both use it.

The result is a plain dict (JSON-ready): reports and plots read only that.
"""
import importlib
from dataclasses import asdict, dataclass
from time import perf_counter

import numpy as np

from . import finite_diff as fd
from . import peers as peer_tools
from .timing import calls_per_sample, median_time, race, sample


@dataclass(frozen=True)
class Settings:
    repeats: int            # timing samples per contender (the median is kept)
    target: float           # seconds one timing sample should last
    fd_budget: float        # seconds one central-FD gradient may take; beyond, sample coordinates
    min_fd_coords: int      # never estimate FD time from fewer coordinates than this
    compile_repeats: int    # cold compiles timed (the median is kept)

    def to_json(self):
        return asdict(self)


QUICK = Settings(repeats=5, target=0.01, fd_budget=0.02, min_fd_coords=10, compile_repeats=3)
FULL = Settings(repeats=7, target=0.05, fd_budget=0.5, min_fd_coords=20, compile_repeats=5)
# benchmark()'s default: FULL's timing with a smaller FD budget, so one function takes
# seconds rather than the suite's tens of seconds per case.
STANDARD = Settings(repeats=7, target=0.05, fd_budget=0.1, min_fd_coords=20, compile_repeats=3)

# Base steps of the step sweep: 1e-1 down to 1e-13.
SWEEP_STEPS = [10.0 ** -k for k in range(1, 14)]
# The sweep runs forward (1 evaluation) and central (2) FD at each step.
SWEEP_EVALUATIONS = 3 * len(SWEEP_STEPS)
# s2s_ad and Richardson differences agree to about 1e-10 on a smooth, well-scaled
# function; a relative disagreement above this is reported as a failed cross-check.
CROSSCHECK_TOLERANCE = 1e-6

TIMING_NAME = {m: fd.LABELS[m] for m in fd.METHODS}


class _Silent:
    def step(self, phase):
        pass


def measure(f, args, argnums=0, settings=FULL, *, analytic=None, peer_names=(),
            methods=fd.METHODS, sweep=True, progress=None):
    """Measure f at args. `analytic` is a hand-written gradient with f's signature;
    `peer_names` other AD tools to compare with (those not installed are reported so);
    `methods` the finite-difference methods timed; `sweep` runs the step sweep."""
    progress = progress or _Silent()
    coords = fd.coordinates(args, argnums)
    row = {"inputs": len(coords), "argnums": list(fd.as_tuple(argnums))}
    contenders = {"f": (f, args)}
    grads = {}           # flat gradients: 'ad', 'hand' and each peer's

    progress.step("s2s_ad: compile")
    row["s2s_ad"] = _add_s2s_ad(f, args, argnums, contenders, grads)
    if analytic is not None:
        contenders["hand"] = (analytic, args)
        grads["hand"] = fd.flatten(analytic(*args), argnums)
    progress.step("other AD tools")
    row["peers"] = {name: _add_peer(name, f, args, argnums, contenders, grads)
                    for name in peer_names}

    progress.step("finite differences")
    fd_values, fixed = _add_finite_differences(f, args, coords, settings, methods,
                                               contenders, row)

    progress.step("timing, round-robin")
    timings = race(contenders, settings.repeats, settings.target, fixed=fixed)
    row["times"] = {name: t.to_json() for name, t in timings.items()}
    for method, info in row["fd"]["methods"].items():
        if info["status"] == "ok":
            _project(row["times"][TIMING_NAME[method]], info, len(coords))

    if "ad" in grads:
        progress.step("s2s_ad: cold compiles")
        row["compile_seconds"] = median_time(_cold_compile, (f, args, argnums),
                                             settings.compile_repeats)
    row["errors"] = _errors(grads, fd_values)
    reference = "ad" if "ad" in grads else "hand" if "hand" in grads else None
    for name, info in row["peers"].items():
        if name in grads and reference:
            info[f"error_vs_{reference}"] = fd.relative_error(grads[name], grads[reference])
    row["crosscheck"] = _crosscheck(row["errors"], "ad" in grads)
    if sweep:
        progress.step("step sweep")
        row["sweep"] = _sweep(f, args, coords, settings, grads, fd_values,
                              row["times"]["f"]["seconds"])
    return row


def _add_s2s_ad(f, args, argnums, contenders, grads):
    """Compile s2s_ad's gradient and enter it; returns its status for the row. A
    function s2s_ad cannot translate, or a bug in the core, must not stop the run:
    everything else is still measured."""
    ad = importlib.import_module("s2s_ad")
    try:
        g = ad.grad(f, argnums=argnums)
        compiled = g.compile(*args)
        grads["ad"] = fd.flatten(g(*args), argnums)
    except ad.TranslationError as exc:
        return {"status": "not supported", "message": _one_line(exc)}
    except Exception as exc:
        return {"status": f"failed: {type(exc).__name__}", "message": _one_line(exc)}
    contenders["s2s_ad"] = (g, args)
    if _same(compiled, args, argnums, grads["ad"]):
        # The compiled function without the per-call signature lookup: shows what the
        # lookup costs on microsecond functions.
        contenders["s2s_ad direct"] = (compiled, args)
    return {"status": "ok", "source": getattr(g, "source", None)}


def _same(compiled, args, argnums, ad_flat):
    try:
        return bool(fd.relative_error(fd.flatten(compiled(*args), argnums), ad_flat) <= 1e-12)
    except Exception:
        return False


def _cold_compile(f, args, argnums):
    """A compile from scratch: the global cache of gradient objects is emptied first,
    or a repeated `grad(f)` would return the compiled object."""
    ad = importlib.import_module("s2s_ad")
    ad.api.clear_cache()
    ad.grad(f, argnums=argnums).compile(*args)


def _add_peer(name, f, args, argnums, contenders, grads):
    """Enter another AD tool's gradient if it is installed and works; returns its status."""
    if not peer_tools.installed(name):
        return {"status": "not installed"}
    try:
        fn, peer_args, to_numpy = peer_tools.make_grad(name, f, args, argnums)
        start = perf_counter()
        result = fn(*peer_args)      # for jax.jit this first call compiles
        first = perf_counter() - start
        grads[name] = fd.flatten(to_numpy(result), argnums)
    except Exception as exc:
        return {"status": f"failed: {type(exc).__name__}", "message": _one_line(exc)}
    contenders[name] = (fn, peer_args)
    return {"status": "ok", "version": peer_tools.version(name), "first_call_seconds": first}


def _add_finite_differences(f, args, coords, settings, methods, contenders, row):
    """Enter each FD method, over all coordinates if it fits the time budget, else
    over an even spread of them (its time is projected to all coordinates after the
    race). The budget is per method: Richardson costs twice central, and the complex
    step can cost far more than f (a real matrix times a complex vector is cast to
    complex on every call). Returns ({method: values over all coordinates, NaN where
    not computed}, {timing name: calls per sample} for the race)."""
    calls = calls_per_sample(f, args, settings.target)
    f_time = sample(f, args, calls) / calls
    info = {}
    central_count = _budget_count(len(coords), 2 * f_time, settings)
    row["fd"] = {"coords": central_count, "of": len(coords),
                 "estimated": central_count < len(coords), "methods": info}
    values, fixed = {}, {}
    for method in methods:
        per_coord = fd.EVALUATIONS[method] * f_time
        if method == "complex":
            try:
                per_coord = _probe(f, args, coords, method)
            except fd.ComplexStepUnavailable as exc:
                info[method] = {"status": "unavailable", "message": str(exc)}
                continue
        count = _budget_count(len(coords), per_coord, settings)
        picks = fd.spread(len(coords), count)
        used = coords if picks is None else [coords[i] for i in picks]
        full = np.full(len(coords), np.nan)
        start = perf_counter()
        full[slice(None) if picks is None else picks] = fd.fd_gradient(f, args, used, method)
        elapsed = perf_counter() - start
        values[method] = full
        info[method] = {"status": "ok", "evaluations_per_coordinate": fd.EVALUATIONS[method],
                        "timed_coords": len(used)}
        name = TIMING_NAME[method]
        contenders[name] = (fd.fd_gradient, (f, args, used, method))
        if elapsed >= settings.target:
            fixed[name] = 1     # already warm, and each further call is costly
    return values, fixed


def _budget_count(total, per_coord, settings):
    """How many coordinates one FD gradient may cover within the budget: all of them
    when nearly all fit (an estimate would then save little)."""
    count = max(settings.min_fd_coords, int(settings.fd_budget / max(per_coord, 1e-12)))
    return total if count * 5 >= total * 4 else count


def _probe(f, args, coords, method):
    """Seconds per coordinate of `method`, the best of three single-coordinate runs."""
    times = []
    for _ in range(3):
        start = perf_counter()
        fd.fd_gradient(f, args, coords[:1], method)
        times.append(perf_counter() - start)
    return min(times)


def _computed(values):
    """Positions where an FD result (NaN elsewhere) was computed, and those values."""
    picks = np.flatnonzero(~np.isnan(values))
    return picks, values[picks]


def _project(timing, info, total):
    """The cost per coordinate, and an FD time over the coordinates timed projected
    to all `total` of them."""
    used = info["timed_coords"]
    info["seconds_per_coordinate"] = timing["seconds"] / used
    info["projected_seconds"] = timing["seconds"] * total / used
    if used < total:
        factor = total / used
        timing["seconds"] *= factor
        timing["quartiles"] = [q * factor for q in timing["quartiles"]]
        timing["samples"] = [s * factor for s in timing["samples"]]
        timing["estimated_from"] = used


def _errors(grads, fd_values):
    errors = {}
    for ref in ("ad", "hand"):
        if ref in grads:
            for method, full in fd_values.items():
                picks, values = _computed(full)
                errors[f"{method}_vs_{ref}"] = fd.relative_error(values, grads[ref], picks)
    if "ad" in grads and "hand" in grads:
        errors["ad_vs_hand"] = fd.relative_error(grads["ad"], grads["hand"])
    if "richardson" in fd_values and "central" in fd_values:
        both = ~np.isnan(fd_values["central"]) & ~np.isnan(fd_values["richardson"])
        errors["central_vs_richardson"] = fd.relative_error(
            fd_values["central"][both], fd_values["richardson"][both])
    return errors


def _crosscheck(errors, have_ad):
    """Does s2s_ad's gradient agree with Richardson differences? When it does not,
    central differences, with their smaller step, tell a kink that Richardson's larger
    steps cross (central agrees with s2s_ad) from a wrong gradient or a point where no
    finite difference can be trusted (neither agrees; then whether the two FD methods
    agree with each other says which is more likely)."""
    if not have_ad or "richardson_vs_ad" not in errors:
        return None
    error = errors["richardson_vs_ad"]
    central = errors.get("central_vs_ad")
    fd_spread = errors.get("central_vs_richardson")
    return {"error": error, "tolerance": CROSSCHECK_TOLERANCE,
            "agrees": error <= CROSSCHECK_TOLERANCE,
            "central_agrees": central is not None and central <= CROSSCHECK_TOLERANCE,
            "fd_consistent": fd_spread is None or fd_spread <= CROSSCHECK_TOLERANCE}


def _sweep(f, args, coords, settings, grads, fd_values, f_time):
    """FD error against step h on an even spread of the coordinates, as many as the
    time budget allows (the sweep costs about 39 evaluations per coordinate)."""
    reference_name = next((n for n in ("hand", "ad") if n in grads), None)
    if reference_name is not None:
        reference, known = grads[reference_name], np.arange(len(coords))
    elif "richardson" in fd_values:
        reference_name = "richardson"
        reference = fd_values["richardson"]
        known = _computed(reference)[0]
    else:
        return None
    count = max(min(settings.min_fd_coords, len(known)),
                int(4 * settings.fd_budget / (SWEEP_EVALUATIONS * f_time)))
    chosen = fd.spread(len(known), count)
    picks = known if chosen is None else known[chosen]
    curves = fd.step_sweep(f, args, [coords[p] for p in picks],
                           np.where(np.isnan(reference), 0.0, reference), SWEEP_STEPS, picks)
    ad_error = fd.relative_error(grads["ad"], grads["hand"]) \
        if "ad" in grads and reference_name == "hand" else None
    return {"steps": SWEEP_STEPS, "reference": reference_name, "ad_error": ad_error,
            "coords": len(picks),
            "best": {m: fd.best_step(SWEEP_STEPS, curves[m]) for m in curves}, **curves}


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
