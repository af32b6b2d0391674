"""`export`: the exported module runs in a process where s2s_ad cannot be imported and
gives the gradient `grad` gives."""
import pathlib
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import s2s_ad
from s2s_ad import export, grad, value_and_grad
from s2s_ad.errors import TranslationError

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Runs `name` from the module at argv[1] on the pickled arguments at argv[2], with
# s2s_ad made unimportable (the -I flag also drops PYTHONPATH and the current folder).
DRIVER = textwrap.dedent("""
    import importlib.util, pickle, sys
    sys.modules["s2s_ad"] = None
    try:
        import s2s_ad
    except ImportError:
        pass
    else:
        sys.exit("s2s_ad is importable")
    module_path, args_path, out_path, name = sys.argv[1:]
    spec = importlib.util.spec_from_file_location("exported", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(args_path, "rb") as f:
        args = pickle.load(f)
    with open(out_path, "wb") as f:
        pickle.dump(getattr(module, name)(*args), f)
""")


def run_exported(tmp_path, source, name, args):
    (tmp_path / "exported.py").write_text(source)
    (tmp_path / "driver.py").write_text(DRIVER)
    with open(tmp_path / "args.pkl", "wb") as f:
        pickle.dump(args, f)
    done = subprocess.run([sys.executable, "-I", str(tmp_path / "driver.py"),
                           str(tmp_path / "exported.py"), str(tmp_path / "args.pkl"),
                           str(tmp_path / "out.pkl"), name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out.pkl", "rb") as f:
        return pickle.load(f)


WEIGHTS = np.array([0.5, -1.0, 2.0])
SCALE = 0.25


def straight_line(x, y):
    z = np.sin(x) * WEIGHTS + y * x
    return SCALE * np.sum(z * z) + np.tanh(y)


def element_writes(x, n):
    out = np.zeros(n)
    s = 0.0
    for i in range(n):
        out[i] = x[i] * x[(i + 1) % n]
        s = s + out[i] * out[i]
    return s


PICK = np.array([0, 0, 2, 1])


def array_code(a, b):
    parts = []
    for k in range(3):
        parts.append(a[k] * b)
    stacked = np.stack(parts)
    return np.sum(np.prod(a, axis=0) * b) + np.sum(a[PICK] ** 2) + np.sum(stacked)


def assert_same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w)
        return
    assert type(got) is type(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


CASES = [
    (straight_line, (np.array([0.3, -1.2, 2.0]), 0.7), (0, 1), "grad"),
    (element_writes, (np.array([0.3, -1.2, 2.0, 0.5]), 4), 0, "value_and_grad"),
    (array_code, (np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0], [2.0, 1.5, -0.5]]),
                  np.array([0.1, 0.2, 0.3])), (0, 1), "grad"),
]


@pytest.mark.parametrize("fun, args, argnums, mode", CASES,
                         ids=[c[0].__name__ for c in CASES])
def test_exported_module_runs_without_s2s_ad(tmp_path, fun, args, argnums, mode):
    source = export(fun, *args, argnums=argnums, mode=mode)
    assert "s2s_ad" not in "".join(l for l in source.splitlines(True)
                                   if l.startswith(("import", "from")))
    transform = value_and_grad if mode == "value_and_grad" else grad
    name = f"{fun.__name__}_{mode}"
    assert f"def {name}(" in source
    got = run_exported(tmp_path, source, name, args)
    assert_same(got, transform(fun, argnums=argnums)(*args))


def test_tape_debug_mode_exports_its_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    monkeypatch.setenv("S2S_AD_OPTIMISE", "0")      # a tape (scalar_loops.py may drop it)
    fun, args, argnums, mode = CASES[1]
    source = export(fun, *args, argnums=argnums, mode=mode)
    assert "def tape_check(" in source and "class TapeError(" in source
    got = run_exported(tmp_path, source, f"{fun.__name__}_{mode}", args)
    assert_same(got, value_and_grad(fun)(*args))


def test_runtime_helpers_are_inlined():
    source = export(array_code, *CASES[2][1], argnums=(0, 1))
    assert "def product_of_others(" in source and "def add_joined(" in source
    assert "def _parts(" in source            # what an inlined helper itself calls


