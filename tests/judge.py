"""Judge one generated program: s2s_ad against an exact reference.

The program (tests/progen.py) is imported from a file for s2s_ad and for the plain
value, and exec'd twice more for the references: with `np`/`math` bound to autograd
(when the program has no element writes or in-place array operators, which autograd
cannot run) and with them bound to the scalar tape of tests/scalar_tape.py (always: it
also measures how near a kink each sample is). Central differences with Richardson
extrapolation judge only a program neither can run, and the verdict says so.

Each program is called twice through the same `value_and_grad` and `grad` objects,
the second time (a cache hit) with new values and after any rebinding of globals.
Outcomes: pass, refused (TranslationError: allowed), wrong (value not bit for bit
`f`'s, a gradient of the wrong type or shape or off the reference, the caller's arrays
changed), crash (any other exception), dropped (no sample away from kinks in
MAX_DRAWS tries) and oracle (the references disagree with each other or with `f`: a
bug in the harness, never counted as a pass).
"""
import atexit
import functools
import importlib.util
import itertools
import shutil
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from s2s_ad import grad, value_and_grad
from s2s_ad.errors import TranslationError
from tests import scalar_tape

try:
    import autograd
    import autograd.numpy as anp
except ImportError:                         # the tape then judges every program
    autograd = anp = None

RTOL = 1e-9             # exact references: only rounding differs
RICHARDSON_RTOL = 1e-6
MARGIN = 1e-6           # a comparison closer than this (relative) to its tie is a kink
MAX_DRAWS = 20

_directory = tempfile.mkdtemp(prefix="s2s_progen_")
atexit.register(shutil.rmtree, _directory, ignore_errors=True)
_counter = itertools.count()


@dataclass
class Result:
    family: str
    seed: int
    outcome: str            # pass refused wrong crash dropped oracle
    oracle: str = ""        # autograd, tape or richardson (the judge of the gradient)
    resampled: int = 0      # samples drawn again because they sat near a kink
    detail: str = ""
    source: str = ""

    @property
    def ok(self):
        return self.outcome in ("pass", "refused")


def load(program):
    """Import the program from a file of its own, so inspect.getsource works."""
    name = f"progen_{program.family}_{program.seed}_{next(_counter)}"
    path = f"{_directory}/{name}.py"
    with open(path, "w") as file:
        file.write(program.source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _math_for_autograd():
    names = dict(sin=anp.sin, cos=anp.cos, tan=anp.tan, exp=anp.exp, log=anp.log,
                 log1p=anp.log1p, tanh=anp.tanh, sqrt=anp.sqrt, atan=anp.arctan,
                 pi=np.pi, e=np.e)
    return scalar_tape._Namespace(**names)


def oracle_namespace(program, np_module, math_module):
    """The program's module body run again with `np` and `math` rebound."""
    namespace = {"np": np_module, "math": math_module, "functools": functools,
                 "__name__": f"oracle_{program.seed}"}
    exec(compile(program.body, f"<oracle for seed {program.seed}>", "exec"), namespace)
    return namespace


def draw(program, rng):
    return tuple(float(rng.uniform(-1.5, 1.5)) if shape == () else rng.uniform(-1.5, 1.5, shape)
                 for _, shape in program.params)


def copies(args):
    return tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)


