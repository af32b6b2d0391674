"""The lecture, runnable (issue 12): trace_table, the sub-demos, optim, examples/."""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from s2s_ad import grad, optim, trace_table
from s2s_ad.demo import DEMOS, backprop, cost, graph, sgd
from s2s_ad.examples import lecture_graph_steps, lecture_trace, logistic_loss

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- trace_table -----------------------------------------------------------------------

def test_trace_table_reproduces_the_lecture_table():
    table = trace_table(lecture_trace, 2.0, 5.0)
    # The lecture's forward column (v1..v5) and reverse column, to its 3 decimals. Python
    # evaluates the sum before sin(x2), so compare as multisets; the order within each
    # adjoint is checked below.
    lecture_forward = [0.693, 10.0, -0.959, 10.693, 11.652]
    lecture_reverse = [1, 1, -1, 1, 1, -0.284, 5, 1.716, 5.5]
    assert sorted(round(r.value, 3) for r in table.forward) == sorted(lecture_forward)
    assert sorted(round(r.value, 3) for r in table.reverse) == sorted(lecture_reverse)
    assert table.output == ("z5", pytest.approx(math.log(2) + 10 - math.sin(5), abs=1e-15))
    x1 = [r.value for r in table.reverse if r.name == "x1_bar"]
    x2 = [r.value for r in table.reverse if r.name == "x2_bar"]
    assert x1 == pytest.approx([5.0, 5.5]) and [round(v, 3) for v in x2] == [-0.284, 1.716]
    assert table.gradient == {"x1": pytest.approx(5.5), "x2": pytest.approx(2 - math.cos(5))}
    kinds = sorted(r.kind for r in table.forward)
    assert kinds == ["affine", "affine", "elementary function", "elementary function",
                     "product of powers"]
    text = str(table)
    assert "x2_bar = x2_bar + z2_bar * x1" in text and "x1_bar = x1_bar + z1_bar / x1" in text
    assert table.counts["forward_statements"] == 5 and table.counts["reverse_statements"] == 9


def test_trace_table_shows_the_graph_example_as_z1_to_z6():
    w1, w2 = 0.5, 1.5
    table = trace_table(lecture_graph_steps, w1, w2)
    assert [r.name for r in table.forward] == ["z1", "z2", "z3", "z4", "z5", "z6"]
    z1 = w1 / w2
    z2, z3 = math.sin(2 * math.pi * z1), math.exp(2 * w2)
    z4 = 3 * z1 - z3
    assert [r.value for r in table.forward] == pytest.approx([z1, z2, z3, z4, z2 + z4,
                                                             (z2 + z4) * z4])
    assert [r.kind for r in table.forward] == [
        "product of powers", "elementary function", "elementary function", "affine",
        "affine", "product of powers"]
    assert "z2 = math.sin(TWO_PI * z1)" in str(table)
    expected = graph.analytic_gradient(w1, w2)
    assert list(table.gradient.values()) == pytest.approx(expected, rel=1e-12)


def test_trace_table_unrolls_loops_and_summarises_arrays():
    def loopy(x, n):
        s = 0.0
        for i in range(n):
            s = s + math.sin(x * i)
        return s
    table = trace_table(loopy, 1.5, 4)
    assert len(table.forward) == 2 * 4                  # two nodes per iteration
    assert table.gradient["x"] == pytest.approx(sum(i * math.cos(1.5 * i) for i in range(4)))

    def net(W, x):
        return np.sum(np.tanh(W @ x) ** 2)
    W, x = np.linspace(-1, 1, 600).reshape(30, 20), np.linspace(0, 1, 20)
    table = trace_table(net, W, x, argnums=0)
    assert "array(30, 20)" in str(table) and "array primitive" in str(table)
    h = np.tanh(W @ x)
    assert np.allclose(table.gradient["W"], np.outer(2 * h * (1 - h ** 2), x))
    assert table.forward[0].flops == 2 * 30 * 20          # the matrix-vector product
    assert not np.shares_memory(table.gradient["W"], W)


