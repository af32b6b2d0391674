"""s2s_ad.benchmark: the report's structure and its correctness checks. Tiny inputs
and few, short samples; no test looks at a time beyond its being there."""
import dataclasses
import json
import math

import numpy as np
import pytest

import s2s_ad
from s2s_ad import benchmark
from s2s_ad.bench import Settings, peers, plots

TINY = Settings(repeats=2, target=0.001, fd_budget=0.002, min_fd_coords=4, compile_repeats=1)


def run(f, *args, **kwargs):
    kwargs.setdefault("settings", TINY)
    kwargs.setdefault("peers", ())
    kwargs.setdefault("progress", False)
    return benchmark(f, *args, **kwargs)


def smooth(x, A):
    return np.sum(np.sin(A @ x)) + 0.5 * np.sum(x ** 2)


def scalar_and_array(a, x):
    return a * np.sum(np.exp(0.1 * x)) + a ** 3


def with_math(a, b):
    import math as m
    return m.log(a) + a * b - m.sin(b)


def cosines(v):
    return np.sum(np.cos(v)) + np.sum(v) ** 2


def relu_sum(x):
    return np.sum(np.maximum(x, 0.0) ** 2) + np.sum(np.maximum(x, 0.0))


def refused(x):
    return sum({v for v in x})


@pytest.fixture
def point(rng):
    return rng.standard_normal(12), rng.standard_normal((5, 12))


def test_report_times_every_method_and_measures_its_error(point):
    report = run(smooth, *point)
    row = report.data["result"]
    assert row["inputs"] == 12 and row["s2s_ad"]["status"] == "ok"
    for name in ("f", "s2s_ad", "forward FD", "central FD", "Richardson FD", "complex step"):
        timing = row["times"][name]
        assert timing["seconds"] > 0 and len(timing["samples"]) == TINY.repeats
        q1, q3 = timing["quartiles"]
        assert q1 <= timing["seconds"] <= q3
    assert row["compile_seconds"] > 0
    # Each method's accuracy is what its truncation order predicts.
    assert report.error("forward") < 1e-5
    assert report.error("central") < 1e-8
    assert report.error("richardson") < 1e-10
    assert report.error("complex") < 1e-13
    assert report.digits("complex") > report.digits("richardson") > report.digits("forward")
    assert report.crosscheck_ok is True
    assert report.speedup("central") == report.time("central") / report.time("s2s_ad")


def test_markdown_json_and_repr(point):
    report = run(smooth, *point)
    text = str(report)
    assert text.startswith("## Benchmark of `smooth` at d = 12")
    for label in ("| f |", "**s2s_ad grad**", "forward FD", "central FD", "Richardson FD",
                  "complex step", "correct digits", "Against central differences",
                  "Cross-check", "Cost against the dimension", "Step sweep", "← best",
                  "machine:"):
        assert label in text, label
    assert report._repr_markdown_() == text
    assert "smooth" in repr(report) and "faster than central FD" in repr(report)
    data = json.loads(report.to_json())
    assert data["machine"]["line"].startswith("machine:")
    assert data["result"]["errors"]["central_vs_ad"] == report.error("central")
    assert set(data["settings"]) == {"repeats", "target", "fd_budget", "min_fd_coords",
                                     "compile_repeats"}


