"""The Markdown report of one benchmarked function, and the helpers reports share."""
import json
import math
from pathlib import Path

from . import finite_diff as fd
from . import machine as machine_info
from .measure import TIMING_NAME
from .timing import format_seconds


def table(header, lines):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(out)


def format_error(value):
    return "–" if value is None else f"{value:.1e}"


def format_digits(value):
    return "–" if value is None else f"{value:.1f}"


def write_json(data, path):
    Path(path).write_text(to_json(data) + "\n")


def to_json(data):
    return json.dumps(data, indent=1, default=_jsonable)


def _jsonable(value):
    # NumPy scalars sneak in from reductions; JSON wants Python numbers.
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _ratio(a, b):
    return "–" if a is None or not b else format_ratio(a / b)


def format_ratio(x):
    """Three significant digits, without an exponent for the large ratios FD makes."""
    return f"{x:.0f}" if x >= 1000 else f"{x:.3g}"


def markdown(data):
    """The whole report of `benchmark`: times and accuracy, the cross-check, the cost
    with the dimension, the step sweep."""
    row = data["result"]
    parts = [f"## Benchmark of `{data['function']}` at d = {row['inputs']} "
             f"({_argnums_text(row['argnums'])})", "",
             machine_info.line(data["machine"]), "",
             _times_table(row), ""]
    parts += _summary(row)
    parts += ["", _scaling(row)]
    if row.get("sweep"):
        parts += ["", _sweep(row)]
    return "\n".join(parts) + "\n"


def _argnums_text(argnums):
    return ("argument " if len(argnums) == 1 else "arguments ") + ", ".join(map(str, argnums))


def seconds(row, name):
    timing = row["times"].get(name)
    return None if timing is None else timing["seconds"]


def _time_cells(row, name):
    timing = row["times"][name]
    mark = "≈" if "estimated_from" in timing else ""
    q1, q3 = timing["quartiles"]
    return [mark + format_seconds(timing["seconds"]),
            f"{format_seconds(q1)} – {format_seconds(q3)}",
            _ratio(timing["seconds"], seconds(row, "f")),
            _ratio(timing["seconds"], seconds(row, "s2s_ad"))]


def _times_table(row):
    errors = row["errors"]
    ad_ok = row["s2s_ad"]["status"] == "ok"
    lines = [["f", *_time_cells(row, "f"), "", ""]]
    if ad_ok:
        lines.append(["**s2s_ad grad**", *_time_cells(row, "s2s_ad"), "reference", "–"])
    else:
        lines.append(["s2s_ad grad", row["s2s_ad"]["status"], "–", "–", "–", "–", "–"])
    if "hand" in row["times"]:
        e = errors.get("ad_vs_hand")
        lines.append(["hand-written grad", *_time_cells(row, "hand"), format_error(e),
                      format_digits(fd.correct_digits(e))])
    for method, info in row["fd"]["methods"].items():
        label = fd.LABELS[method]
        if info["status"] != "ok":
            lines.append([label, info["status"], "–", "–", "–", "–", "–"])
            continue
        e = errors.get(f"{method}_vs_ad")
        lines.append([label, *_time_cells(row, TIMING_NAME[method]),
                      format_error(e), format_digits(fd.correct_digits(e))])
    for name, info in row["peers"].items():
        if info["status"] != "ok":
            lines.append([name, info["status"], "–", "–", "–", "–", "–"])
            continue
        e = info.get("error_vs_ad")
        lines.append([f"{name} {info['version']}", *_time_cells(row, name),
                      format_error(e), format_digits(fd.correct_digits(e))])
    return ("### Time per call and accuracy\n\n" + table(
        ["method", "time (median)", "spread (quartiles)", "× f", "× s2s_ad grad",
         "error vs s2s_ad", "correct digits"], lines))


