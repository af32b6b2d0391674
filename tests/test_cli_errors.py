"""Command-line errors are one line each (no traceback), `--version`, `bench --help`."""
import subprocess
import sys

import s2s_ad


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "s2s_ad", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def assert_one_line_error(out, *fragments):
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for fragment in fragments:
        assert fragment in lines[0], out.stderr


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"s2s_ad {s2s_ad.__version__}"


def test_bench_help_lists_its_own_options():
    out = run("bench", "--help")
    assert out.returncode == 0
    for option in ("--args", "--argnums", "--out", "--quick", "--no-peers", "--only"):
        assert option in out.stdout


def test_missing_file(tmp_path):
    assert_one_line_error(run("show", f"{tmp_path}/nowhere.py:f"), "no such file")


def test_missing_function(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x * x\n")
    assert_one_line_error(run("show", f"{tmp_path}/m.py:g"), "has no function g")


def test_target_without_function(tmp_path):
    assert_one_line_error(run("show", f"{tmp_path}/m.py"), "path/to/file.py:function")


def test_file_that_fails_to_import_shows_the_users_error(tmp_path):
    (tmp_path / "m.py").write_text("import numpy as np\nSCALE = 1 / 0\n")
    assert_one_line_error(run("show", f"{tmp_path}/m.py:f"), "failed to import",
                          "ZeroDivisionError", "m.py:2")


def test_file_with_a_syntax_error(tmp_path):
    (tmp_path / "m.py").write_text("def f(x:\n    return x\n")
    assert_one_line_error(run("show", f"{tmp_path}/m.py:f"), "SyntaxError", "m.py:1")


def test_bad_example_arguments(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x * x\n")
    assert_one_line_error(run("export", f"{tmp_path}/m.py:f", "--args", "np.ones(3"),
                          "--args", "SyntaxError")
    assert_one_line_error(run("export", f"{tmp_path}/m.py:f", "--args", "undefined_name"),
                          "NameError", "undefined_name")


def test_error_raised_by_the_users_code_on_the_example(tmp_path):
    (tmp_path / "m.py").write_text(
        "import numpy as np\ndef f(x, w):\n    return np.sum(x @ w)\n")
    out = run("export", f"{tmp_path}/m.py:f", "--args", "np.ones(3), np.ones(4)")
    assert_one_line_error(out, "ValueError")


def test_export_needs_example_arguments(tmp_path):
    (tmp_path / "m.py").write_text("def f(x):\n    return x * x\n")
    assert_one_line_error(run("export", f"{tmp_path}/m.py:f"), "--args")


def test_show_without_args_names_the_variable_that_needs_a_shape(tmp_path):
    (tmp_path / "m.py").write_text(
        "import numpy as np\n\ndef f(weights, x):\n    return np.sum(weights @ x)\n")
    out = run("show", f"{tmp_path}/m.py:f")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    error, hint = out.stderr.strip().splitlines()
    assert error.startswith("error: ") and "m.py, line 4" in error
    named = hint.split("'")[1]              # the variable the compiler needed
    assert named in ("weights", "x") and f"shape of '{named}'" in error
    assert f"hint: '{named}' needs a shape" in hint and "(weights, x)" in hint
