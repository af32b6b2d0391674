"""Scripts run as users run them, `python script.py`, where the functions live in
`__main__` (whose `__builtins__` is the builtins module, not a dict: the dispatcher's
inlined fast path once crashed on it)."""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=300, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_small_gradient_in_a_script(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import numpy as np\nfrom s2s_ad import grad\n\n"
                      "g = grad(lambda t: t ** 3 + np.sin(t))\n"
                      "for _ in range(3):\n    print(g(0.5) == 0.75 + np.cos(0.5))\n")
    assert run([str(script)]).split() == ["True"] * 3


def test_the_parameter_tree_examples_agree_with_differences():
    out = run([str(ROOT / "examples" / "parameter_trees.py")])
    pairs = re.findall(r"= (-?\d+\.\d+), (?:differences|exact) (-?\d+\.\d+)", out)
    assert len(pairs) == 4, out
    for ours, reference in pairs:
        assert abs(float(ours) - float(reference)) <= 1e-7 * max(1.0, abs(float(reference)))
    first, last = map(float, re.search(r"loss (\d+\.\d+) -> (\d+\.\d+)", out).groups())
    assert last < 0.5 * first
