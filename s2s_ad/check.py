"""Gradient checking, the way the careful tools do it.

- `check_grad`: directional derivatives along random directions, the gradient's
  ∇f·v against Richardson differences of t ↦ f(x + t·v) (autograd's and JAX's
  `check_grads` do the same): O(1) evaluations of f whatever d is. When d is small
  it also compares every coordinate with central differences, which locates a
  wrong component.
- `taylor_test`: |f(x + h·v) − f(x) − h·∇f·v| must fall as h² (pyadjoint's
  `taylor_test`): a wrong gradient leaves an O(h) remainder, rate 1.
- `dot_product_test`: ⟨jvp(v), u⟩ = ⟨v, vjp(u)⟩ to rounding, forward mode against
  reverse mode: s2s_ad.jvp is a source transformation of its own, so agreement to
  rounding checks one transformation against the other.

`full_check` runs all three and gives a verdict (`python -m s2s_ad check`). All finite
differences come from s2s_ad.bench.finite_diff, the one implementation the
benchmarks use too.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from .bench import finite_diff as fd

# Relative errors below this pass (as check_grad always has).
TOLERANCE = 1e-6
# Up to this many inputs, check_grad also compares every coordinate.
COORDINATEWISE_LIMIT = 100
# The Taylor remainder must fall at least this fast (pyadjoint's threshold).
TAYLOR_MIN_RATE = 1.9


def central_difference(f, args, argnum, rel_step=6e-6):
    """Central differences of the scalar f(*args) with respect to args[argnum],
    shaped like that argument (a float for a number).

    The step is scaled to each input (h = rel_step * max(1, |x|)). Python numbers are
    perturbed with Python floats, arrays element by element on a float64 copy.
    """
    coords = fd.coordinates(args, argnum)
    return fd.unflatten(fd.fd_gradient(f, args, coords, "central", rel_step), args, argnum)


def _gradient_of(f, args, argnums, gradient):
    if gradient is None:
        from .api import grad
        gradient = grad(f, argnums=argnums)
    return gradient(*args)


def _direction(args, argnums, rng):
    """A random direction, one part per differentiated argument (shaped like it):
    standard normal entries scaled by max(1, |x|), so each input moves in proportion
    to its size."""
    parts = []
    for pos in fd.as_tuple(argnums):
        x = args[pos]
        scale = np.maximum(1.0, np.abs(np.asarray(x, dtype=float)))
        v = rng.standard_normal(np.shape(x)) * scale
        parts.append(v if isinstance(x, np.ndarray) else float(v))
    return parts


def _moved(args, argnums, direction, t):
    """args with each differentiated argument x replaced by x + t·v (new objects)."""
    moved = list(args)
    for pos, v in zip(fd.as_tuple(argnums), direction):
        x = args[pos]
        moved[pos] = x + t * v if isinstance(x, np.ndarray) else float(x) + t * v
    return moved


def _dot(gradient, direction, argnums):
    """(∇f·v, Σ|∂f/∂x_i · v_i|): the directional derivative, and the scale its
    rounding error is relative to (exact cancellation must not make it look wrong)."""
    parts = gradient if isinstance(argnums, tuple) else (gradient,)
    dot = scale = 0.0
    for g, v in zip(parts, direction):
        g, v = np.asarray(g, dtype=float), np.asarray(v, dtype=float)
        dot += float(np.sum(g * v))
        scale += float(np.sum(np.abs(g * v)))
    return dot, scale


def _directional_fd(f, args, argnums, direction):
    """Richardson differences of t ↦ f(x + t·v) at t = 0."""
    def along(t):
        return f(*_moved(args, argnums, direction, t))
    return float(fd.fd_gradient(along, (0.0,), [(0, None)], "richardson")[0])


@dataclass
class GradCheck:
    ad: object                  # the gradient checked (s2s_ad's unless one was given)
    fd: object                  # central differences per argument, None above COORDINATEWISE_LIMIT
    max_rel_error: float        # largest relative error of all comparisons made
    directional: list = field(default_factory=list)   # (∇f·v, FD, relative error) per direction
    coordinate_error: float = 0.0   # the coordinate-wise part of max_rel_error

    @property
    def directional_error(self):
        return max((e for _, _, e in self.directional), default=0.0)

    def __bool__(self):
        return self.max_rel_error < TOLERANCE

    def __str__(self):
        parts = []
        if self.fd is not None:
            parts.append("coordinate-wise against central differences "
                         f"{self.coordinate_error:.2e}")
        if self.directional:
            parts.append(f"along {len(self.directional)} random directions against "
                         f"Richardson differences {self.directional_error:.2e}")
        return "largest relative error: " + "; ".join(parts)

    def table(self):
        lines = ["| direction | ∇f·v | Richardson FD | relative error |", "|---|---|---|---|"]
        lines += [f"| {k} | {a:.12g} | {b:.12g} | {e:.1e} |"
                  for k, (a, b, e) in enumerate(self.directional, 1)]
        return "\n".join(lines)


def check_grad(f, *args, argnums=0, rel_step=6e-6, directions=3, seed=0,
               coordinatewise=None, gradient=None):
    """Check s2s_ad's gradient of f at args (or `gradient`, a function with f's
    signature returning what grad(f, argnums) would).

    Along `directions` random directions v it compares ∇f·v with Richardson
    differences of f(x + t·v), relative to Σ|∂f/∂x_i·v_i|; that costs 4 evaluations of
    f per direction whatever d is. With `coordinatewise` (default: when d ≤ 100) it
    also compares every coordinate with central differences (step rel_step·max(1, |x|)),
    norm-wise ‖ad − fd‖∞ / ‖fd‖∞ per argument.

    Returns a GradCheck, truthy when every relative error is below 1e-6, carrying
    the gradient, the central differences (or None) and the errors.
    """
    numbers = fd.as_tuple(argnums)
    ad = _gradient_of(f, args, argnums, gradient)
    rng = np.random.default_rng(seed)
    directional = []
    for _ in range(directions):
        v = _direction(args, argnums, rng)
        dot, scale = _dot(ad, v, argnums)
        numeric = _directional_fd(f, args, argnums, v)
        error = abs(dot - numeric) / scale if scale > 0 else abs(dot - numeric)
        directional.append((dot, numeric, error))
    if coordinatewise is None:
        coordinatewise = len(fd.coordinates(args, argnums)) <= COORDINATEWISE_LIMIT
    fd_out, coordinate_error = None, 0.0
    if coordinatewise:
        ad_list = (ad,) if isinstance(argnums, int) else ad
        fd_list = tuple(central_difference(f, args, n, rel_step) for n in numbers)
        errors = []
        for a, d in zip(ad_list, fd_list):
            scale = max(np.max(np.abs(d), initial=0.0), 1e-12)
            errors.append(float(np.max(np.abs(np.asarray(a) - d), initial=0.0) / scale))
        coordinate_error = max(errors, default=0.0)
        fd_out = fd_list[0] if isinstance(argnums, int) else fd_list
    worst = max([coordinate_error] + [e for _, _, e in directional])
    return GradCheck(ad, fd_out, worst, directional, coordinate_error)


@dataclass
class TaylorTest:
    steps: list                 # h
    remainders: list            # |f(x + h·v) − f(x) − h·∇f·v|
    rates: list                 # log2 of successive remainder ratios; None at rounding level
    floor: float                # remainders below this are rounding noise

    @property
    def min_rate(self):
        found = [r for r in self.rates if r is not None]
        return min(found) if found else None

    @property
    def passed(self):
        if self.min_rate is None:
            # Every remainder is rounding noise: f is (close to) linear along v and
            # the first-order term was exact.
            return max(self.remainders) <= self.floor
        return self.min_rate >= TAYLOR_MIN_RATE

    def __bool__(self):
        return self.passed

    def table(self):
        lines = ["| h | remainder | rate |", "|---|---|---|"]
        for k, (h, r) in enumerate(zip(self.steps, self.remainders)):
            rate = "" if k == 0 else ("rounding" if self.rates[k - 1] is None
                                      else f"{self.rates[k - 1]:.3f}")
            lines.append(f"| {h:.3e} | {r:.3e} | {rate} |")
        return "\n".join(lines)

    def __str__(self):
        if self.min_rate is None:
            verdict = ("remainders at rounding level: the first-order term is exact"
                       if self.passed else "remainders too small to give a rate")
        else:
            verdict = (f"smallest rate {self.min_rate:.3f} "
                       f"({'≥' if self.passed else '<'} {TAYLOR_MIN_RATE}: "
                       f"{'second order, the gradient is right' if self.passed else 'the gradient is wrong'})")
        return self.table() + "\n\n" + verdict


def taylor_test(f, *args, argnums=0, gradient=None, seed=0, h0=1e-3, steps=6):
    """The Taylor remainder test along a random direction v.

    With the right gradient, r(h) = |f(x + h·v) − f(x) − h·∇f·v| = O(h²), so halving h
    divides it by 4: the rate log2(r(h) / r(h/2)) is 2; a wrong gradient leaves an
    O(h) term, rate 1. Passes when every rate is at least 1.9. Rates between
    remainders at rounding level (about 1e3·eps·|f|) are not computed.
    """
    ad = _gradient_of(f, args, argnums, gradient)
    v = _direction(args, argnums, np.random.default_rng(seed))
    slope, _ = _dot(ad, v, argnums)
    f0 = float(f(*args))
    hs = [h0 / 2 ** k for k in range(steps)]
    remainders = [abs(float(f(*_moved(args, argnums, v, h))) - f0 - h * slope) for h in hs]
    floor = 1e3 * fd.EPS * max(abs(f0), abs(h0 * slope), 1e-300)
    rates = [math.log2(a / b) if b > floor and a > floor else None
             for a, b in zip(remainders, remainders[1:])]
    return TaylorTest(hs, remainders, rates, floor)


@dataclass
class DotProductTest:
    status: str                 # 'passed', 'failed' or 'not run' (with the reason)
    message: str
    error: float = None         # |<jvp(v), u> - <v, vjp(u)>| / scale

    def __bool__(self):
        return self.status != "failed"      # 'not run' fails nothing, and says why

    def __str__(self):
        return f"{self.status}: {self.message}"


def dot_product_test(f, *args, argnums=0, seed=0, tolerance=1e-10):
    """<jvp(v), u> = <v, vjp(u)> to rounding: forward mode (s2s_ad.jvp, its own source
    transformation) against reverse mode (the gradient), for a random input direction
    v and a random output cotangent u. f's output is one number, so vjp(u) = u * grad."""
    from .api import grad
    from .errors import TranslationError, UsageError
    from .toolkit import jvp
    rng = np.random.default_rng(seed + 1)
    v = _direction(args, argnums, rng)
    u = float(rng.standard_normal())
    chosen = fd.as_tuple(argnums)
    tangents = []
    for pos, x in enumerate(args):
        if pos in chosen:
            tangents.append(v[chosen.index(pos)])
        else:
            tangents.append(np.zeros(np.shape(x)) if isinstance(x, np.ndarray) else 0.0)
    try:
        _, forward = jvp(f, tuple(args), tuple(tangents))
    except (TranslationError, UsageError) as exc:
        return DotProductTest("not run", f"forward mode refused f: {str(exc).splitlines()[0]}")
    reverse, scale = _dot(grad(f, argnums=argnums)(*args), v, argnums)
    lhs, rhs = u * float(forward), u * reverse
    error = abs(lhs - rhs) / max(abs(u) * scale, 1e-300)
    status = "passed" if error <= tolerance else "failed"
    return DotProductTest(status, f"<jvp(v), u> = {lhs:.16g}, <v, vjp(u)> = {rhs:.16g}, "
                                  f"relative difference {error:.1e}", error)