def test_header_names_source_signature_inputs_and_version():
    source = export(straight_line, np.ones(3), 2.0, argnums=1, mode="value_and_grad")
    header = source[:source.index("import")]
    assert f"{__file__}:" in header and "straight_line" in header
    assert "x: an array of shape (3,) and dtype float64" in header
    assert "y: a Python float" in header
    assert "Active inputs: y" in header
    assert s2s_ad.__version__ in header
    assert "straight_line_value_and_grad" in header


def test_exported_name_matches_source():
    g = grad(straight_line)
    g.compile(np.ones(3), 1.0)
    text = export(g, np.ones(3), 1.0)
    assert text.endswith(g.source)


BIG = np.random.default_rng(0).normal(size=40)
LIMITS = (-np.inf, 2.0)


def uses_big_array(x):
    return np.sum(x * BIG) + np.sum(np.clip(x, LIMITS[0], LIMITS[1]))


def test_globals_become_exact_literals(tmp_path):
    x = np.linspace(0.0, 3.0, 40)
    source = export(uses_big_array, x)
    got = run_exported(tmp_path, source, "uses_big_array_grad", (x,))
    assert np.array_equal(got, grad(uses_big_array)(x))      # bit for bit


def test_unexportable_value_is_refused_with_its_name():
    from s2s_ad.export import _ModuleWriter
    g = grad(straight_line)
    writer = _ModuleWriter(g._s2s_compiler.parsed)

    class Opaque:
        pass

    with pytest.raises(TranslationError) as info:
        writer.bind("settings", Opaque(), None)
    assert "`settings`" in str(info.value)
    assert info.value.filename == __file__
    assert info.value.lineno == straight_line.__code__.co_firstlineno


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        export(straight_line, np.ones(3), 1.0, mode="hessian")
    with pytest.raises(ValueError, match="made by value_and_grad"):
        export(value_and_grad(straight_line), np.ones(3), 1.0, mode="grad")
    text = export(value_and_grad(straight_line), np.ones(3), 1.0)
    assert "def straight_line_value_and_grad(" in text


def test_cli_export_writes_a_runnable_module(tmp_path):
    user = tmp_path / "model.py"
    user.write_text(textwrap.dedent("""
        import numpy as np
        def loss(w, x):
            return np.sum(np.tanh(x @ w) ** 2)
    """))
    out = tmp_path / "loss_grad.py"
    done = subprocess.run([sys.executable, "-m", "s2s_ad", "export", f"{user}:loss",
                           "--args", "np.ones(3), np.eye(3)", "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    w, x = np.array([0.1, 0.2, -0.3]), np.arange(9.0).reshape(3, 3) / 10
    got = run_exported(tmp_path, out.read_text(), "loss_grad", (w, x))
    want = 2 * x.T @ (np.tanh(x @ w) * (1 - np.tanh(x @ w) ** 2))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def user_helper(v):
    return v * SCALE + len(PICK)


def test_user_helpers_are_inlined_with_what_they_read(tmp_path):
    from s2s_ad.export import _ModuleWriter
    writer = _ModuleWriter(grad(straight_line)._s2s_compiler.parsed)
    writer.bind("helper", user_helper, None)
    text = writer.text()
    assert "def helper(v):" in text and "SCALE = 0.25" in text and "PICK = " in text
    scope = {}
    exec(text, scope)
    assert scope["helper"](2.0) == user_helper(2.0)


user_lambda = lambda v: v + 1      # noqa: E731  (a lambda has no def to inline)


def test_a_function_without_a_def_is_imported_by_module_path():
    from s2s_ad.export import _ModuleWriter
    writer = _ModuleWriter(grad(straight_line)._s2s_compiler.parsed)
    writer.bind("plus_one", user_lambda, None)
    assert "from tests.test_export import user_lambda as plus_one" in writer.text()


def first_n(x, n):
    # the slice's shape follows n: the compiled code is only right for that value
    return np.sum(x[:n] ** 2)


def test_header_states_the_int_values_shapes_follow(tmp_path):
    x = np.array([0.5, -1.0, 2.0, 1.5])
    for n in (2, 3):
        source = export(first_n, x, n)
        header = source[:source.index("import")]
        assert f"n: a Python int, and only n = {n} (shapes follow its value" in header
        got = run_exported(tmp_path, source, "first_n_grad", (x, n))
        assert_same(got, grad(first_n)(x, n))
    assert "only" not in export(straight_line, np.ones(3), 2.0)[:200]
