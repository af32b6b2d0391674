"""Forward mode as a source transformation: jvp's generated code (x_dot beside x, one
tangent statement after each primal one, no tape) and its values against central
differences along a random tangent, through loops, branches, element writes, appends,
inlined calls and effects."""
import inspect
import math
import subprocess
import sys

import numpy as np
import pytest

from s2s_ad import TranslationError, custom_vjp, grad, jvp, show
from s2s_ad.toolkit import jvp_source

from .numpy_checks import random


def directional(f, args, tangents, h=1e-6):
    plus = [a + h * t for a, t in zip(args, tangents)]
    minus = [a - h * t for a, t in zip(args, tangents)]
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * h)


def assert_jvp(f, *args):
    tangents = [random(np.shape(a), seed=k + 11) if isinstance(a, np.ndarray)
                else float(random((), seed=k + 11)) for k, a in enumerate(args)]
    kept = [np.copy(a) for a in args] + [np.copy(t) for t in tangents]
    out, tangent = jvp(f, args, tangents)
    np.testing.assert_array_equal(out, f(*args))            # the primal, bit for bit
    fd = directional(f, args, tangents)
    assert np.shape(tangent) == np.shape(fd)
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-7)
    for a, b in zip(list(args) + tangents, kept):
        np.testing.assert_array_equal(a, b)                 # nothing the caller owns changes
    return tangent