@dataclass
class CheckReport:
    grad_check: GradCheck
    taylor: TaylorTest
    dot_product: DotProductTest

    @property
    def passed(self):
        return bool(self.grad_check) and bool(self.taylor) and bool(self.dot_product)

    def __bool__(self):
        return self.passed

    def __str__(self):
        g = self.grad_check
        parts = [f"## 1. Random directions (relative error < {TOLERANCE:.0e})", "", g.table()]
        if g.fd is not None:
            parts += ["", f"Coordinate-wise against central differences: largest relative "
                          f"error {g.coordinate_error:.2e}"]
        parts += ["", f"→ {'pass' if g else 'FAIL'}", "",
                  f"## 2. Taylor remainder test (rate ≥ {TAYLOR_MIN_RATE})", "", str(self.taylor),
                  "", f"→ {'pass' if self.taylor else 'FAIL'}", "",
                  "## 3. Dot-product test", "", str(self.dot_product), "",
                  "**Verdict: " + ("the gradient is right (every test passed)" if self.passed
                                   else "the gradient is WRONG (a test failed)") + "**"]
        return "\n".join(parts) + "\n"


def full_check(f, *args, argnums=0, gradient=None, seed=0):
    """All three checks of the gradient of f at args, with a verdict."""
    return CheckReport(check_grad(f, *args, argnums=argnums, gradient=gradient, seed=seed),
                       taylor_test(f, *args, argnums=argnums, gradient=gradient, seed=seed),
                       dot_product_test(f, *args, argnums=argnums, seed=seed))
