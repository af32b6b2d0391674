"""Second derivatives through loops whose gradient records a tape: forward over reverse
(the jvp of the generated gradient, its tape read in place: tape_reading.py), checked
against central differences of the gradient and against the reverse-over-forward
fallback (one gradient of the jvp per basis vector)."""
import numpy as np
import pytest

import s2s_ad
from s2s_ad import toolkit
from s2s_ad.errors import TranslationError
from s2s_ad.scalar_loops import plain_code
from s2s_ad.second_order import _STRATEGY, _reverse_over_forward
from s2s_ad.tape_reading import readable
from benchmarks.suite import oscillator, rosenbrock


def nested(x):
    total = 0.0
    for i in range(x.shape[0]):
        acc = x[i]
        for j in range(3):
            acc = np.sin(acc) * x[j]
        total = total + acc * acc
    return total


def element_writes(x):
    y = np.zeros(x.shape[0])
    s = 1.0
    for i in range(x.shape[0]):
        s = s * np.cos(x[i]) + x[i]
        y[i] = s * s
    return np.sum(y * x)


def list_appends(x):
    out = []
    h = 0.5
    for i in range(x.shape[0]):
        h = np.tanh(h * x[i] + 1.0)
        out.append(h * x[i])
    return sum(out) * h


def while_loop(x):
    s = x[0]
    n = 0
    while n < 5:
        s = s * x[1] + np.sin(s)
        n = n + 1
    return s * s


def branches(x):
    t = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            t = t + x[i] ** 3
        else:
            t = t * x[i]
    return t


def triangle(x):
    # the inner loop runs no iteration when i == 0: its reversed loop in the gradient
    # too (counted down by tape_reading, which the lowering carries)
    s = x[0]
    for i in range(3):
        for j in range(i):
            s = np.sin(s) * x[j + 1] + s
    return s * s


def early_exit(x):
    # the gradient's reverse loop runs over range(n)[:trips]
    s = 0.0
    for i in range(x.shape[0]):
        if s > 1.5:
            break
        s = s + np.exp(x[i]) * x[0]
    return s * x[1]


RNG = np.random.default_rng(3)
X = RNG.normal(size=5) * 0.6
CASES = [(oscillator, (1.3, 0.4), (0, 1)), (rosenbrock, (X,), 0)] + [
    (f, (X,), 0) for f in (nested, element_writes, list_appends, while_loop, branches,
                           triangle, early_exit)]
IDS = [f.__name__ for f, _, _ in CASES]


def _directions(args):
    rng = np.random.default_rng(7)
    return tuple(rng.normal(size=np.shape(a)) if np.shape(a) else 0.7 for a in args)


def _differences(f, args, k, v, h=1e-5):
    g = s2s_ad.grad(f, argnums=k)
    up = g(*[a + h * t for a, t in zip(args, v)])
    down = g(*[a - h * t for a, t in zip(args, v)])
    if isinstance(up, tuple):
        return np.array([(p - q) / (2 * h) for p, q in zip(up, down)])
    return (up - down) / (2 * h)


@pytest.mark.parametrize("f, args, k", CASES, ids=IDS)
def test_hvp_through_loops_is_forward_over_reverse(f, args, k):
    v = _directions(args)
    gradient, product = s2s_ad.jvp(s2s_ad.grad(f, argnums=k), args, v)
    assert set(_STRATEGY[f].values()) == {"for"}, "fell back to reverse over forward"
    product = np.array(product, dtype=float)
    np.testing.assert_allclose(product, _differences(f, args, k, v), rtol=1e-5, atol=1e-6)
    fallback = np.array(_reverse_over_forward(f, k, args, v), dtype=float)
    np.testing.assert_allclose(product, fallback, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.array(gradient, dtype=float),
                               np.array(s2s_ad.grad(f, argnums=k)(*args), dtype=float))


@pytest.mark.parametrize("f, args, k", CASES, ids=IDS)
def test_hessian_through_loops(f, args, k):
    H = s2s_ad.hessian(f, argnums=k)(*args)
    fallback = toolkit._reverse_over_forward(f, k, args)
    if isinstance(k, tuple):
        H, fallback = np.array(H, dtype=float), np.array(fallback, dtype=float)
    np.testing.assert_allclose(H, fallback, rtol=1e-10, atol=1e-12)
    n = np.size(args[0]) if not isinstance(k, tuple) else len(k)
    for j in range(n):          # column j: the derivative of the gradient along e_j
        e = np.zeros(n)
        e[j] = 1.0
        v = tuple(e) if isinstance(k, tuple) else (e,)
        np.testing.assert_allclose(np.asarray(H)[j], _differences(f, args, k, v),
                                   rtol=1e-5, atol=1e-6)


def test_plain_and_optimised_gradients_agree(monkeypatch):
    """S2S_AD_OPTIMISE=0: the scalar-loop rewrites off, the same second derivatives."""
    v = _directions((X,))
    _, on = s2s_ad.jvp(s2s_ad.grad(rosenbrock), (X,), v)
    monkeypatch.setenv("S2S_AD_OPTIMISE", "0")

    def rosenbrock_again(x):        # a new function: nothing cached from above
        total = 0.0
        for i in range(len(x) - 1):
            total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
        return total
    _, off = s2s_ad.jvp(s2s_ad.grad(rosenbrock_again), (X,), v)
    np.testing.assert_allclose(on, off, rtol=1e-12)
    assert set(_STRATEGY[rosenbrock_again].values()) == {"for"}


