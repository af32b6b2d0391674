"""Generated programs of a chosen size, for measuring how compile time grows with the
length of the user's code. Each is written to a file of its own (s2s_ad reads source
with `inspect`) and loaded as a module; the functions use only `math`."""
import importlib.util
import itertools
import tempfile
from pathlib import Path

_counter = itertools.count()

# One cycle of statements; `z` carries the value, `t`/`u` are short-lived. The factors
# keep the value of order n at most, so no size overflows.
_CYCLE = [
    "z = z * 1.0001 + math.sin(z)",
    "t = z * 0.5",
    "z = z - 0.1 * t + math.cos(t)",
    "u = t * t * 1e-3",
    "z = z + u / (1.0 + u)",
]


def straight_line_source(n, name="f"):
    """def f(x): z = x, then n statements cycling through _CYCLE, return z."""
    body = ["z = x"] + [_CYCLE[k % len(_CYCLE)] for k in range(n - 1)]
    return _function(name, ["x"], body, "z")


def loop_source(n, name="f"):
    """def f(x, steps): a loop over range(steps) whose body has n statements."""
    body = ["z = x", "for i in range(steps):"]
    body += ["    " + _CYCLE[k % len(_CYCLE)] for k in range(n)]
    return _function(name, ["x", "steps"], body, "z")


def small_loop_source(name="f"):
    """A loop of a few scalar statements, run `steps` times: the probe's worst case
    (its cost per iteration is all overhead)."""
    body = ["z = x", "for i in range(steps):",
            "    z = z * 0.999 + 0.001 * math.sin(z)"]
    return _function(name, ["x", "steps"], body, "z")


def euler_loop_source(name="f"):
    """A damped oscillator by explicit Euler steps (several statements per step, as in
    a typical simulation loop); `steps` steps, differentiated by the stiffness k."""
    body = ["x = 1.0", "v = 0.0", "for i in range(steps):",
            "    a = -k * x - 0.1 * v", "    x = x + 0.001 * v", "    v = v + 0.001 * a"]
    return _function(name, ["k", "steps"], body, "x * x + v * v")


def _function(name, params, body, result):
    lines = [f"def {name}({', '.join(params)}):"]
    lines += ["    " + line for line in body]
    lines.append(f"    return {result}")
    return "import math\n\n\n" + "\n".join(lines) + "\n"


def load(source, name="f"):
    """Write `source` to a new file, import it and return its function `name`."""
    folder = Path(tempfile.mkdtemp(prefix="s2s_ad_scale_"))
    path = folder / f"generated_{next(_counter)}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)
