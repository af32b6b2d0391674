"""Functions written to a file of their own from source text (s2s_ad reads source),
for tests that generate their cases: test_scale.py, test_probe_loops.py."""
import importlib.util
import itertools

_counter = itertools.count()


def load(source, tmp_path, name="f"):
    """The function `name` of `source` (NumPy and math imported), from a new file."""
    path = tmp_path / f"case_{next(_counter)}.py"
    path.write_text("import math\nimport numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def function(params, body, result):
    """`def f(params):` with the lines of `body`, returning `result`."""
    lines = [f"def f({', '.join(params)}):"] + [f"    {line}" for line in body]
    return "\n".join(lines + [f"    return {result}"]) + "\n"
