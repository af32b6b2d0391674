"""The compiler is a list of named stages, each of which can print its result."""
import math

import pytest

from s2s_ad import grad, pipeline


def damped(x, v):
    for i in range(3):
        x, v = x + 0.1 * v, v - 0.1 * math.sin(x)
    return x


def test_the_stages_run_in_order():
    assert pipeline.STAGES == ("lower", "cse", "kinds", "aliasing", "reverse", "tape",
                               "loops", "clean", "floats", "emit")


@pytest.mark.parametrize("stage", pipeline.STAGES)
def test_each_stage_can_be_dumped(stage, monkeypatch, capsys):
    monkeypatch.setenv("S2S_AD_DUMP", stage)
    monkeypatch.delenv("S2S_AD_CHECK", raising=False)
    g = grad(damped, argnums=(0, 1))
    g(0.5, 0.2)
    dumped = capsys.readouterr().err
    assert dumped.startswith(f"--- s2s_ad {stage}: damped ---")
    assert dumped.count("--- s2s_ad") == 1
    body = dumped.split("---\n", 1)[1]
    assert body.strip()
    if stage == "lower":
        assert "for i in range(3):" in body and "math.sin(" in body
    if stage == "kinds":
        assert "x: a Python float" in body
    if stage == "tape":
        assert "block 1:" in body and "tape_push(" in body
    if stage == "emit":
        assert body.rstrip("\n") == g.source.rstrip("\n")


def test_no_dump_unless_asked(monkeypatch, capsys):
    monkeypatch.delenv("S2S_AD_DUMP", raising=False)
    grad(damped)(0.5, 0.2)
    assert capsys.readouterr().err == ""