def test_trace_table_runs_branches_lists_and_element_writes_once():
    def f(x, n):
        out = []
        k = 0
        while k < n:
            if x[k] > 0:
                out.append(x[k] ** 2)
            else:
                out.append(-x[k])
            k += 1
        y = np.zeros(2)
        y[1] = out[0] * 3.0
        return sum(out) + np.sum(y * y)
    x = np.array([1.0, -2.0, 3.0])
    table = trace_table(f, x, 3)
    assert np.allclose(table.gradient["x"], grad(f)(x, 3))     # effects ran once each
    assert table.output[1] == pytest.approx(f(x, 3))
    assert [r.value for r in table.forward if r.text.startswith("z")][:2] == [1.0, 1.0]
    assert any(r.text.startswith("x_bar[") and "+=" in r.text for r in table.reverse)
    assert any(r.text.startswith("y[1] = ") for r in table.forward)
    assert np.array_equal(x, [1.0, -2.0, 3.0])


# ---- the sub-demos -----------------------------------------------------------------------

def test_graph_demo_six_steps_match_the_generated_adjoints_and_the_analytic_gradient(capsys):
    result = graph.run(brief=True)
    assert "z6 = z5 · z4" in capsys.readouterr().out
    adjoints = {r.name: r.value for r in result["table"].reverse}
    for t, _, value in result["steps"]:
        assert value == pytest.approx(adjoints[f"z{t}_bar"], rel=1e-12)
    for computed in (result["by_hand"], result["generated"], result["one_line"]):
        assert computed == pytest.approx(result["analytic"], rel=1e-12)


def test_backprop_demo_deltas_are_the_generated_adjoints(capsys):
    result = backprop.run(brief=True)
    adjoints = {r.name: r.value for r in result["explicit"].reverse}
    theta1, theta2, theta3, x, y = backprop.example()
    def g(z):
        return 1 / (1 + np.exp(-z))
    a4 = g(theta3 @ g(theta2 @ g(theta1 @ x)))
    assert result["deltas"][4] == pytest.approx(y - a4)             # δ^(L+1) = y - a^(L+1)
    for layer in (4, 3, 2):
        assert np.allclose(result["deltas"][layer], adjoints[f"z{layer}_bar"], rtol=1e-10)
    for mine, theirs in zip(result["by_hand"], result["generated"]):
        assert np.allclose(mine, theirs, rtol=1e-10, atol=1e-15)
    assert "z4_bar" in capsys.readouterr().out


def test_cost_demo_ratios_are_within_the_constant_and_below_finite_differences(capsys):
    rows = cost.run(brief=True)
    capsys.readouterr()
    assert len(rows) == 4
    for row in rows:
        assert 1 < row["ratio_flops"] <= cost.BAUR_STRASSEN
        assert row["ratio_statements"] <= cost.BAUR_STRASSEN
    network = rows[2]
    assert network["ratio_flops"] < 2 * network["inputs"]


