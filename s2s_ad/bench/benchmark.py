"""`benchmark(f, *args)`: how much faster and more accurate s2s_ad's gradient of your
function is than finite differences (and other AD tools), and how that scales with d."""
import datetime
from pathlib import Path
from time import perf_counter

from . import finite_diff as fd
from . import machine, plots, progress as progress_bars
from . import report as reports
from .measure import FULL, QUICK, STANDARD, Settings, measure
from .peers import NUMPY_PEERS
from .timing import steady_allocator

PHASES = 6      # progress steps measure() announces, for the bar's length


def benchmark(f, *args, argnums=0, quick=False, settings=None, peers=NUMPY_PEERS,
              methods=fd.METHODS, sweep=True, hand=None, progress=True):
    """Benchmark s2s_ad's gradient of the scalar function `f` at `args`.

    Times f, s2s_ad's gradient (compile time apart), forward, central and
    Richardson-extrapolated central differences, the complex step (when f accepts
    complex input) and `peers` (autograd, JAX) where installed: medians of samples
    taken round-robin in this process. Measures each method's error against s2s_ad's
    gradient, cross-checks that gradient against Richardson differences, sweeps the
    finite-difference step, and projects finite-difference costs to all d inputs
    (measured on an even spread of coordinates when d is large).

    quick: few, short samples and a small FD budget (seconds, not tens of seconds);
    settings: a `Settings` overriding both; hand: a hand-written gradient with f's
    signature, also timed and compared; progress: a bar (tqdm) on stderr for runs
    that last more than a few seconds.

    Returns a `BenchmarkReport`: `str()` is Markdown, `.to_json(path)` every number,
    `.plot(path)` the figures (matplotlib).
    """
    settings = settings or (QUICK if quick else STANDARD)
    allocator = steady_allocator()
    machine_now = machine.info()
    machine_now["allocator"] = allocator or "as the process found it"
    started = perf_counter()
    name = getattr(f, "__qualname__", getattr(f, "__name__", repr(f)))
    bar = progress_bars.make(PHASES, f"benchmark {name}", enabled=progress)
    try:
        row = measure(f, args, argnums, settings, analytic=hand, peer_names=tuple(peers),
                      methods=tuple(methods), sweep=sweep, progress=bar)
    finally:
        bar.close()
    machine_now["load_average_after"] = machine.load_average()
    machine_now["line"] = machine.line(machine_now)
    return BenchmarkReport({
        "function": name,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_now,
        "settings": settings.to_json(),
        "wall_seconds": perf_counter() - started,
        "result": row,
    })


class BenchmarkReport:
    """What `benchmark` measured. `.data` holds every number (JSON-ready)."""

    def __init__(self, data):
        self.data = data

    def __str__(self):
        return reports.markdown(self.data)

    def _repr_markdown_(self):          # Jupyter shows the tables
        return str(self)

    def __repr__(self):
        return f"<BenchmarkReport {reports.summary_line(self.data)}>"

    def to_json(self, path=None):
        """Every number, the machine line and all timing samples as JSON text;
        written to `path` too when given."""
        text = reports.to_json(self.data)
        if path is not None:
            Path(path).write_text(text + "\n")
        return text

    def plot(self, path):
        """Draw the step sweep and FD cost against d into the PNG `path`; returns the
        path. Needs matplotlib (pip install s2s_ad[bench])."""
        if not plots.available():
            raise ImportError("plotting needs matplotlib: pip install matplotlib "
                              "(or s2s_ad[bench])")
        return plots.write_report(self.data, path)

    # The numbers the questions ask for, without digging through .data.
    def time(self, name):
        """Median seconds per call of 'f', 's2s_ad', a method ('central', ...) or a peer."""
        key = fd.LABELS.get(name, name)
        return reports.seconds(self.data["result"], key)

    def speedup(self, method="central"):
        """How many times faster s2s_ad's gradient is than finite-difference `method`."""
        fd_time, ad = self.time(method), self.time("s2s_ad")
        return None if fd_time is None or ad is None else fd_time / ad

    def error(self, method="central"):
        """`method`'s relative error against s2s_ad's gradient."""
        return self.data["result"]["errors"].get(f"{method}_vs_ad")

    def digits(self, method="central"):
        """Correct digits of `method`, taking s2s_ad's gradient as the reference."""
        return fd.correct_digits(self.error(method))

    @property
    def crosscheck_ok(self):
        """True when s2s_ad agrees with Richardson differences, or with central ones
        where Richardson's larger steps cross a kink (None: not run)."""
        check = self.data["result"].get("crosscheck")
        return None if check is None else bool(check["agrees"] or check["central_agrees"])


__all__ = ["benchmark", "BenchmarkReport", "Settings", "QUICK", "STANDARD", "FULL"]
