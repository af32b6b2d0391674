"""Finite differences over the differentiated arguments, and the error measures.

The one implementation of each method (forward, central, Richardson-extrapolated
central, complex step), used by `benchmark`, the project's suite and `check_grad`.

A gradient is handled here as one flat vector over all differentiated arguments
("coordinates"), so that a subset of coordinates can be differentiated when the full
gradient would take too long, and errors are measured the same way everywhere.
"""
import math
import warnings

import numpy as np

EPS = np.finfo(float).eps
# Base steps that balance truncation against rounding error for a well-scaled
# function: truncation O(h) forward, O(h^2) central, O(h^4) Richardson, while the
# rounding error grows like eps/h for all three.
FORWARD_STEP = EPS ** 0.5
CENTRAL_STEP = EPS ** (1.0 / 3.0)
RICHARDSON_STEP = EPS ** (1.0 / 5.0)
# The complex step has no subtraction, hence no cancellation: any tiny step works.
COMPLEX_STEP = 1e-20

METHODS = ("forward", "central", "richardson", "complex")
LABELS = {"forward": "forward FD", "central": "central FD",
          "richardson": "Richardson FD", "complex": "complex step"}
# Evaluations of f per coordinate (forward also pays one f(x) for all coordinates).
EVALUATIONS = {"forward": 1, "central": 2, "richardson": 4, "complex": 1}
DEFAULT_STEP = {"forward": FORWARD_STEP, "central": CENTRAL_STEP,
                "richardson": RICHARDSON_STEP, "complex": COMPLEX_STEP}


class ComplexStepUnavailable(Exception):
    """f cannot be evaluated at complex input, or drops the imaginary part."""


def as_tuple(argnums):
    return argnums if isinstance(argnums, tuple) else (argnums,)


def coordinates(args, argnums):
    """Every scalar input being differentiated, as (argument position, flat index);
    the index is None for a Python number."""
    coords = []
    for pos in as_tuple(argnums):
        if isinstance(args[pos], np.ndarray):
            coords.extend((pos, i) for i in range(args[pos].size))
        else:
            coords.append((pos, None))
    return coords


def flatten(gradient, argnums):
    """A gradient in the shape grad() returns it (a number, an array, or a tuple of
    those) as one flat float vector."""
    parts = gradient if isinstance(argnums, tuple) else (gradient,)
    return np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])


def unflatten(flat, args, argnums):
    """The inverse of flatten: one value per differentiated argument, shaped like it
    (a float for a Python number), as a tuple for tuple argnums."""
    parts, start = [], 0
    for pos in as_tuple(argnums):
        x = args[pos]
        if isinstance(x, np.ndarray):
            parts.append(np.asarray(flat[start:start + x.size]).reshape(x.shape))
            start += x.size
        else:
            parts.append(float(flat[start]))
            start += 1
    return tuple(parts) if isinstance(argnums, tuple) else parts[0]


def fd_gradient(f, args, coords, method="central", step=None):
    """Finite-difference estimates of df/d(coordinate) for each of `coords`.

    Python numbers are perturbed with Python floats and arrays element by element on
    a private copy: a NumPy scalar step would turn the whole function into slower
    np.float64 arithmetic, and the caller's arrays must stay untouched. Arrays are
    copied at least in float64 (a float32 copy would round the step away). The step
    is scaled to the input's magnitude, and the step actually taken, (x + h) - x, is
    what we divide by, which removes the error of representing x + h.

    method: 'forward' (f(x+h) - f(x)) / h; 'central' (f(x+h) - f(x-h)) / 2h;
    'richardson' central differences at h and h/2 combined to cancel the h^2 term,
    (4 D(h/2) - D(h)) / 3; 'complex' Im f(x + ih) / h, exact to rounding for a
    function that is analytic in x (raises ComplexStepUnavailable otherwise).
    """
    if method not in DEFAULT_STEP:
        raise ValueError(f"unknown finite-difference method {method!r}; choose from {METHODS}")
    if step is None:
        step = DEFAULT_STEP[method]
    if method == "complex":
        return _complex_step(f, args, coords, step)
    work = _private_copy(args, coords, np.float64)
    f0 = float(f(*work)) if method == "forward" else None
    out = np.empty(len(coords))
    for k, (pos, index) in enumerate(coords):
        x = _get(work, pos, index)
        h = step * max(1.0, abs(x))
        if method == "forward":
            out[k] = (_at(f, work, pos, index, x + h) - f0) / ((x + h) - x)
        elif method == "central":
            out[k] = _central(f, work, pos, index, x, h)
        else:
            coarse, fine = _central(f, work, pos, index, x, h), _central(f, work, pos, index, x, h / 2)
            out[k] = fine + (fine - coarse) / 3.0
        _set(work, pos, index, x)
    return out


