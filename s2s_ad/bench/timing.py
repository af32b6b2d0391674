"""Wall-clock timing that is fair to microsecond functions and to second-long ones.

Contenders are timed round-robin in one process, so a slow drift in the machine's
state (clock scaling, a neighbour waking up) hits all of them alike instead of
whichever happened to run during it. Each sample repeats the call enough times to
dwarf the timer's own cost, and the median over samples is kept because it shrugs off
the occasional interrupted sample.
"""
import ctypes
import math
import os
import statistics
from dataclasses import dataclass
from time import perf_counter


@dataclass
class Timing:
    seconds: float          # median time of one call
    number: int             # calls per sample
    samples: list           # per-call time of each sample

    def quartiles(self):
        """(first, third) quartile of the samples: the spread around the median."""
        if len(self.samples) < 2:
            return (self.seconds, self.seconds)
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return (q1, q3)

    def to_json(self):
        return {"seconds": self.seconds, "quartiles": list(self.quartiles()),
                "number": self.number, "samples": self.samples}


def sample(fn, args, number):
    """Seconds for `number` back-to-back calls fn(*args)."""
    loop = range(number)
    start = perf_counter()
    for _ in loop:
        fn(*args)
    return perf_counter() - start


def calls_per_sample(fn, args, target):
    """How many calls make a sample of about `target` seconds (at least one).

    Doubles a trial count until a trial takes a tenth of the target, then scales up;
    that keeps calibrating cheap even for functions of a few hundred nanoseconds.
    """
    number = 1
    while True:
        elapsed = sample(fn, args, number)
        if elapsed >= target / 10 or number >= 1 << 24:
            break
        number *= 2
    return max(1, math.ceil(number * target / max(elapsed, 1e-9)))


def race(contenders, repeats, target, warmup=2, fixed=None):
    """Time each contender, round-robin, and return {name: Timing}.

    `contenders` maps a name to (fn, args). Warm-up calls come first so that lazy
    work (a JIT's first compile, caches, page faults on fresh arrays) is not timed.
    `fixed` maps names to a known number of calls per sample; those skip warm-up and
    calibration (for slow contenders, already run once, where each call is costly).
    """
    numbers = dict(fixed or {})
    for name, (fn, args) in contenders.items():
        if name in numbers:
            continue
        first = sample(fn, args, 1)
        if first >= target:
            numbers[name] = 1       # slow enough: more warm-up would only cost time
            continue
        for _ in range(warmup - 1):
            fn(*args)
        # A first guess, then one whole sample's worth of warm-up that also gives the
        # final count: caches, BLAS threads and clocks are settled only after that.
        guess = calls_per_sample(fn, args, target)
        numbers[name] = max(1, math.ceil(guess * target / max(sample(fn, args, guess), 1e-9)))
    samples = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, (fn, args) in contenders.items():
            samples[name].append(sample(fn, args, numbers[name]) / numbers[name])
    return {name: Timing(statistics.median(s), numbers[name], s)
            for name, s in samples.items()}


def median_time(fn, args, repeats):
    """Median of `repeats` single calls, for work that is only meaningful once per
    call (a cold compile) and long enough that one call is a fair sample."""
    times = []
    for _ in range(repeats):
        start = perf_counter()
        fn(*args)
        times.append(perf_counter() - start)
    return statistics.median(times)


def steady_allocator():
    """Fix glibc malloc's mmap and trim thresholds where its own tuning ends up.

    glibc raises both thresholds the first time a process frees a large block. Until
    then, a function whose temporaries add up to more than 128 KiB hands that memory
    back to the OS after every call and page-faults it in again on the next, which
    can more than double its time (seen: the sigmoid-net gradient, 245 µs against
    630 µs). Whether a case ran before or after some large free would then decide its
    numbers; with the thresholds fixed, no case pays that toll. Returns what was done,
    for the report, or None (not glibc, or the user set MALLOC_* themselves).
    """
    if any(name.startswith("MALLOC_") for name in os.environ):
        return None
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return None
    m_trim_threshold, m_mmap_threshold = -1, -3      # from glibc's <malloc.h>
    if mallopt(m_trim_threshold, 64 << 20) and mallopt(m_mmap_threshold, 32 << 20):
        return "glibc malloc: mmap threshold 32 MiB, trim threshold 64 MiB (fixed)"
    return None


def format_seconds(seconds):
    """'1.23 ms' style: three significant digits in the unit that fits."""
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
