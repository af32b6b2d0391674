"""Forward mode on the random programs of tests/progen.py: jvp's tangent along a random
direction must equal <exact gradient, direction>, the gradient from the judges' exact
references (autograd or the scalar tape) at a sample away from kinks, and jvp's
primal must be f's value bit for bit. A TranslationError is an allowed outcome (a
located refusal); a wrong number or any other exception fails.

S2S_AD_PROGRAMS sets the programs per family (default 12 here)."""
import os
import sys

import numpy as np
import pytest

from s2s_ad import TranslationError, jvp
from tests.judge import (Drop, OracleDisagrees, draw, load, oracle_namespace, reference,
                         scalar_tape, autograd, anp, _math_for_autograd)
from tests.progen import FAMILIES, generate, seed_for

PROGRAMS = int(os.environ.get("S2S_AD_PROGRAMS", "12"))
OUTCOMES = []


@pytest.mark.parametrize("family, seed", [(f, seed_for(f, i)) for f in FAMILIES
                                          for i in range(PROGRAMS)])
def test_jvp_of_random_program(family, seed):
    program = generate(family, seed)
    module = load(program)
    try:
        tape_ns = oracle_namespace(program, scalar_tape.numpy_for_vars,
                                   scalar_tape.math_for_vars)
        autograd_ns = (oracle_namespace(program, anp, _math_for_autograd())
                       if autograd is not None and not program.writes else None)
        rng = np.random.default_rng(seed)
        try:
            ref, _ = reference(program, module.f, tape_ns, autograd_ns, rng)
        except (Drop, OracleDisagrees):
            OUTCOMES.append("dropped")
            return
        args = ref.args
        tangents = [rng.uniform(-1, 1, np.shape(a)) if np.shape(a) else float(rng.uniform(-1, 1))
                    for a in args]
        try:
            out, tangent = jvp(module.f, [np.copy(a) if isinstance(a, np.ndarray) else a
                                          for a in args], tangents)
        except TranslationError:
            OUTCOMES.append("refused")
            return
        want = sum(float(np.sum(np.asarray(g) * t)) for g, t in zip(ref.grads, tangents))
        assert out == ref.value or np.array_equal(out, ref.value), (out, ref.value)
        scale = max(1.0, sum(float(np.sum(np.abs(np.asarray(g) * t)))
                             for g, t in zip(ref.grads, tangents)))
        assert abs(float(tangent) - want) <= 1e-9 * scale, (
            f"{program.source}\njvp {tangent!r} vs <grad, t> {want!r}")
        OUTCOMES.append("pass")
    finally:
        sys.modules.pop(module.__name__, None)


def test_most_programs_are_translated():
    """Refusals are allowed, but forward mode must take most programs that grad takes."""
    if not OUTCOMES:
        pytest.skip("run with the programs above")
    judged = [o for o in OUTCOMES if o != "dropped"]
    assert sum(o == "pass" for o in judged) >= 0.7 * len(judged), OUTCOMES


HESSIAN_PROGRAMS = int(os.environ.get("S2S_AD_HESSIAN_PROGRAMS", "4"))


@pytest.mark.parametrize("family, seed", [(f, seed_for(f, i)) for f in FAMILIES
                                          for i in range(HESSIAN_PROGRAMS)])
def test_hessian_of_random_program(family, seed):
    """hessian (forward over reverse, or reverse over forward where the gradient has a
    tape) against central differences of the exact gradient, column by column."""
    from s2s_ad import grad, hessian
    program = generate(family, seed)
    module = load(program)
    try:
        argnums = tuple(range(len(program.params)))
        args = draw(program, np.random.default_rng(seed))
        try:
            gradient = grad(module.f, argnums=argnums)
            with np.errstate(all="raise"):
                gradient(*args)
            H = hessian(module.f, argnums=argnums)(*args)
        except (TranslationError, FloatingPointError, ValueError):
            return                      # refused (or outside f's domain): allowed
        h = 1e-5
        for k, a in enumerate(args):
            x = np.asarray(a, dtype=float)
            for j in range(x.size):
                e = np.zeros(x.size)
                e[j] = h
                plus, minus = list(args), list(args)
                plus[k] = x + e.reshape(x.shape) if x.shape else float(x) + h
                minus[k] = x - e.reshape(x.shape) if x.shape else float(x) - h
                for r, (gp, gm) in enumerate(zip(gradient(*plus), gradient(*minus))):
                    fd = (np.asarray(gp) - np.asarray(gm)) / (2 * h)
                    block = np.asarray(H[r][k])
                    got = block[(...,) + np.unravel_index(j, x.shape)] if x.shape else block
                    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
                    assert np.allclose(got, fd, rtol=1e-4, atol=1e-5 * scale), (
                        f"{program.source}\nH[{r}][{k}] column {j}: {got!r} vs {fd!r}")
    finally:
        sys.modules.pop(module.__name__, None)