def test_sgd_demo_all_three_methods_lower_the_loss(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("S2S_AD_PLOTS", str(tmp_path))
    runs = sgd.run(brief=True)
    out = capsys.readouterr().out
    assert len(runs) == 3
    for _, history in runs.values():
        assert history[-1] < 0.8 * history[0]
    if "matplotlib is missing" not in out:
        assert (tmp_path / "sgd_demo.png").stat().st_size > 1000


def test_demo_command_runs_one_sub_demo_and_lists_them():
    out = subprocess.run([sys.executable, "-m", "s2s_ad", "demo", "graph"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "z6 = z5 * z4" in out.stdout and "analytic" in out.stdout
    assert list(DEMOS)[:4] == ["trace", "graph", "backprop", "cost"] and "sgd" in DEMOS


# ---- optim -----------------------------------------------------------------------------------

def classification(n=120, d=4, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, np.sign(X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n))


def test_gd_reduces_the_logistic_loss_and_leaves_w0_alone():
    X, y = classification()
    w0 = np.zeros(4)
    w, history = optim.gd(logistic_loss, w0, X, y, lr=1.0, steps=30)
    assert np.all(w0 == 0)
    assert len(history) == 31 and history[0] == pytest.approx(math.log(2))
    assert history[-1] < 0.6 * history[0]
    assert all(b <= a + 1e-12 for a, b in zip(history, history[1:]))   # small enough step
    assert history[-1] == pytest.approx(logistic_loss(w, X, y))
    assert history.evaluations[-1] == 30 * len(X)


@pytest.mark.parametrize("batch", [1, 8])
def test_sgd_reduces_the_logistic_loss(batch):
    X, y = classification()
    w, history = optim.sgd(logistic_loss, np.zeros(4), X, y, lr=0.1, epochs=4,
                           batch_size=batch, seed=3)
    assert history[-1] < 0.7 * history[0]
    steps = 4 * (len(X) // batch)
    assert history.steps[-1] == steps and history.evaluations[-1] == steps * batch
    again, _ = optim.sgd(logistic_loss, np.zeros(4), X, y, lr=0.1, epochs=4,
                         batch_size=batch, seed=3)
    assert np.array_equal(w, again)                     # the seed fixes the I_t


def test_sgd_steps_along_the_mean_gradient_of_the_drawn_batch():
    X, y = classification(n=10)
    w, _ = optim.sgd(logistic_loss, np.zeros(4), X, y, lr=0.5, epochs=1, batch_size=10,
                     seed=7)
    batch = np.random.default_rng(7).integers(0, 10, size=10)
    expected = -0.5 * grad(logistic_loss)(np.zeros(4), X[batch], y[batch])
    assert np.allclose(w, expected)


def test_subgradient_descent_on_a_kinked_loss_and_its_schedules():
    def loss(w, c):
        return np.sum(np.abs(w - c))
    c = np.array([1.0, -2.0, 3.0])
    for schedule in ("sqrt", "harmonic", "constant", lambda lr, t: lr * 0.9 ** t):
        w, history = optim.subgradient(loss, np.zeros(3), c, lr=0.5, steps=60,
                                       schedule=schedule)
        assert history.best < 0.5 * history[0]
        assert loss(history.best_w, c) == pytest.approx(history.best)


def test_kinks_and_grad_fn_pass_through(monkeypatch):
    seen = {}

    def fake_grad(loss, **options):
        seen.update(options)
        return lambda w, *data: np.ones_like(w)
    monkeypatch.setattr(optim, "grad", fake_grad)
    optim.gd(lambda w: float(np.sum(w)), np.zeros(2), lr=0.1, steps=1)
    assert seen == {}                                   # not passed unless given
    optim.subgradient(lambda w: float(np.sum(w)), np.zeros(2), lr=0.1, steps=1,
                      kinks="clarke")
    assert seen == {"kinks": "clarke"}


def test_parameter_dicts_are_updated_leaf_by_leaf():
    target = {"a": np.array([1.0, 2.0]), "b": 3.0}

    def loss(w):
        return float(np.sum((w["a"] - target["a"]) ** 2) + (w["b"] - target["b"]) ** 2)

    def gradient(w):
        return {"a": 2 * (w["a"] - target["a"]), "b": 2 * (w["b"] - target["b"])}
    w, history = optim.gd(loss, {"a": np.zeros(2), "b": 0.0}, lr=0.25, steps=20,
                          grad_fn=gradient, progress=True)
    assert np.allclose(w["a"], target["a"]) and w["b"] == pytest.approx(3.0)
    assert history[-1] < 1e-10


# ---- examples/ on small settings -------------------------------------------------------------

@pytest.mark.parametrize("script, plots", [("linear_models.py", True),
                                           ("sigmoid_network.py", False),
                                           ("relu_network.py", False)])
def test_examples_run_on_small_settings(script, plots, tmp_path):
    pytest.importorskip("sklearn")          # the 'lecture' extra; CI's 'test' extra has it
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), "--small",
                          "--out", str(tmp_path)] + ([] if plots else ["--no-plots"]),
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    if plots and "matplotlib is missing" not in out.stdout:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["logistic_loss.png",
                                                              "squared_loss.png"]
    rows = [line.split() for line in out.stdout.splitlines()
            if line.strip().startswith(("GD", "SGD", "mini-batch", "subgradient"))]
    assert rows
    for row in rows:                        # ... start final accuracy
        start, final = float(row[-3]), float(row[-2])
        assert final < start