def plain_value(f, args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = f(*copies(args))
    if not np.isfinite(value):
        raise FloatingPointError(f"f returned {value}")
    return value


def tape_reference(namespace, args):
    """(value, gradients, smallest kink margin) from the scalar tape."""
    inputs = [scalar_tape.to_vars(a) for a in args]
    scalar_tape.reset_margins()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = namespace["f"](*inputs)
    margin = min(scalar_tape.margins, default=np.inf)
    flat = scalar_tape.gradients(out, [v for a in inputs for v in scalar_tape.leaves(a)])
    grads, start = [], 0
    for a in args:
        size = np.size(a)
        part = flat[start:start + size]
        start += size
        grads.append(np.array(part, dtype=float).reshape(np.shape(a))
                     if isinstance(a, np.ndarray) else part[0])
    value = out.value if isinstance(out, scalar_tape.Var) else float(out)
    return value, grads, margin


def autograd_reference(namespace, args):
    f = namespace["f"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, grads = autograd.value_and_grad(lambda packed: f(*packed))(tuple(args))
    return float(value), [g if isinstance(a, np.ndarray) else float(g)
                          for a, g in zip(args, grads)]


def richardson(f, args, argnum):
    """Central differences extrapolated twice (error O(h^6)); None near a kink, where
    the last two extrapolations disagree."""
    x = args[argnum]
    flat = np.asarray(x, dtype=float).ravel()
    out = np.zeros_like(flat)

    def at(k, shift):
        moved = flat.copy()
        moved[k] += shift
        point = moved.reshape(np.shape(x)) if isinstance(x, np.ndarray) else float(moved[0])
        return plain_value(f, args[:argnum] + (point,) + args[argnum + 1:])

    for k in range(flat.size):
        h = 1e-2 * max(1.0, abs(flat[k]))
        d = [(at(k, h / 2 ** i) - at(k, -h / 2 ** i)) / (2 * h / 2 ** i) for i in range(3)]
        r1 = [(4 * d[i + 1] - d[i]) / 3 for i in range(2)]
        r2 = (16 * r1[1] - r1[0]) / 15
        if abs(r2 - r1[1]) > 1e-7 * max(1.0, abs(r2)):
            return None
        out[k] = r2
    return out.reshape(np.shape(x)) if isinstance(x, np.ndarray) else float(out[0])


@dataclass
class Reference:
    args: tuple
    value: object           # f(*args) itself: what value_and_grad must return bit for bit
    grads: list
    oracle: str


class Drop(Exception):
    """No admissible sample: every draw sat near a kink or outside f's domain."""


class OracleDisagrees(Exception):
    pass


def reference(program, f, tape_ns, autograd_ns, rng):
    """A sample away from kinks and its exact reference; (Reference, draws - 1)."""
    for attempt in range(MAX_DRAWS):
        args = draw(program, rng)
        try:
            value = plain_value(f, args)
        except (ArithmeticError, ValueError, RuntimeWarning):
            continue                        # outside f's domain (counted as resampled)
        try:
            tape_value, tape_grads, margin = tape_reference(tape_ns, args)
        except (TypeError, AttributeError) as error:    # NumPy cannot do it on objects
            tape_value, tape_error = None, error
        except Exception as error:                       # noqa: BLE001 - f ran, so must it
            raise OracleDisagrees(f"the scalar tape failed: {error!r}") from None
        else:
            if margin < MARGIN:
                continue                    # near a kink: draw again
            _agree(value, tape_value, "the scalar tape's value", "f's value")
        if autograd_ns is not None:
            try:
                ag_value, ag_grads = autograd_reference(autograd_ns, args)
            except Exception as error:                   # noqa: BLE001
                raise OracleDisagrees(f"autograd failed: {error!r}") from None
            _agree(value, ag_value, "autograd's value", "f's value")
            if tape_value is not None:
                for a, b in zip(ag_grads, tape_grads):
                    _agree(a, b, "autograd's gradient", "the scalar tape's gradient")
            return Reference(args, value, ag_grads, "autograd"), attempt
        if tape_value is not None:
            return Reference(args, value, tape_grads, "tape"), attempt
        grads = [richardson(f, args, k) for k in range(len(args))]
        if any(g is None for g in grads):
            continue
        return Reference(args, value, grads, f"richardson ({tape_error!r} on the tape)"), attempt
    raise Drop(f"no sample away from kinks in {MAX_DRAWS} draws")


def _agree(a, b, what_a, what_b, rtol=RTOL):
    if not _close(a, b, rtol):
        raise OracleDisagrees(f"{what_a} {a!r} differs from {what_b} {b!r}")


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    return bool(np.all(np.abs(got - want) <= rtol * np.maximum(np.abs(want), scale)))


def problems(name, out, ref, args_after, with_value):
    """What is wrong with one call's result (empty when it is exact)."""
    found = []
    if with_value:
        value, grads = out
        if type(value) is not type(ref.value) or not value == ref.value:
            found.append(f"{name}: value {value!r} ({type(value).__name__}) is not f's "
                         f"{ref.value!r} ({type(ref.value).__name__})")
    else:
        grads = out
    if not isinstance(grads, tuple) or len(grads) != len(ref.args):
        return found + [f"{name}: gradients {grads!r} are not a tuple of {len(ref.args)}"]
    rtol = RICHARDSON_RTOL if ref.oracle.startswith("richardson") else RTOL
    for k, (g, want, a) in enumerate(zip(grads, ref.grads, ref.args)):
        if isinstance(a, np.ndarray):
            if not isinstance(g, np.ndarray) or g.shape != a.shape or g.dtype != a.dtype:
                found.append(f"{name}: gradient {k} is {type(g).__name__} "
                             f"{getattr(g, 'shape', '')} {getattr(g, 'dtype', '')}, "
                             f"not an array like the argument {a.shape} {a.dtype}")
                continue
        elif not isinstance(g, float):
            found.append(f"{name}: gradient {k} is a {type(g).__name__}, not a float")
            continue
        if not _close(g, want, rtol):
            found.append(f"{name}: gradient {k}\n    got       {g!r}\n    reference {want!r}")
    for k, (before, after) in enumerate(zip(ref.args, args_after)):
        if isinstance(before, np.ndarray) and not np.array_equal(before, after):
            found.append(f"{name}: changed the caller's argument {k}")
    return found


def judge(program):
    base = dict(family=program.family, seed=program.seed, source=program.source)
    module = load(program)
    try:
        return _judge(program, module, base)
    finally:
        sys.modules.pop(module.__name__, None)


def _judge(program, module, base):
    f = module.f
    tape_ns = oracle_namespace(program, scalar_tape.numpy_for_vars, scalar_tape.math_for_vars)
    autograd_ns = (oracle_namespace(program, anp, _math_for_autograd())
                   if autograd is not None and not program.writes else None)
    argnums = tuple(range(len(program.params)))
    rng = np.random.default_rng(program.seed)
    resampled, oracles = 0, []
    try:
        transforms = [("value_and_grad", value_and_grad(f, argnums=argnums), True),
                      ("grad", grad(f, argnums=argnums), False)]
    except TranslationError as error:
        return Result(**base, outcome="refused", detail=_one_line(error))
    except Exception as error:                      # noqa: BLE001 - a crash is a verdict
        return Result(**base, outcome="crash", detail=_crash(error))
    for call in (1, 2):
        if call == 2 and program.rebind:
            for namespace in (module.__dict__, tape_ns, autograd_ns):
                if namespace is not None:
                    exec(program.rebind, namespace)
        try:
            ref, again = reference(program, f, tape_ns, autograd_ns, rng)
        except Drop as error:
            return Result(**base, outcome="dropped", resampled=resampled + MAX_DRAWS,
                          detail=str(error))
        except OracleDisagrees as error:
            return Result(**base, outcome="oracle", resampled=resampled, detail=str(error))
        resampled += again
        oracles.append(ref.oracle)
        for name, transform, with_value in transforms:
            args = copies(ref.args)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    out = transform(*args)
            except TranslationError as error:
                return Result(**base, outcome="refused", oracle=ref.oracle,
                              resampled=resampled, detail=_one_line(error))
            except Exception as error:              # noqa: BLE001
                return Result(**base, outcome="crash", oracle=ref.oracle,
                              resampled=resampled, detail=f"call {call}, {name}: " + _crash(error))
            found = problems(name, out, ref, args, with_value)
            if found:
                when = (f"call {call} (after rebinding {program.rebind!r})" if call == 2
                        and program.rebind else f"call {call}")
                detail = (f"{when}, {found[0].splitlines()[0]} (judged by {ref.oracle})\n"
                          f"  args = {ref.args!r}\n  " + "\n  ".join(found))
                return Result(**base, outcome="wrong", oracle=ref.oracle,
                              resampled=resampled, detail=detail)
    return Result(**base, outcome="pass", oracle=oracles[-1], resampled=resampled)


def _one_line(error):
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def _crash(error):
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


def report(result):
    """Everything needed to reproduce a failure."""
    return (f"{result.family} program, seed {result.seed} "
            f"(python tests/progen.py --show {result.seed}): {result.outcome}\n"
            f"{result.source}\n{result.detail}")


OUTCOMES = ["pass", "refused", "wrong", "crash", "dropped", "oracle"]


def table(results, failures_shown=5):
    """Per family: how many programs had each outcome, how many samples were drawn
    again near kinks, who judged; then the first failing seeds of each class."""
    families = list(dict.fromkeys(r.family for r in results))
    head = (f"{'family':<10} {'programs':>8} " + " ".join(f"{o:>7}" for o in OUTCOMES)
            + f" {'resampled':>9}  judged by (autograd/tape/richardson)")
    lines = [head, "-" * len(head)]

    def row(name, group):
        counts = [sum(r.outcome == o for r in group) for o in OUTCOMES]
        judges = [sum(r.oracle.startswith(j) for r in group)
                  for j in ("autograd", "tape", "richardson")]
        return (f"{name:<10} {len(group):>8} " + " ".join(f"{c:>7}" for c in counts)
                + f" {sum(r.resampled for r in group):>9}  " + "/".join(map(str, judges)))

    for family in families:
        lines.append(row(family, [r for r in results if r.family == family]))
    lines += ["-" * len(head), row("total", results)]
    for outcome in ("wrong", "crash", "dropped", "oracle", "refused"):
        for family in families:
            bad = [r for r in results if r.family == family and r.outcome == outcome]
            if bad:
                lines.append(f"\n{outcome} in {family}: seeds "
                             + ", ".join(str(r.seed) for r in bad[:failures_shown]))
                for r in bad[:failures_shown if outcome != "refused" else 2]:
                    lines.append(f"  {r.seed}: " + r.detail.splitlines()[0][:160])
    return "\n".join(lines)