def _central(f, work, pos, index, x, h):
    plus, minus = x + h, x - h
    return (_at(f, work, pos, index, plus) - _at(f, work, pos, index, minus)) / (plus - minus)


def _complex_step(f, args, coords, step):
    work = _private_copy(args, coords, np.complex128)
    out = np.empty(len(coords))
    with warnings.catch_warnings():
        # A complex value cast into a real array loses the imaginary part, and with
        # it the derivative: that makes the complex step unusable, not slightly off.
        warnings.simplefilter("error", np.exceptions.ComplexWarning
                              if hasattr(np, "exceptions") else np.ComplexWarning)
        for k, (pos, index) in enumerate(coords):
            x = _get(work, pos, index).real
            h = step * max(1.0, abs(x))
            _set(work, pos, index, complex(x, h))
            try:
                value = f(*work)
            except (TypeError, ValueError, ArithmeticError, Warning) as exc:
                raise ComplexStepUnavailable(
                    f"f does not accept complex input ({type(exc).__name__}: {exc})") from None
            if not np.iscomplexobj(value):
                raise ComplexStepUnavailable(
                    "f returns a real value for complex input (an operation such as abs, "
                    "a comparison or a real-only function drops the imaginary part)")
            out[k] = np.imag(value) / h
            _set(work, pos, index, x)
    return out


def _private_copy(args, coords, dtype):
    """args with each differentiated argument copied (arrays at least `dtype`,
    numbers converted): only those are written, and X may be big."""
    work = list(args)
    for pos in {pos for pos, _ in coords}:
        x = work[pos]
        if isinstance(x, np.ndarray):
            work[pos] = x.astype(np.result_type(x.dtype, dtype))
        elif dtype is np.complex128:
            work[pos] = complex(x)
        else:
            work[pos] = float(x)
    return work


def _get(work, pos, index):
    return work[pos] if index is None else work[pos].flat[index].item()


def _at(f, work, pos, index, value):
    _set(work, pos, index, value)
    return float(f(*work))


def _set(work, pos, index, value):
    if index is None:
        work[pos] = value
    else:
        work[pos].flat[index] = value


def spread(total, count):
    """`count` positions spread evenly over range(total), or None for all of them."""
    if count >= total:
        return None
    return np.unique(np.linspace(0, total - 1, max(count, 1)).round().astype(int))


def relative_error(approx, reference, picks=None):
    """Norm-wise relative error ||a - b||_inf / ||b||_inf.

    With `picks` (positions in the reference), `approx` holds only those entries;
    the denominator stays the norm of the whole reference so that a subset's error
    is on the same scale as a full one. An all-zero reference gives the absolute error.
    """
    reference = np.asarray(reference, dtype=float)
    scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    compared = reference if picks is None else reference[picks]
    err = float(np.max(np.abs(np.asarray(approx, dtype=float) - compared), initial=0.0))
    return err / scale if scale > 0 else err


def correct_digits(error):
    """Correct significant digits of a relative error: -log10(error), from 0 (no
    digit right) to 16 (float64's full precision; an exact match counts as 16)."""
    if error is None or not math.isfinite(error):
        return None
    if error <= 0.0:
        return 16.0
    return float(min(16.0, max(0.0, -math.log10(error))))


def step_sweep(f, args, coords, reference, steps, picks=None):
    """Forward and central FD error against `reference` (a flat gradient over all
    coordinates; `picks` says which of them `coords` are) for each base step in
    `steps`: the V-shaped curve of truncation against rounding error. A step at which
    f fails (an overflow, a domain error) gets None."""
    curves = {}
    for method in ("forward", "central"):
        errors = []
        for h in steps:
            try:
                error = relative_error(fd_gradient(f, args, coords, method, h), reference, picks)
            except (ArithmeticError, ValueError, Warning):   # Warning: when made errors
                error = None
            errors.append(error if error is not None and math.isfinite(error) else None)
        curves[method] = errors
    return curves


def best_step(steps, errors):
    """(h, error) with the smallest error of a sweep, or None if every step failed."""
    found = [(e, h) for h, e in zip(steps, errors) if e is not None]
    if not found:
        return None
    e, h = min(found)
    return {"h": h, "error": e}
