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
from s2s_ad.check import central_difference

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
    """The source of `def f(x, y): ...` and nothing else."""
    names = list(PARAMS)
    lines = []
    for k in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["assign", "reassign", "branch", "loop"]))
        target = draw(st.sampled_from(names)) if kind == "reassign" else f"t{k}"
        if kind in ("assign", "reassign"):
            lines.append(f"    {target} = {draw(expressions(names))}")
        elif kind == "branch":
            test = draw(expressions(names, 1))
            lines += [f"    if {test} > 0.3:",
                      f"        {target} = {draw(expressions(names))}",
                      "    else:",
                      f"        {target} = {draw(expressions(names))}"]
        else:
            steps = draw(st.integers(1, 4))
            body = draw(expressions(names + [target, "i"], 1))
            lines += [f"    {target} = {draw(expressions(names, 1))}",
                      f"    for i in range({steps}):",
                      "        if i % 2 == 0:",
                      f"            {target} = {target} * 0.5 + math.sin({body})",
                      "        else:",
                      f"            {target} = {target} - 0.25 * ({body})"]
        if target not in names:
            names.append(target)
    lines.append(f"    return {draw(expressions(names))}")
    return "def f(x, y):\n" + "\n".join(lines) + "\n"


def load(source, tmp_path):
    path = tmp_path / f"random_program_{next(_counter)}.py"
    path.write_text("import math\n\n\n" + source)
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
    value, (gx, gy) = value_and_grad(f, argnums=(0, 1))(x, y)
    assert value == f(x, y), source                       # the same operations
    for argnum, ad in ((0, gx), (1, gy)):
        fd = central_difference(f, (x, y), argnum)
        # Near a branch boundary the function jumps and finite differences say
        # nothing: only compare where two step sizes agree.
        coarse = central_difference(f, (x, y), argnum, rel_step=4 * 6e-6)
        assume(abs(fd - coarse) <= 1e-4 * max(1.0, abs(fd)))
        assert ad == pytest.approx(fd, rel=1e-5, abs=1e-5), source
