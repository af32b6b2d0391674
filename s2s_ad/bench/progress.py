"""Progress of a benchmark run, on stderr, only once the run has lasted a while.

With tqdm installed it is a bar over the run's phases that appears after DELAY
seconds (tqdm's `delay`), so quick runs print nothing. Without tqdm, the phases are
printed as plain lines, again only after DELAY seconds.
"""
import importlib.util
import sys
from time import perf_counter

DELAY = 3.0     # seconds before anything is shown


def make(total, description, enabled=True):
    """A progress object with .step(phase) and .close(): a tqdm bar, plain lines, or
    nothing (enabled=False)."""
    if not enabled:
        return Silent()
    if importlib.util.find_spec("tqdm") is not None:
        return _Bar(total, description)
    return _Lines(description)


class Silent:
    def step(self, phase):
        pass

    def close(self):
        pass


class _Bar:
    def __init__(self, total, description):
        from tqdm.auto import tqdm
        self._bar = tqdm(total=total, desc=description, delay=DELAY, file=sys.stderr,
                         leave=False, unit="phase")
        self._started = False

    def step(self, phase):
        if self._started:
            self._bar.update(1)
        self._started = True
        self._bar.set_postfix_str(phase, refresh=False)

    def close(self):
        self._bar.close()


class _Lines:
    def __init__(self, description):
        self._description = description
        self._start = perf_counter()

    def step(self, phase):
        elapsed = perf_counter() - self._start
        if elapsed >= DELAY:
            print(f"{self._description}: {phase} ({elapsed:.0f} s so far)",
                  file=sys.stderr, flush=True)

    def close(self):
        pass
