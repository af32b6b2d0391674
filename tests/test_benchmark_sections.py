"""The suite's sections (benchmarks/sections.py): which run when, how they reach the
report (their tables, the targets table, a failed section), the trip-count sweep's
plumbing and budget, and the JAX rewrites they compare with. No timing is asserted:
only that rows are made, gradients agree, and the report says what was measured."""
import importlib.util

import numpy as np
import pytest

from benchmarks import dispatch_row, jax_loops, jit_row, run, scalar_loops, sections, trip_count
from benchmarks.suite import oscillator, rosenbrock
from s2s_ad import grad
from s2s_ad.bench import machine, suite_report

HAVE_JAX = jax_loops.available()


def test_quick_runs_every_section_but_the_trip_count_sweep():
    quick = [s.name for s in sections.chosen(quick=True, only=None)]
    full = [s.name for s in sections.chosen(quick=False, only=None)]
    assert "trip_count" not in quick and "trip_count" in full
    assert set(quick) | {"trip_count"} == set(full) == set(sections.NAMES)
    # --only names sections (or families only: then no section runs)
    assert [s.name for s in sections.chosen(True, ["trip_count", "logistic"])] == ["trip_count"]
    assert sections.chosen(False, ["logistic"]) == []


def test_only_accepts_section_names_and_refuses_unknown_ones():
    assert run.parse_args(["--only", "dispatch,logistic"]).only == ["dispatch", "logistic"]
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "dispach"])


def test_a_failing_section_is_reported_and_the_suite_goes_on(monkeypatch):
    def broken(quick, out, progress=None):
        raise ValueError("no such thing\nsecond line")
    monkeypatch.setattr(dispatch_row, "section", broken)
    result = sections.run(sections.Section("dispatch", "dispatch_row", "Dispatch"), True, None)
    assert result["status"] == "failed: ValueError"
    assert result["markdown"] == "failed: ValueError: no such thing"
    assert "ValueError" in result["data"]["traceback"]


def test_sections_and_their_targets_reach_the_report():
    text, data = dispatch_row.section(quick=True)
    assert "| lecture f(x1, x2) |" in text
    scalar = [t for t in data["targets"] if "dispatch, ns per call" in t["what"]]
    assert len(scalar) == 2                 # the two scalar functions, not least squares
    results = {"machine": dict(machine.info(), jax="JAX 9 on cpu, float64"), "cases": [],
               "sections": [{"name": "dispatch", "title": "Dispatch", "status": "ok",
                             "markdown": text, "data": data}],
               "skipped_sections": ["trip_count"]}
    report = suite_report.markdown(results)
    assert "| JAX 9 on cpu, float64" in report.splitlines()[0]
    assert "### Targets" in report and "### Dispatch" in report and text in report
    assert report.count("| dispatch |") == len(data["targets"])
    assert "Not run in --quick: trip_count" in report
    assert "Time per call" not in report     # no cases, no case tables


def test_scalar_loop_rows_compare_plain_and_optimised_gradients():
    rows = scalar_loops.rows(rounds=1, with_jax=False)
    assert [r["name"] for r in rows] == list(scalar_loops.TARGETS)
    assert all(r["bit_for_bit"] for r in rows)
    assert "not run" in scalar_loops.table(rows)


def test_the_compiled_section_says_so_without_numba(monkeypatch):
    monkeypatch.setattr(jit_row, "numba_installed", lambda: False)
    text, data = jit_row.section(quick=True)
    assert "numba is not installed" in text and data == {"skipped": "numba not installed"}


def test_trip_count_sweep_rows_table_plot_and_budget(tmp_path, monkeypatch):
    # The cheap contenders (autograd when installed): JAX's and numba's first calls
    # take seconds.
    made = {k: v for k, v in trip_count.makers().items() if k in ("f", "python", "autograd")}
    keep = set(made)
    monkeypatch.setattr(trip_count, "makers", lambda: made)
    data = trip_count.measure([10, 20, 40], budget=1e-12, target=0.0)
    for key in data["series"]:
        first, *rest = data["series"][key]
        assert first["steps"] == 10 and first["seconds"] > 0
        assert all(p["skipped"] == "over budget" for p in rest)     # the budget stops it
    data = trip_count.measure([10, 20], budget=100.0, target=0.0)
    want = [grad(jax_loops.oscillator_steps)(trip_count.K, n) for n in (10, 20)]
    assert want[0] != want[1]
    for key in keep - {"f"}:
        assert [p.get("rel_diff", 0.0) for p in data["series"][key]] == \
            pytest.approx([0.0, 0.0], abs=1e-13)
    text = trip_count.table(data)
    assert "| 20 |" in text and "s2s_ad grad, Python backend" in text
    if importlib.util.find_spec("matplotlib"):
        assert trip_count.plot(data, tmp_path).name == "grad_time_vs_steps.png"


@pytest.mark.skipif(not HAVE_JAX, reason="jax is an optional peer")
def test_jax_runs_on_the_cpu_in_float64():
    info = jax_loops.check()
    assert info["platform"] == "cpu" and info["float64"]
    assert "on cpu, float64" in jax_loops.describe(info)


@pytest.mark.skipif(not HAVE_JAX, reason="jax is an optional peer")
@pytest.mark.parametrize("f, args, argnums, static", [
    (rosenbrock, (np.linspace(-1.0, 1.4, 12),), 0, ()),
    (oscillator, (4.0, 0.5), (0, 1), ()),
    (jax_loops.oscillator_steps, (4.0, 30), 0, (1,)),
])
def test_the_fori_loop_rewrites_are_the_same_functions(f, args, argnums, static):
    want = jax_loops.as_numpy(grad(f, argnums=argnums)(*args))
    call, call_args, _ = jax_loops.gradient("fori_loop", f, args, argnums, static)
    np.testing.assert_allclose(jax_loops.as_numpy(call(*call_args)), want, rtol=1e-12)
