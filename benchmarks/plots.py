"""PNG plots of a run: time vs d for the linear models, and the FD step sweep."""
import importlib.util
from pathlib import Path

from benchmarks.peers import PEERS

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
        ax.plot(s["steps"], s["forward"], "o-", label="forward FD")
        ax.plot(s["steps"], s["central"], "s-", label="central FD")
        if s["ad_error"] is not None:
            # An exact zero would vanish from a log axis; show it at the rounding floor.
            ax.axhline(max(s["ad_error"], 1e-17), color="k", linestyle="--", label="s2s_ad")
        reference = "hand-written gradient" if s["reference"] == "hand" else "s2s_ad"
        ax.set(xscale="log", yscale="log", xlabel="base step h",
               ylabel=f"relative error vs {reference}", title=row["name"])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return fig
