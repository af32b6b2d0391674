"""s2s_ad.checkpoint: a helper recomputed in the reverse sweep gives the gradient of
the inlined helper (to rounding: the seeded recomputation multiplies in another order),
and the caller's tape keeps only its arguments."""
import math

import numpy as np
import pytest

import s2s_ad
from s2s_ad import checkpoint, grad


def step(x, v, stiffness):
    # (no parameter named like a static-only one, k or n: test_rules_table walks every
    # registered rule, custom_vjp's included)
    a = -stiffness * x - 0.1 * v
    for j in range(50):
        a = a + 0.01 * math.sin(a)
    return x + 0.01 * v + 0.001 * a


checkpointed_step = checkpoint(step)


def simulate(k, n):
    x = 1.0
    v = 0.0
    for i in range(n):
        x_next = step(x, v, k)
        v = v - 0.01 * k * x
        x = x_next
    return x * x + v * v


def simulate_checkpointed(k, n):
    x = 1.0
    v = 0.0
    for i in range(n):
        x_next = checkpointed_step(x, v, k)
        v = v - 0.01 * k * x
        x = x_next
    return x * x + v * v


def layer(W, h, scale):
    return np.tanh(W @ h) * scale


checkpointed_layer = checkpoint(layer)


def network(W, h0, depth):
    h = h0
    for t in range(depth):
        h = checkpointed_layer(W, h, 2)
    return np.sum(h * h)


def network_inline(W, h0, depth):
    h = h0
    for t in range(depth):
        h = layer(W, h, 2)
    return np.sum(h * h)


def test_scalar_helper_in_a_loop():
    for n in (0, 1, 40):
        got = grad(simulate_checkpointed)(4.0, n)
        np.testing.assert_allclose(got, grad(simulate)(4.0, n), rtol=1e-12, atol=1e-300)
    h = 1e-6
    fd = (simulate(4.0 + h, 40) - simulate(4.0 - h, 40)) / (2 * h)
    np.testing.assert_allclose(grad(simulate_checkpointed)(4.0, 40), fd, rtol=1e-6)


def peak_bytes(function, *args):
    import tracemalloc
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_callers_tape_keeps_only_the_arguments():
    checkpointed, inline = grad(simulate_checkpointed), grad(simulate)
    checkpointed(4.0, 3)
    inline(4.0, 3)
    # the helper's own loop and its sin run inside its gradient, in the reverse sweep
    assert "math.sin" in inline.source and "math.sin" not in checkpointed.source
    # per step the inlined helper records its inner loop's 50 iterations too: compare
    # how the peak grows with the steps (the helper's gradient is compiled by now)
    growth = {f: peak_bytes(f, 4.0, 400) - peak_bytes(f, 4.0, 200)
              for f in (checkpointed, inline)}
    assert 0 < growth[checkpointed] < growth[inline] / 2


def test_array_helper_with_an_int_argument():
    rng = np.random.default_rng(2)
    W, h0 = rng.normal(size=(3, 3)) / 2, rng.normal(size=3)
    got = grad(network, argnums=(0, 1))(W, h0, 4)
    want = grad(network_inline, argnums=(0, 1))(W, h0, 4)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


def test_checkpoint_refuses_a_gradient_object():
    with pytest.raises(ValueError, match="plain function"):
        checkpoint(grad(step))
    assert checkpointed_step(1.0, 0.5, 4.0) == step(1.0, 0.5, 4.0)
    assert s2s_ad.checkpoint is checkpoint
