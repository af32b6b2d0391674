"""The kink report, s2s_ad.kinks(f, *args), and `python -m s2s_ad kinks`."""
import math
import subprocess
import sys
import textwrap

import numpy as np

from s2s_ad import grad, kinks


def relu(x):
    return np.maximum(x, 0.0)


def identity_by_relus(x):
    return relu(x) - relu(-x)


def test_relu_identity_at_zero_has_two_kinks():
    report = kinks(identity_by_relus, 0.0)
    assert len(report) == 2
    first = report[0]
    assert first.primitive == "numpy.maximum"
    assert first.line == relu.__code__.co_firstlineno + 1
    assert "np.maximum(x, 0.0)" in first.source
    assert first.one_sided == {"x": (0.0, 1.0)}
    assert first.clarke == {"x": (0.0, 1.0), "y": (0.0, 1.0)}
    assert first.default == {"x": 0.0}
    # the default element is what grad uses: relu'(0) = 0
    assert grad(relu)(0.0) == first.default["x"]
    text = str(report)
    assert text.startswith("2 kink(s) hit:")
    assert "d/dx in [0, 1]" in text and "default mode uses: d/dx = 0" in text


def test_no_kinks_away_from_them():
    report = kinks(identity_by_relus, 0.5)
    assert len(report) == 0 and "no kinks hit" in str(report)


def test_array_ties_list_their_elements():
    def f(x):
        return np.sum(np.maximum(x, 0.0) + np.minimum(x, 0.0))
    report = kinks(f, np.array([0.0, 1.0, 0.0, -2.0]))
    assert [k.primitive for k in report] == ["numpy.maximum", "numpy.minimum"]
    assert report[0].elements == [0, 2]
    assert report[1].one_sided == {"x": (1.0, 0.0)}
    assert "at 2 element(s): 0, 2" in str(report)


def test_loops_count_each_hit():
    def f(x):
        s = 0.0
        for i in range(3):
            s = s + abs(x) + math.fabs(x)
        return s
    report = kinks(f, 0.0)
    assert len(report) == 6
    assert {k.primitive for k in report} == {"abs", "math.fabs"}
    assert report[0].clarke == {"x": (-1.0, 1.0)} and report[0].default == {"x": 0.0}


def test_branch_where_clip_extreme_and_sort():
    def f(x, y):
        if x > y:
            s = x
        else:
            s = y
        w = np.where(x - y >= 0.0, x, y)
        v = np.array([x, y, 2.0])
        return s + w + np.clip(x, 0.0, 1.0) + np.max(v) + np.sum(np.sort(v) * v)
    report = kinks(f, 0.0, 0.0, argnums=(0, 1))
    names = [k.primitive for k in report]
    assert names == ["the comparison x > y", "the comparison x >= y", "numpy.clip",
                     "numpy.sort"]
    assert report[0].default is None and "False" in report[0].default_text
    assert report[2].one_sided == {"a": (0.0, 1.0)} and report[2].where == "a == a_min"
    # np.max of [0, 0, 2] is not tied: 2 is the only maximum
    report = kinks(f, 2.0, 2.0, argnums=(0, 1))
    assert "numpy.max" in [k.primitive for k in report]
    tied = next(k for k in report if k.primitive == "numpy.max")
    assert "3 tied entries" in tied.clarke_text and tied.default == {"a": 1.0 / 3.0}


def test_only_differentiated_arguments_count():
    def f(x, n):
        return np.maximum(x, 0.0) * max(n, 0)
    assert len(kinks(f, 1.0, 0)) == 0           # max(n, 0) on an int: no kink of f
    assert len(kinks(f, 0.0, 0)) == 1
    assert len(kinks(f, 0.0, 0.0, argnums=1)) == 1


def test_the_default_element_is_the_one_grad_uses():
    def f(y):
        return np.maximum(0.0, y) + min(y, 1.0)
    (at_zero,) = kinks(f, 0.0)            # max(0, y) tied; min(y, 1) = y, slope 1
    assert at_zero.default == {"y": 0.0} and grad(f)(0.0) == at_zero.default["y"] + 1.0
    assert at_zero.one_sided == {"y": (0.0, 1.0)}      # max(0, y): 0 below, 1 above
    assert grad(f)(-1e-3) == 1.0 and grad(f)(1e-3) == 2.0
    (at_one,) = kinks(f, 1.0)             # max(0, y) = y, slope 1; min(y, 1) tied
    assert at_one.default == {"x": 0.0} and grad(f)(1.0) == 1.0 + at_one.default["x"]


def test_max_of_two_differentiated_values_splits_by_default():
    def f(x, y):
        return max(x, y)
    (k,) = kinks(f, 1.0, 1.0, argnums=(0, 1))
    assert k.default == {"x": 0.5, "y": 0.5}
    assert grad(f, argnums=(0, 1))(1.0, 1.0) == (0.5, 0.5)
    assert "(t, 1 - t)" in k.clarke_text


def test_cli_kinks(tmp_path):
    path = tmp_path / "kinky.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np


        def f(x):
            return np.maximum(x, 0.0) - np.maximum(-x, 0.0)
        """))
    run = subprocess.run([sys.executable, "-m", "s2s_ad", "kinks", f"{path}:f",
                          "--args", "0.0", "--clarke"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "2 kink(s) hit:" in run.stdout
    assert "line 5: return np.maximum(x, 0.0) - np.maximum(-x, 0.0)" in run.stdout
    assert "default mode gradient: 0.0" in run.stdout
    assert "Clarke mode gradient:  1.0" in run.stdout
    missing = subprocess.run([sys.executable, "-m", "s2s_ad", "kinks", f"{path}:f"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "needs example arguments" in missing.stderr
