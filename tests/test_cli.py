"""The command line: `python -m s2s_ad demo` and `show`."""
import subprocess
import sys
import textwrap


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "s2s_ad", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_demo_reproduces_the_lecture_table():
    out = run("demo")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Forward primal trace" in text and "Reverse adjoint trace" in text
    assert "y = z5" in text and "11.6521" in text
    assert "x1_bar = x1_bar + z1_bar / x1" in text and "5.5000" in text
    assert "1.7163" in text
    assert "def lecture_trace_value_and_grad(x1, x2):" in text
    assert "relative difference" in text


def test_show_prints_the_gradient_source(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent("""\
        import math

        def f(x1, x2):
            return math.log(x1) + x1 * x2 - math.sin(x2)
    """))
    out = run("show", f"{path}:f", "--argnums", "0,1", "--args", "2.0, 5.0")
    assert out.returncode == 0, out.stderr
    assert "def f_grad(x1, x2):" in out.stdout
    assert "x2_bar = x1 - math.cos(x2)" in out.stdout
    generic = run("show", f"{path}:f", "--argnums", "1")
    assert generic.returncode == 0, generic.stderr
    assert "def f_grad(x1, x2):" in generic.stdout


def test_show_reports_translation_errors_with_their_location(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("def f(x):\n    return sum({x for _ in range(2)})\n")
    out = run("show", f"{path}:f")
    assert out.returncode != 0
    assert "bad.py" in out.stderr and "line 2" in out.stderr
    assert "set comprehensions are not supported" in out.stderr


def test_show_without_example_arguments_hints_at_them(tmp_path):
    path = tmp_path / "model.py"
    path.write_text("import numpy as np\n\ndef f(W, x):\n    return np.sum(W @ x)\n")
    out = run("show", f"{path}:f")
    assert out.returncode == 1
    assert "model.py" in out.stderr and "line 4" in out.stderr
    assert "--args" in out.stderr
    out = run("show", f"{path}:f", "--args", "np.ones((2, 3)), np.ones(3)")
    assert out.returncode == 0, out.stderr
    assert "W_bar" in out.stdout
