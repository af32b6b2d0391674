"""Random NumPy programs (broadcasting, reductions, matmul, indexing, where, stacks),
written to a file and differentiated: the value must be the original's bit for bit
and the gradient must match central finite differences for every argument."""
import importlib.util
import itertools
import sys

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from s2s_ad import value_and_grad

from .fd_guards import smooth_difference

_counter = itertools.count()
SHAPES = [(), (2,), (3,), (2, 3)]
ELEMENTWISE = ["np.sin({})", "np.tanh({})", "-({})", "np.exp(np.sin({}))",
               "np.sqrt(1.0 + ({0}) * ({0}))", "np.square({})", "np.arctan({})",
               "np.log1p(({0}) * ({0}))"]
# hypot keeps away from the origin, where it is not differentiable (docs/nonsmooth.md)
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (1.5 + np.cos({}))",
          "np.maximum({}, {})", "np.hypot({0}, 0.5 + ({1}) * ({1}))"]


BASE = {(): "s", (2,): "W[:, 1]", (3,): "x", (2, 3): "W"}


def leaf(names, shape):
    choices = [st.sampled_from(names.get(shape, []) + [BASE[shape]])]
    if shape == ():
        choices.append(st.floats(-2, 2, allow_nan=False).map(lambda v: repr(round(v, 3))))
    return st.one_of(*choices)


def expression(names, shape, depth):
    """An expression string of the given shape."""
    if depth <= 0:
        return leaf(names, shape)
    sub = lambda s: st.deferred(lambda: expression(names, s, depth - 1))  # noqa: E731
    options = [st.tuples(st.sampled_from(ELEMENTWISE), sub(shape)).map(lambda p: p[0].format(p[1])),
               st.tuples(st.sampled_from(BINARY), sub(shape), sub(shape)).map(
                   lambda p: p[0].format(p[1], p[2])),
               st.tuples(st.sampled_from(BINARY), sub(shape), sub(())).map(    # broadcasting
                   lambda p: p[0].format(p[1], p[2]))]
    options.append(leaf(names, shape))
    if shape == ():
        options += [sub((3,)).map(lambda e: f"np.sum({e})"),
                    sub((2, 3)).map(lambda e: f"np.mean({e})"),
                    sub((3,)).map(lambda e: f"np.max({e})"),
                    sub((3,)).map(lambda e: f"({e})[1]")]
    if shape == (3,):
        options += [sub((2, 3)).map(lambda e: f"np.sum({e}, axis=0)"),
                    st.tuples(sub((2,)), sub((2, 3))).map(lambda p: f"({p[0]}) @ ({p[1]})"),
                    sub((3,)).map(lambda e: f"({e})[[0, 0, 2]]"),
                    st.tuples(sub(()), sub(()), sub(())).map(lambda p: f"np.array([{', '.join(p)}])"),
                    st.tuples(sub((3,)), sub((3,)), sub((3,))).map(
                        lambda p: f"np.where(({p[0]}) > 0.1, {p[1]}, {p[2]})"),
                    sub((2, 3)).map(lambda e: f"({e})[1]")]
    if shape == (2,):
        options += [st.tuples(sub((2, 3)), sub((3,))).map(lambda p: f"({p[0]}) @ ({p[1]})"),
                    sub((2, 3)).map(lambda e: f"np.mean({e}, axis=1)"),
                    sub((3,)).map(lambda e: f"({e})[1:]"),
                    sub((2, 3)).map(lambda e: f"({e})[:, 0]")]
    if shape == (2, 3):
        options += [st.tuples(sub((2, 3)), sub((3,))).map(lambda p: f"({p[0]}) * ({p[1]})"),
                    st.tuples(sub((2,)), sub((3,))).map(lambda p: f"np.outer({p[0]}, {p[1]})")]
    return st.one_of(*options)