def _summary(row):
    """The answers in words: speed-up and digits against central differences, the
    compile time, the cross-check (loudly when it fails), what was not measured."""
    lines = []
    ad = seconds(row, "s2s_ad")
    if row["s2s_ad"]["status"] != "ok":
        lines.append(f"**s2s_ad could not differentiate this function** "
                     f"({row['s2s_ad']['status']}): {row['s2s_ad'].get('message', '')}")
    else:
        lines.append(f"s2s_ad compile: {format_seconds(row.get('compile_seconds'))} "
                     "(once per argument signature; not part of the times above).")
        central = seconds(row, TIMING_NAME["central"])
        digits = fd.correct_digits(row["errors"].get("central_vs_ad"))
        if central is not None and digits is not None:
            lines.append(
                f"**Against central differences:** s2s_ad's gradient is "
                f"{format_ratio(central / ad)}× faster and gives about {16 - digits:.1f} more correct "
                f"digits (central FD gets {digits:.1f} of float64's 16; s2s_ad differentiates "
                "the code exactly, up to rounding).")
        lines += ["", _crosscheck_text(row)]
    noisy = _noisy(row)
    if noisy:
        lines += ["", noisy]
    if any("estimated_from" in t for t in row["times"].values()):
        lines += ["", "≈ finite differences were timed on an even spread of the coordinates "
                      "(how many: the table below) and their times scaled to all "
                      f"{row['fd']['of']}."]
    if row["fd"]["estimated"]:
        lines += ["", f"Finite-difference errors are over {row['fd']['coords']} of the "
                      f"{row['fd']['of']} coordinates (an even spread), to keep the run short."]
    for name, info in row["peers"].items():
        if info["status"].startswith("failed"):
            lines.append(f"{name} {info['status']}: {info.get('message', '')}")
    for method, info in row["fd"]["methods"].items():
        if info["status"] != "ok":
            lines.append(f"{fd.LABELS[method]} {info['status']}: {info['message']}")
    return lines


def _noisy(row):
    """A warning when f's or the gradient's samples spread widely: another process
    shared the CPU (see the load average in the machine line)."""
    wide = []
    for name in ("f", "s2s_ad"):
        timing = row["times"].get(name)
        if timing:
            q1, q3 = timing["quartiles"]
            if q3 - q1 > 0.3 * timing["seconds"]:
                wide.append(name)
    if not wide:
        return ""
    return (f"Timing noise: the samples of {' and '.join(wide)} spread by more than 30% of "
            "the median, so another process probably shared the CPU (compare the load "
            "average with the cores in the machine line). Rerun on a quiet machine; with "
            "OpenBLAS on few cores, OPENBLAS_NUM_THREADS=1 also steadies matrix products.")


def _crosscheck_text(row):
    check = row.get("crosscheck")
    if check is None:
        return "Cross-check against Richardson differences: not run."
    where = (f"on {row['fd']['coords']} of {row['fd']['of']} coordinates"
             if row["fd"]["estimated"] else "on all coordinates")
    if check["agrees"]:
        return (f"Cross-check: s2s_ad agrees with Richardson-extrapolated central "
                f"differences to {check['error']:.1e} "
                f"({fd.correct_digits(check['error']):.1f} digits) {where}: ok.")
    if check["central_agrees"]:
        return (f"Cross-check: s2s_ad differs from Richardson differences by "
                f"{check['error']:.1e} {where} but agrees with central differences "
                f"({row['errors']['central_vs_ad']:.1e}): Richardson's larger steps cross a "
                "kink of f (a max, a branch), not a wrong gradient.")
    text = (f"**WARNING: s2s_ad's gradient DISAGREES with Richardson-extrapolated central "
            f"differences: relative error {check['error']:.1e} {where} (tolerance "
            f"{check['tolerance']:.0e}).**")
    if check["fd_consistent"]:
        return text + (" Central and Richardson differences agree with each other, so f "
                       "looks smooth here: this points at a wrong gradient. Please report it "
                       "with this function.")
    return text + (" Central and Richardson differences disagree with each other too: f "
                   "may be non-smooth (a kink, a branch) or badly scaled at this point, "
                   "where finite differences cannot be trusted. Try another point.")


