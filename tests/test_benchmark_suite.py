"""The project's suite (benchmarks/) runs on the package's machinery: one case
measured with tiny settings, and its tables."""
from benchmarks.measure import measure
from benchmarks.suite import build_cases
from s2s_ad.bench import Settings, machine, suite_report

TINY = Settings(repeats=2, target=0.001, fd_budget=0.002, min_fd_coords=4, compile_repeats=1)


def test_a_suite_case_is_measured_and_tabulated():
    case, = build_cases(quick=True, only=["lecture_w"])
    row = measure(case, TINY, ())
    assert row["name"] == case.name and row["family"] == "lecture_w"
    assert row["s2s_ad"]["status"] == "ok"
    assert row["errors"]["ad_vs_hand"] < 1e-13
    assert row["errors"]["central_vs_hand"] < 1e-7
    assert row["fd"]["methods"]["complex"]["status"] == "unavailable"   # math.sin
    assert row["sweep"]["reference"] == "hand"
    info = machine.info()
    text = suite_report.markdown({"machine": info, "cases": [row]})
    assert case.name in text and "Richardson FD" in text
    assert "complex step unavailable" in text