def test_to_json_writes_the_file(point, tmp_path):
    report = run(smooth, *point, sweep=False)
    report.to_json(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["function"] == "smooth"
    assert "Step sweep" not in str(report)


def test_step_sweep_is_a_v_with_its_best_step_marked(point):
    sweep = run(smooth, *point).data["result"]["sweep"]
    assert sweep["steps"] == [10.0 ** -k for k in range(1, 14)]
    for method in ("forward", "central"):
        errors = sweep[method]
        best = sweep["best"][method]
        assert best["error"] == min(errors)
        # Falls, then rises: the ends are worse than the bottom of the V.
        assert errors[0] > 100 * best["error"] and errors[-1] > 100 * best["error"]
    assert sweep["best"]["central"]["error"] < sweep["best"]["forward"]["error"]
    assert 1e-6 <= sweep["best"]["central"]["h"] <= 1e-2
    assert 1e-10 <= sweep["best"]["forward"]["h"] <= 1e-5


def test_large_inputs_sample_coordinates_and_project_to_d(rng):
    x = rng.standard_normal(2000)
    # A budget far below 2d evaluations of f on any machine: coordinates are sampled.
    report = run(cosines, x, settings=dataclasses.replace(TINY, fd_budget=2e-4))
    row = report.data["result"]
    assert row["fd"]["estimated"] and row["fd"]["coords"] < 2000 and row["fd"]["of"] == 2000
    assert row["fd"]["methods"]["central"]["timed_coords"] == row["fd"]["coords"]
    for method, info in row["fd"]["methods"].items():
        timing = row["times"][s2s_ad.bench.measure.TIMING_NAME[method]]
        # Each method has its own budget: a cheap one may cover every coordinate.
        if info["timed_coords"] < 2000:
            assert timing["estimated_from"] == info["timed_coords"]
        else:
            assert "estimated_from" not in timing
        assert math.isclose(info["projected_seconds"], info["seconds_per_coordinate"] * 2000)
        assert math.isclose(timing["seconds"], info["projected_seconds"])
    text = str(report)
    assert "of the 2000 coordinates" in text and "≈" in text
    assert report.error("central") < 1e-7       # over the sampled coordinates


def test_scalars_and_tuple_argnums(rng):
    x = rng.standard_normal(6)
    report = run(scalar_and_array, 1.3, x, argnums=(0, 1))
    row = report.data["result"]
    assert row["inputs"] == 7 and row["argnums"] == [0, 1]
    assert report.error("central") < 1e-8 and report.crosscheck_ok


def test_complex_step_is_reported_unavailable_for_real_only_code():
    report = run(with_math, 2.0, 5.0, argnums=(0, 1))
    info = report.data["result"]["fd"]["methods"]["complex"]
    assert info["status"] == "unavailable"
    assert "complex" in info["message"] and "TypeError" in info["message"]
    assert "complex step unavailable" in str(report)
    assert "complex step" not in report.data["result"]["times"]


def squares_of_abs(x):
    return np.sum(np.abs(x) ** 2)


def test_complex_step_refuses_code_that_drops_the_imaginary_part(rng):
    report = run(squares_of_abs, rng.standard_normal(4))
    info = report.data["result"]["fd"]["methods"]["complex"]
    assert info["status"] == "unavailable" and "real value" in info["message"]


def test_hand_written_gradient_is_timed_and_compared(point):
    x, A = point

    def smooth_grad(x, A):
        return A.T @ np.cos(A @ x) + x

    report = run(smooth, x, A, hand=smooth_grad)
    row = report.data["result"]
    assert "hand" in row["times"] and row["errors"]["ad_vs_hand"] < 1e-13
    assert "hand-written grad" in str(report)
    assert row["sweep"]["reference"] == "hand"


def test_arguments_are_not_mutated(point):
    x, A = point
    x0, A0 = x.copy(), A.copy()
    run(smooth, x, A)
    assert np.array_equal(x, x0) and np.array_equal(A, A0)


def test_a_wrong_gradient_fails_the_cross_check_loudly(monkeypatch, point):
    real_grad = s2s_ad.grad

    def wrong_grad(f, argnums=0):
        g = real_grad(f, argnums=argnums)

        def off(*args):
            return g(*args) * 1.01
        off.compile = lambda *args: off
        return off
    monkeypatch.setattr(s2s_ad, "grad", wrong_grad)
    report = run(smooth, *point)
    check = report.data["result"]["crosscheck"]
    assert not check["agrees"] and not check["central_agrees"] and check["fd_consistent"]
    assert report.crosscheck_ok is False
    assert "**WARNING: s2s_ad's gradient DISAGREES" in str(report)
    assert "CROSS-CHECK FAILED" in repr(report)


def test_a_kink_inside_richardson_steps_is_not_called_a_wrong_gradient():
    # Inputs within Richardson's step (7e-4) of relu's kink, beyond central's (6e-6).
    x = np.array([3e-4, -2e-4, 0.5, -0.7])
    report = run(relu_sum, x)
    check = report.data["result"]["crosscheck"]
    assert not check["agrees"] and check["central_agrees"]
    assert report.crosscheck_ok is True
    assert "kink" in str(report) and "WARNING" not in str(report)


def test_a_function_s2s_ad_refuses_is_still_measured(rng):
    report = run(refused, rng.standard_normal(5))
    row = report.data["result"]
    assert row["s2s_ad"]["status"] == "not supported"
    assert "comprehension" in row["s2s_ad"]["message"]
    assert "central FD" in row["times"] and row["crosscheck"] is None
    assert "could not differentiate" in str(report)
    assert report.time("s2s_ad") is None and report.speedup() is None


def test_peers_not_installed_are_reported_so(monkeypatch, point):
    monkeypatch.setattr(peers, "installed", lambda name: False)
    report = run(smooth, *point, peers=("autograd", "jax"))
    assert report.data["result"]["peers"] == {"autograd": {"status": "not installed"},
                                              "jax": {"status": "not installed"}}
    assert "| jax | not installed |" in str(report)


def test_autograd_when_installed(point):
    report = run(smooth, *point, peers=("autograd",))
    info = report.data["result"]["peers"]["autograd"]
    if peers.installed("autograd"):
        assert info["status"] == "ok" and info["error_vs_ad"] < 1e-12
        assert "autograd" in report.data["result"]["times"]
    else:
        assert info["status"] == "not installed"


def test_plot_draws_a_png_or_says_matplotlib_is_missing(point, tmp_path):
    report = run(smooth, *point)
    path = tmp_path / "report.png"
    if plots.available():
        assert report.plot(path) == path
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        with pytest.raises(ImportError, match="matplotlib"):
            report.plot(path)


def test_wide_timing_spread_is_flagged(point):
    report = run(smooth, *point)
    times = report.data["result"]["times"]["f"]
    median = times["seconds"]
    times["quartiles"] = [median * 0.99, median * 1.01]
    report.data["result"]["times"]["s2s_ad"]["quartiles"] = times["quartiles"]
    assert "Timing noise" not in str(report)
    times["quartiles"] = [median * 0.5, median * 2.0]
    assert "Timing noise: the samples of f spread" in str(report)
