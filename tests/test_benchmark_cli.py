"""`python -m s2s_ad bench file.py:func` and `check`: from any folder, on a user's file."""
import json
import subprocess
import sys
import textwrap

import pytest


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "s2s_ad", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120,
                          env=_env_with_package())


def _env_with_package():
    # The subprocess runs from a temporary folder: point it at this tree's s2s_ad.
    import os
    import pathlib
    env = dict(os.environ)
    root = str(pathlib.Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np

        def loss(w, X, y):
            return np.mean((X @ w - y) ** 2) + 0.1 * np.sum(w ** 2)

        def data(d):
            rng = np.random.default_rng(1)
            return rng.standard_normal((20, d)), rng.standard_normal(20)
    """))
    return path


def test_bench_a_users_function(user_file, tmp_path):
    out = run("bench", f"{user_file}:loss", "--args", "np.ones(30), *data(30)", "--quick",
              "--no-peers", "--out", str(tmp_path / "res"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "## Benchmark of `loss` at d = 30" in out.stdout
    assert "Against central differences" in out.stdout and "central FD" in out.stdout
    data = json.loads((tmp_path / "res" / "report.json").read_text())
    assert data["result"]["crosscheck"]["agrees"]
    assert (tmp_path / "res" / "report.md").read_text().startswith("## Benchmark")
    assert ("plot:" in out.stdout) != ("plots skipped: matplotlib not installed" in out.stdout)


def test_bench_needs_example_arguments(user_file, tmp_path):
    out = run("bench", f"{user_file}:loss", cwd=tmp_path)
    assert out.returncode != 0 and "--args" in out.stderr


def test_check_a_users_function(user_file, tmp_path):
    out = run("check", f"{user_file}:loss", "--args", "np.ones(30), *data(30)", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Random directions" in text and "Taylor remainder test" in text
    assert "Dot-product test" in text and "passed: <jvp(v), u>" in text
    assert "Verdict: the gradient is right" in text


def test_check_reports_a_refused_function_with_its_location(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("def f(x):\n    return sum({v for v in x})\n")
    out = run("check", f"{path}:f", "--args", "np.ones(3)", cwd=tmp_path)
    assert out.returncode == 1
    assert "bad.py" in out.stderr and "line 2" in out.stderr
