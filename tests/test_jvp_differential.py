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
from tests.judge import (Drop, OracleDisagrees, load, oracle_namespace, reference,
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