def test_the_tape_is_read_in_place():
    """The rewritten gradient pops nothing and computes the same gradient."""
    import inspect
    with plain_code():
        generated = s2s_ad.grad(nested).compile(X)
    generated = getattr(generated, "__wrapped__", generated)
    assert ".pop" in inspect.getsource(generated) or "tape_pop" in \
        inspect.getsource(generated)
    rewritten = readable(generated)
    source = inspect.getsource(rewritten)
    assert "pop" not in source and "tape_push" not in source
    np.testing.assert_array_equal(rewritten(X), generated(X))


def pushes_after_popping(x):
    tape = []
    tape_push = tape.append
    tape_push(x * 2.0)
    tape_pop = tape.pop
    a = tape_pop()
    tape_push(a + 1.0)
    return tape_pop() + a


def pops_in_place_of_index(x):
    tape = [x, x * 2.0, x * 3.0]
    first = tape.pop(0)
    return first


def rebound_after_binding(x):
    tape = []
    tape_push = tape.append
    tape = [x * 3.0]
    tape_push(x * 2.0)          # onto the first list, not the one popped
    tape_pop = tape.pop
    return tape_pop()


def pops_in_a_comprehension(x):
    tape = []
    tape.append(x)
    tape.append(x * 2.0)
    both = [tape.pop() for _ in range(2)]
    return both[0] + both[1]


def test_the_rewrite_gives_up_where_reads_would_not_be_the_pops():
    assert readable(pops_in_a_comprehension) is None
    assert readable(pushes_after_popping) is None
    assert readable(pops_in_place_of_index) is None
    assert readable(rebound_after_binding) is None


# -- forward mode through a list of tuples, and lists made by [v] * n -----------------------

def tuples_in_a_list(k, c):
    t = []
    t.append((k * c, c))
    a, b = t[0]
    return a * b


def preallocated(x):
    slots = [0.0] * 3
    slots[1] = x * x
    return slots[1] * 2.0 + slots[0]


def test_tuples_appended_to_a_list_carry_their_tangents():
    # d/dk (k c^2) = c^2 = 9; the jvp dropped the tuple's tangents (gave 0 here)
    _, tangent = s2s_ad.jvp(tuples_in_a_list, (2.0, 3.0), (1.0, 0.0))
    assert tangent == pytest.approx(9.0)
    _, tangent = s2s_ad.jvp(tuples_in_a_list, (2.0, 3.0), (0.0, 1.0))
    assert tangent == pytest.approx(12.0)


def test_grad_refuses_tuples_of_active_values_appended_to_a_list():
    # (it returned a zero gradient)
    with pytest.raises(TranslationError, match="appending a tuple"):
        s2s_ad.grad(tuples_in_a_list, argnums=(0, 1))(2.0, 3.0)


def test_elements_written_into_a_list_made_by_repetition():
    assert s2s_ad.grad(preallocated)(3.0) == pytest.approx(12.0)
    assert s2s_ad.jvp(preallocated, (3.0,), (1.0,))[1] == pytest.approx(12.0)


@pytest.mark.parametrize("f, args, k", CASES[1:3], ids=IDS[1:3])
def test_the_hessian_is_one_batched_sweep_through_the_tape(f, args, k):
    """jacfwd of the gradient read in place takes one batched call (lists of batched
    tangents: tangent_batch_containers.py), and agrees with the fallback."""
    from s2s_ad.jacobian_batch import jacfwd_block
    from s2s_ad.tape_reading import forward_readable
    with plain_code():
        generated = s2s_ad.grad(f, argnums=k).compile(*args)
    block = jacfwd_block(forward_readable(generated), args, k if isinstance(k, int) else 0)
    assert block is not None, "one call per basis vector"
    H = s2s_ad.hessian(f, argnums=k)(*args)
    fallback = toolkit._reverse_over_forward(f, k, args)
    np.testing.assert_allclose(np.array(H, dtype=float), np.array(fallback, dtype=float),
                               rtol=1e-10, atol=1e-12)


def recurrent(x):
    out = np.zeros(3)
    h = 0.3
    for i in range(x.shape[0]):
        h = np.tanh(h * x[i] + 0.5)
        out = out + h * x[:3]
    return out


def test_jacrev_through_a_loop_is_one_batched_call(monkeypatch):
    taken = []
    original = toolkit._jacrev_batched
    monkeypatch.setattr(toolkit, "_jacrev_batched",
                        lambda *a: taken.append(original(*a)) or taken[-1])
    x = np.random.default_rng(0).normal(size=6)
    J = s2s_ad.jacrev(recurrent)(x)
    assert taken and taken[0] is not None, "one call per output element"
    np.testing.assert_allclose(J, s2s_ad.jacfwd(recurrent)(x), rtol=1e-12, atol=1e-14)


def test_the_benchmark_row_runs():
    from benchmarks import hessian_loops_row
    table = hessian_loops_row.run(quick=True).splitlines()
    assert len(table) == 4 and table[2].startswith("| oscillator")
    assert table[3].startswith("| rosenbrock n=20")