@st.composite
def programs(draw):
    names = {(): ["s"], (3,): ["x"], (2, 3): ["W"]}
    lines = []
    for k in range(draw(st.integers(0, 3))):
        shape = draw(st.sampled_from(SHAPES))
        kind = draw(st.sampled_from(["assign", "branch", "loop", "rows", "writes", "list",
                                     "loop_writes", "while"]))
        target = f"t{k}"
        if kind == "assign":
            lines.append(f"    {target} = {draw(expression(names, shape, 2))}")
        elif kind == "branch":
            test = draw(expression(names, (), 1))
            lines += [f"    if {test} > 0.1:",
                      f"        {target} = {draw(expression(names, shape, 2))}",
                      "    else:",
                      f"        {target} = {draw(expression(names, shape, 1))}"]
        elif kind == "loop":
            inner = {**names, shape: names.get(shape, []) + [target]}
            lines += [f"    {target} = {draw(expression(names, shape, 1))}",
                      f"    for i in range({draw(st.integers(0, 3))}):",
                      f"        {target} = {target} * 0.5 + np.sin({draw(expression(inner, shape, 1))})"]
        elif kind == "rows":
            shape = (3,)
            inner = {**names, (3,): names[(3,)] + ["row", target]}
            lines += [f"    {target} = {draw(expression(names, shape, 1))}",
                      "    for row in W:",
                      f"        {target} = {target} + np.tanh({draw(expression(inner, shape, 1))})"]
        elif kind == "list":
            shape = (2,)
            inner = {**names, (3,): names[(3,)] + ["row"]}
            lines += [f"    {target}_items = []",
                      "    for row in W:",
                      f"        {target}_items.append(np.sum({draw(expression(inner, (3,), 1))}))",
                      f"    {target} = np.array({target}_items)"]
        elif kind == "loop_writes":
            shape = (3,)
            inner = {**names, (): names[()] + ["x[i]"]}
            lines += [f"    {target} = np.zeros(3)",
                      "    for i in range(3):",
                      f"        {target}[i] = {draw(expression(inner, (), 1))}"]
        elif kind == "while":
            shape = ()
            lines += [f"    {target} = {draw(expression(names, (), 1))}",
                      f"    n{k} = 0",
                      f"    while n{k} < {draw(st.integers(0, 3))}:",
                      f"        {target} = np.tanh({target} + np.sum({draw(expression(names, (3,), 1))}))",
                      f"        n{k} += 1"]
        else:
            shape = (3,)
            lines += [f"    {target} = np.zeros(3)",
                      f"    {target}[1] = {draw(expression(names, (), 1))}",
                      f"    {target}[0] += {draw(expression(names, (), 1))}",
                      f"    {target} = ({target}) * ({draw(expression(names, (3,), 1))})"]
        names.setdefault(shape, []).append(target)
    shape = draw(st.sampled_from(SHAPES))
    result = draw(expression(names, shape, 2))
    lines.append(f"    return np.sum({result})")
    return "def f(x, W, s):\n" + "\n".join(lines) + "\n"


def load(source, tmp_path):
    path = tmp_path / f"random_array_program_{next(_counter)}.py"
    path.write_text("import numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.f


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(source=programs(), seed=st.integers(0, 2 ** 16))
def test_random_array_programs(source, seed, tmp_path):
    f = load(source, tmp_path)
    rng = np.random.default_rng(seed)
    args = (rng.uniform(-1, 1, 3), rng.uniform(-1, 1, (2, 3)), float(rng.uniform(-1, 1)))
    before = [np.copy(a) for a in args]
    with np.errstate(all="ignore"):
        value, grads = value_and_grad(f, argnums=(0, 1, 2))(*args)
    assert value == f(*args), source
    assert all(np.array_equal(a, b) for a, b in zip(args, before))   # inputs untouched
    for argnum, ad in enumerate(grads):
        assert np.shape(ad) == np.shape(args[argnum]), source
        fd = smooth_difference(f, args, argnum)
        assume(fd is not None)              # near a kink finite differences say nothing
        assert np.allclose(ad, fd, rtol=1e-5, atol=1e-5), source