def _scaling(row):
    ad = seconds(row, "s2s_ad")
    d = row["inputs"]
    lines = []
    for method, info in row["fd"]["methods"].items():
        if info["status"] != "ok":
            continue
        per = info["seconds_per_coordinate"]
        evals = "d + 1" if method == "forward" else f"{fd.EVALUATIONS[method]}·d"
        estimated = info["timed_coords"] < d
        lines.append([fd.LABELS[method], evals, format_seconds(per),
                      "all" if not estimated else f"{info['timed_coords']} of {d}",
                      ("≈" if estimated else "") + format_seconds(info["projected_seconds"]),
                      _break_even(ad, per)])
    header = ["method", "f evaluations", "cost per coordinate", "coordinates timed",
              f"time at d = {d}",
              "costs as much as s2s_ad grad at"]
    text = "### Cost against the dimension d\n\n" + table(header, lines)
    if ad is not None:
        text += ("\n\nFinite differences cost d times their cost per coordinate; s2s_ad's "
                 f"gradient costs {format_seconds(ad)} here, a small multiple of f "
                 f"({ad / seconds(row, 'f'):.3g}× f) whatever d is (reverse mode).")
    return text


def _break_even(ad, per_coordinate):
    if ad is None:
        return "–"
    d = ad / per_coordinate
    return "d < 1: one coordinate costs more" if d < 1 else f"d ≈ {d:.3g}"


def _sweep(row):
    s = row["sweep"]
    best = s["best"]
    lines = []
    for i, h in enumerate(s["steps"]):
        cells = [f"{h:.0e}"]
        for method in ("forward", "central"):
            e = s[method][i]
            mark = " ← best" if best[method] and best[method]["h"] == h else ""
            cells.append(("failed" if e is None else f"{e:.1e}") + mark)
        lines.append(cells)
    reference = {"hand": "the hand-written gradient", "ad": "s2s_ad",
                 "richardson": "Richardson differences"}[s["reference"]]
    used = (f"; default steps used above: forward {fd.FORWARD_STEP:.1e}, central "
            f"{fd.CENTRAL_STEP:.1e}, Richardson {fd.RICHARDSON_STEP:.1e} (each times max(1, |x|))")
    return (f"### Step sweep: finite-difference error against base step h\n\n"
            f"Relative error against {reference} on {s['coords']} coordinate(s). Truncation "
            "error falls with h (slope 1 forward, 2 central) until rounding error, growing "
            "like eps/h, takes over: a V with its best step at the bottom.\n\n"
            + table(["h", "forward FD", "central FD"], lines) + "\n\n" + _best_text(best) + used + ".")


def _best_text(best):
    parts = []
    for method in ("forward", "central"):
        b = best[method]
        if b:
            parts.append(f"{method} h = {b['h']:.0e} (error {b['error']:.1e}, "
                         f"{fd.correct_digits(b['error']):.1f} digits)")
    return "Best: " + ", ".join(parts) if parts else "Best: every step failed"


def summary_line(data):
    """A one-line summary for repr()."""
    row = data["result"]
    ad, f = seconds(row, "s2s_ad"), seconds(row, "f")
    central = seconds(row, TIMING_NAME["central"])
    parts = [f"{data['function']}, d = {row['inputs']}"]
    if ad is not None and f:
        parts.append(f"grad {ad / f:.3g}× f")
    if ad is not None and central is not None:
        parts.append(f"{format_ratio(central / ad)}× faster than central FD")
    digits = fd.correct_digits(row["errors"].get("central_vs_ad"))
    if digits is not None and not math.isnan(digits):
        parts.append(f"central FD {digits:.1f} digits")
    check = row.get("crosscheck")
    if check is not None and not (check["agrees"] or check["central_agrees"]):
        parts.append("CROSS-CHECK FAILED")
    return "; ".join(parts)
