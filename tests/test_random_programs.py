"""Random programs in the supported subset, written to a file, imported and
differentiated: the value must be the original's bit for bit and the gradient must
match central finite differences. Hypothesis draws the programs: straight-line code,
reassignments, branches on data and on loop indices, and loops with accumulators."""
import importlib.util
import itertools
import sys

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from s2s_ad import value_and_grad

from . import scalar_tape
from .fd_guards import smooth_difference

PARAMS = ["x", "y"]
_counter = itertools.count()

# Unary forms that are smooth and finite on all reals, so any composition is.
UNARY = ["-({})", "math.sin({})", "math.cos({})", "math.tanh({})", "math.atan({})",
         "({0}) * ({0})", "1.0 / (1.0 + ({0}) * ({0}))", "math.exp(math.sin({}))",
         "math.sqrt(1.0 + ({0}) * ({0}))", "math.hypot({}, 0.5)"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})"]


def expressions(names, depth=2):
    leaf = st.one_of(st.sampled_from(names),
                     st.floats(-2, 2, allow_nan=False).map(lambda v: repr(round(v, 3))))
    if depth == 0:
        return leaf
    smaller = expressions(names, depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(UNARY), smaller).map(lambda p: p[0].format(p[1])),
        st.tuples(st.sampled_from(BINARY), smaller, smaller).map(
            lambda p: p[0].format(p[1], p[2])),
    )


@st.composite
def programs(draw):
    """The source of `def f(x, y): ...` (and of a helper it may call)."""
    names = list(PARAMS)
    lines = []
    for k in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["assign", "reassign", "augmented", "unpack", "branch",
                                     "loop", "while", "break", "continue", "return",
                                     "call", "ifexp"]))
        target = draw(st.sampled_from(names)) if kind in ("reassign", "augmented") else f"t{k}"
        e = lambda depth=2, extra=(): draw(expressions(names + list(extra), depth))  # noqa
        if kind in ("assign", "reassign"):
            lines.append(f"    {target} = {e()}")
        elif kind == "augmented":
            lines.append(f"    {target} {draw(st.sampled_from(['+=', '-=', '*=']))} {e(1)}")
        elif kind == "unpack":
            lines.append(f"    {target}, {target}b = {e(1)}, {e(1)}")
            names.append(f"{target}b")
        elif kind == "branch":
            lines += [f"    if {e(1)} > 0.3:",
                      f"        {target} = {e()}",
                      "    else:",
                      f"        {target} = {e()}"]
        elif kind == "loop":
            body = e(1, [target, "i"])
            lines += [f"    {target} = {e(1)}",
                      f"    for i in range({draw(st.integers(0, 4))}):",
                      "        if i % 2 == 0:",
                      f"            {target} = {target} * 0.5 + math.sin({body})",
                      "        else:",
                      f"            {target} = {target} - 0.25 * ({body})"]
        elif kind == "while":
            lines += [f"    {target} = {e(1)}",
                      f"    n{k} = 0",
                      f"    while n{k} < {draw(st.integers(0, 3))}:",
                      f"        {target} = math.tanh({target} + {e(1)})",
                      f"        n{k} += 1"]
        elif kind == "break":
            lines += [f"    {target} = {e(1)}",
                      "    for i in range(4):",
                      f"        {target} = {target} * 0.8 + math.cos({e(1, [target])})",
                      f"        if {e(1, [target])} > 0.5:",
                      "            break"]
        elif kind == "continue":
            lines += [f"    {target} = {e(1)}",
                      "    for i in range(4):",
                      f"        if {e(1, [target, 'i'])} > 0.2:",
                      "            continue",
                      f"        {target} = {target} + 0.3 * math.sin({e(1, [target])})"]
        elif kind == "return":
            lines += ["    for i in range(3):",
                      f"        if {e(1)} > 1.0 + i:",
                      f"            return {e()}"]
            continue
        elif kind == "call":
            lines.append(f"    {target} = helper({e(1)}, scale={e(1)})")
        else:
            lines.append(f"    {target} = ({e(1)}) if {e(1)} > 0.1 else ({e(1)})")
        if target not in names:
            names.append(target)
    lines.append(f"    return {draw(expressions(names))}")
    return "def f(x, y):\n" + "\n".join(lines) + "\n"


HELPER = """
def helper(a, scale=0.5):
    b = math.sin(a) * scale
    if b > 0.2:
        return b * a
    return b + a
"""


def tie_margin(f, x, y):
    """How far the comparisons f makes at (x, y) are from a tie (the scalar tape records
    them): at a tie, a branch switches exactly there, and no one derivative exists."""
    module = sys.modules[f.__module__]
    plain = module.math
    module.math = scalar_tape.math_for_vars
    scalar_tape.reset_margins()
    try:
        f(scalar_tape.Var(x), scalar_tape.Var(y))
    except (AttributeError, TypeError):
        pass            # a function the tape lacks (math.hypot): the ties seen so far
    finally:
        module.math = plain
    return min(scalar_tape.margins, default=1.0)


def load(source, tmp_path):
    path = tmp_path / f"random_program_{next(_counter)}.py"
    path.write_text("import math\n\n" + HELPER + "\n\n" + source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.f


point = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(source=programs(), x=point, y=point)
def test_random_programs_match_the_original_and_finite_differences(source, x, y, tmp_path):
    f = load(source, tmp_path)
    # A comparison at its tie is a kink that finite differences may not show (f(x) = x
    # for x != 0 but y at 0): such samples are not judged (hypothesis counts them).
    assume(tie_margin(f, x, y) > 1e-9)
    value, (gx, gy) = value_and_grad(f, argnums=(0, 1))(x, y)
    assert value == f(x, y), source                       # the same operations
    for argnum, ad in ((0, gx), (1, gy)):
        fd = smooth_difference(f, (x, y), argnum)
        assume(fd is not None)              # near a kink finite differences say nothing
        assert ad == pytest.approx(fd, rel=1e-5, abs=1e-5), source
