"""Wall-clock timing that is fair to microsecond functions and to second-long ones.

Contenders are timed round-robin in one process, so a slow drift in the machine's
state (clock scaling, a neighbour waking up) hits all of them alike instead of
whichever happened to run during it. Each sample repeats the call enough times to
dwarf the timer's own cost, and the median over samples is kept because it shrugs off
the occasional interrupted sample.
"""
import math
import statistics
from dataclasses import dataclass
from time import perf_counter


@dataclass
class Timing:
    seconds: float          # median time of one call
    number: int             # calls per sample
    samples: list           # per-call time of each sample

    def to_json(self):
        return {"seconds": self.seconds, "number": self.number, "samples": self.samples}


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


def race(contenders, repeats, target, warmup=2):
    """Time each contender, round-robin, and return {name: Timing}.

    `contenders` maps a name to (fn, args). Warm-up calls come first so that lazy
    work (a JIT's first compile, caches, page faults on fresh arrays) is not timed.
    """
    for fn, args in contenders.values():
        for _ in range(warmup):
            fn(*args)
    numbers = {name: calls_per_sample(fn, args, target)
               for name, (fn, args) in contenders.items()}
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


def format_seconds(seconds):
    """'1.23 ms' style: three significant digits in the unit that fits."""
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
