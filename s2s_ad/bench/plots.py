"""PNG plots: for the suite, time vs d for the linear models and the FD step sweep;
for one benchmarked function, its step sweep and FD cost against d."""
import importlib.util
from pathlib import Path

from .finite_diff import LABELS
from .peers import PEERS

REFERENCE_NAMES = {"hand": "hand-written gradient", "ad": "s2s_ad",
                   "richardson": "Richardson differences"}

# (timing name, label, line style); estimated FD points also get hollow markers.
SERIES = [("f", "f", "-"), ("s2s_ad", "s2s_ad grad", "-"), ("hand", "hand-written grad", ":"),
          ("central FD", "central FD", "--")] + [(p, p, "-.") for p in PEERS]


def available():
    return importlib.util.find_spec("matplotlib") is not None


def write_all(results, out_dir):
    """Write the plots into out_dir; returns the paths written."""
    import matplotlib
    matplotlib.use("Agg")           # files only: no display on CI or over ssh
    import matplotlib.pyplot as plt
    written = []
    for name, draw in (("time_vs_d.png", _time_vs_d), ("accuracy_sweep.png", _sweep)):
        fig = draw(plt, results["cases"])
        if fig is not None:
            path = Path(out_dir) / name
            fig.savefig(path, dpi=120, bbox_inches="tight")
            plt.close(fig)
            written.append(path)
    return written


def _time_vs_d(plt, rows):
    families = sorted({r["family"] for r in rows if r["size"] is not None})
    if not families:
        return None
    fig, axes = plt.subplots(1, len(families), figsize=(6 * len(families), 4.5), squeeze=False)
    for ax, family in zip(axes[0], families):
        members = sorted((r for r in rows if r["family"] == family), key=lambda r: r["size"])
        for key, label, style in SERIES:
            points = [(r["size"], r["times"][key]["seconds"]) for r in members if key in r["times"]]
            if not points:
                continue
            d, t = zip(*points)
            line, = ax.plot(d, t, style, marker="o", label=label)
            guessed = [(r["size"], r["times"][key]["seconds"]) for r in members
                       if "estimated_from" in r["times"].get(key, {})]
            if guessed:     # hollow markers: extrapolated from a subset of coordinates
                ax.plot(*zip(*guessed), "o", color=line.get_color(), markerfacecolor="white",
                        label=f"{label} (estimated)")
        ax.set(xscale="log", yscale="log", xlabel="d (inputs)", ylabel="seconds per call",
               title=family)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def _sweep(plt, rows):
    swept = [r for r in rows if r.get("sweep")]
    if not swept:
        return None
    fig, axes = plt.subplots(1, len(swept), figsize=(6 * len(swept), 4.5), squeeze=False)
    for ax, row in zip(axes[0], swept):
        s = row["sweep"]
        ax.plot(s["steps"], _nan_for_none(s["forward"]), "o-", label="forward FD")
        ax.plot(s["steps"], _nan_for_none(s["central"]), "s-", label="central FD")
        if s["ad_error"] is not None:
            # An exact zero would vanish from a log axis; show it at the rounding floor.
            ax.axhline(max(s["ad_error"], 1e-17), color="k", linestyle="--", label="s2s_ad")
        reference = "hand-written gradient" if s["reference"] == "hand" else "s2s_ad"
        ax.set(xscale="log", yscale="log", xlabel="base step h",
               ylabel=f"relative error vs {reference}", title=row["name"])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return fig


def _nan_for_none(values):
    # A step at which f failed has no error; NaN leaves a gap in the line.
    return [float("nan") if v is None else v for v in values]


# --- One benchmarked function --------------------------------------------------------

def write_report(data, path):
    """One PNG with two panels: the step sweep (the V, best steps marked) and the
    cost against d (finite differences grow as d times their cost per coordinate;
    s2s_ad's gradient is the measured point at this d). Returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    row = data["result"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    _report_sweep(left, row)
    _report_cost(right, row)
    fig.suptitle(f"{data['function']}, d = {row['inputs']}")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def _report_sweep(ax, row):
    s = row.get("sweep")
    if not s:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no step sweep", ha="center")
        return
    for method, marker in (("forward", "o"), ("central", "s")):
        points = [(h, e) for h, e in zip(s["steps"], s[method]) if e is not None and e > 0]
        if points:
            line, = ax.plot(*zip(*points), marker + "-", label=f"{method} FD")
            best = s["best"][method]
            if best and best["error"] > 0:
                ax.plot(best["h"], best["error"], "*", markersize=16, color=line.get_color(),
                        label=f"best {method}: h = {best['h']:.0e}")
    if s["ad_error"] is not None:
        # An exact zero would vanish from a log axis; show it at the rounding floor.
        ax.axhline(max(s["ad_error"], 1e-17), color="k", linestyle="--", label="s2s_ad")
    ax.set(xscale="log", yscale="log", xlabel="base step h",
           ylabel=f"relative error vs {REFERENCE_NAMES[s['reference']]}",
           title=f"finite-difference error against step ({s['coords']} coordinates)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")


def _report_cost(ax, row):
    d = row["inputs"]
    dims = sorted({1, d, *[10 ** k for k in range(1, 10) if 10 ** k < d]})
    for method, info in row["fd"]["methods"].items():
        if info["status"] != "ok":
            continue
        per = info["seconds_per_coordinate"]
        line, = ax.plot(dims, [per * n for n in dims], "--", label=f"{LABELS[method]} (projected)")
        measured = info["timed_coords"]
        ax.plot(measured, per * measured, "o", color=line.get_color())
    ad = row["times"].get("s2s_ad")
    if ad:
        ax.plot(d, ad["seconds"], "k*", markersize=14, label="s2s_ad grad (measured)")
        ax.axhline(ad["seconds"], color="k", linestyle=":", linewidth=0.8)
    ax.plot(d, row["times"]["f"]["seconds"], "kx", markersize=10, label="f (measured)")
    ax.set(xscale="log", yscale="log", xlabel="d (coordinates differentiated)",
           ylabel="seconds per gradient",
           title="cost against d (dots: coordinates measured)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