def lecture(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def test_lecture_function_tangent_is_exact():
    out, tangent = jvp(lecture, (2.0, 5.0), (1.0, 0.0))
    assert out == lecture(2.0, 5.0)
    assert tangent == 1 / 2.0 + 5.0                         # d/dx1 = 1/x1 + x2
    _, tangent = jvp(lecture, (2.0, 5.0), (0.0, 1.0))
    assert tangent == 2.0 - math.cos(5.0)                   # d/dx2 = x1 - cos(x2)


def test_generated_code_puts_each_tangent_after_its_primal():
    source = jvp_source(lecture, 2.0, 5.0)
    lines = [line.strip() for line in source.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert lines[0] == "def lecture_jvp(x1, x2, x1_dot, x2_dot):"
    body = lines[1:-1]
    primal = [line for line in body if "_dot" not in line.split("=")[0]]
    tangent = [line for line in body if "_dot" in line.split("=")[0]]
    assert len(primal) == len(tangent) == 5
    for p, t in zip(body[0::2], body[1::2]):                # alternating
        assert t.split(" = ")[0] == p.split(" = ")[0] + "_dot"
    assert "z1_dot = x1_dot / x1" in body
    assert "z4_dot = x2_dot * math.cos(x2)" in body
    assert lines[-1] == "return z5, z5_dot"
    assert "tape" not in source


def loops_and_branches(x, y):
    a = np.zeros(3)
    for i in range(3):
        a[i] = x[i] * y
    parts = []
    parts.append(a)
    if y > 0:
        b = np.sin(a) + x
    else:
        b = a
    s = 0.0
    k = 0
    while k < 4:
        s = s + np.sum(b) * y
        if s > 10.0:
            break
        k += 1
    return s + np.concatenate([a, parts[0]]).sum() + x.T @ x


def helper(u, c):
    return u * c + np.exp(u)


def inlined_and_written(x, y):
    x = np.array(x)
    x[0] = y * 2.0
    t = helper(x, 3.0)
    print(t[0] > 0)
    c = np.array(t)
    c[1] = c[1] * y
    return np.maximum(t, 0.5) + np.where(x > 0, x, y)


def store_into_a_fresh_product(x):
    a = x * 1.0
    a[0] = 5.0
    return a + x


@pytest.mark.parametrize("f, args", [
    (loops_and_branches, (random((3,)), 1.3)),
    (loops_and_branches, (random((3,)), -0.4)),
    (inlined_and_written, (random((3,)), 1.3)),
    (store_into_a_fresh_product, (random((3,)),)),
    (lecture, (2.0, 5.0)),
])
def test_jvp_agrees_with_finite_differences(f, args, capsys):
    assert_jvp(f, *args)


def test_structure_is_kept_in_the_generated_code():
    source = jvp_source(loops_and_branches, random((3,)), 1.3)
    assert "a_dot[i] = " in source                          # element writes
    assert "parts_dot.append(a_dot)" in source              # appends
    assert "for i in range(3):" in source and "while " in source and "if " in source
    source = jvp_source(inlined_and_written, random((3,)), 1.3)
    assert "inlined helper(x, 3.0)" in source                # the inlined call's note


def test_tuple_outputs_have_a_tangent_each():
    def two(x):
        return np.sin(x), x * x
    x, t = random((3,)), random((3,), seed=1)
    (s, q), (ds, dq) = jvp(two, (x,), (t,))
    np.testing.assert_allclose(ds, t * np.cos(x))
    np.testing.assert_allclose(dq, 2 * x * t)


def test_jvp_agrees_with_grad():
    def f(x, w):
        h = np.tanh(x @ w)
        return np.sum(h * h) + np.linalg.norm(w)
    x, w = random((2, 3)), random((3, 4), seed=1)
    gx, gw = grad(f, argnums=(0, 1))(x, w)
    tx, tw = random((2, 3), seed=2), random((3, 4), seed=3)
    _, tangent = jvp(f, (x, w), (tx, tw))
    assert tangent == pytest.approx(np.sum(gx * tx) + np.sum(gw * tw), rel=1e-12)


@custom_vjp
def reverse_only(x):
    return np.cumprod(x)


reverse_only.defvjp(lambda x: (np.cumprod(x), x), lambda x, g: (g,))


def running_product(x):
    return np.sum(reverse_only(x))


def test_a_call_without_tangent_is_refused_where_it_is_written():
    with pytest.raises(TranslationError) as info:
        jvp(running_product, (random((4,)),), (random((4,)),))
    error = info.value
    assert "custom_vjp reverse_only" in error.msg and "jvp" in error.msg and \
        "grad" in error.msg
    assert error.lineno == inspect.getsourcelines(running_product)[1] + 1
    assert "reverse_only(x)" in error.text


def test_jvp_checks_its_arguments():
    with pytest.raises(ValueError, match="one tangent per primal"):
        jvp(lecture, (2.0, 5.0), (1.0,))
    with pytest.raises(ValueError, match="each tangent has its primal's shape"):
        jvp(np.sin, (np.ones(3),), (np.ones(2),))


def test_show_prints_the_jvp_source(capsys):
    show(lecture, 2.0, 5.0, mode="jvp")
    printed = capsys.readouterr().out
    assert printed.startswith("def lecture_jvp(x1, x2, x1_dot, x2_dot):")
    show(lecture, 2.0, 5.0)
    assert "x1_bar" in capsys.readouterr().out              # the default is still grad
    with pytest.raises(ValueError, match="mode must be"):
        show(lecture, 2.0, 5.0, mode="hvp")


def test_cli_shows_the_jvp_source(tmp_path):
    path = tmp_path / "lecture_file.py"
    path.write_text("import math\n\n\ndef f(x1, x2):\n"
                    "    return math.log(x1) + x1 * x2 - math.sin(x2)\n")
    done = subprocess.run([sys.executable, "-m", "s2s_ad", "show", "--mode", "jvp",
                           f"{path}:f", "--args", "2.0, 5.0"], capture_output=True,
                          text=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert done.returncode == 0, done.stderr
    assert "def f_jvp(x1, x2, x1_dot, x2_dot):" in done.stdout
    assert "z1_dot = x1_dot / x1" in done.stdout


SCALE = 2.0


def scaled(x):
    return np.sin(x) * SCALE


def test_a_rebound_global_is_seen_by_the_next_jvp():
    global SCALE
    x, t = random((3,)), random((3,), seed=1)
    try:
        _, first = jvp(scaled, (x,), (t,))
        np.testing.assert_allclose(first, 2.0 * np.cos(x) * t)
        SCALE = 3.0
        _, second = jvp(scaled, (x,), (t,))
        np.testing.assert_allclose(second, 3.0 * np.cos(x) * t)
    finally:
        SCALE = 2.0
