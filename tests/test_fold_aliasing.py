"""Folding a single-use temporary into its reader must not move a read of a view past a
write into the array it views. Found by hessian (grad of the generated jvp, which reads
`z1 = out[1:]` and its tangent before writing both arrays): the clean stage folded
`z2_dot = z1_dot * s + z1` into `out_dot[1:] = ...` after `out[1:] = z1 * s` had
already changed z1, so value_and_grad returned a wrong value and gradient."""
import numpy as np

from s2s_ad import value_and_grad


def reads_views_before_writes(w, s):
    out = np.array(w)
    out_dot = np.zeros((3, 3))
    for k in range(2):
        z1 = out[1:]
        z1_dot = out_dot[1:]
        z2 = z1 * s
        z2_dot = z1_dot * s + z1
        out[1:] = z2
        out_dot[1:] = z2_dot
    return np.sum(out_dot)


def test_a_view_is_read_before_the_write_that_changes_it():
    w = np.random.default_rng(1).uniform(-1.5, 1.5, (3, 3))
    s, h = 0.7, 1e-6
    value, (gw, gs) = value_and_grad(reads_views_before_writes, argnums=(0, 1))(w, s)
    assert value == reads_views_before_writes(w, s)
    fd = (reads_views_before_writes(w, s + h) - reads_views_before_writes(w, s - h)) / (2 * h)
    assert abs(gs - fd) < 1e-6 * max(1.0, abs(fd))
    e = np.zeros((3, 3))
    e[1, 2] = h
    fd = (reads_views_before_writes(w + e, s) - reads_views_before_writes(w - e, s)) / (2 * h)
    assert abs(gw[1, 2] - fd) < 1e-6 * max(1.0, abs(fd))
