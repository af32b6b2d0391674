"""Shared checks for the tests/test_numpy_*.py files: gradients against central
finite differences, and the contract every returned gradient keeps."""
import numpy as np

from s2s_ad import grad
from s2s_ad.check import central_difference

SHAPES = [(), (4,), (3, 4), (2, 3, 4)]          # 0-d, 1-d, 2-d and 3-d


def random(shape, low=-1.5, high=1.5, seed=0, dtype=np.float64):
    rng = np.random.default_rng(abs(hash((shape, low, high, seed))) % 2**32)
    return np.asarray(rng.uniform(low, high, shape), dtype=dtype)


def assert_grad(f, *args, argnums=None, tol=1e-6):
    """s2s_ad's gradient of f at args agrees with central differences (norm-wise
    relative error below `tol`) for every differentiated argument, and each gradient
    is fresh: the input's type, shape and dtype, writable, sharing no memory."""
    if argnums is None:
        argnums = tuple(i for i, a in enumerate(args)
                        if isinstance(a, float) or (isinstance(a, np.ndarray)
                                                    and a.dtype.kind == "f"))
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    grads = grad(f, argnums=argnums)(*args)
    for a, b in zip(args, before):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)        # the caller's arrays untouched
    for n, ad in zip(argnums, grads):
        x = args[n]
        fd = central_difference(f, args, n)
        scale = max(np.max(np.abs(fd), initial=0.0), 1e-3)
        error = np.max(np.abs(np.asarray(ad, dtype=np.float64) - fd), initial=0.0) / scale
        assert error < tol, f"argument {n}: AD {ad!r} vs FD {fd!r} (error {error:.1e})"
        assert_fresh(ad, x, [a for a in args if isinstance(a, np.ndarray)] +
                     [g for g in grads if g is not ad])
    return grads


def assert_fresh(gradient, x, others=()):
    if isinstance(x, np.ndarray):
        assert type(gradient) is np.ndarray, type(gradient)
        assert gradient.shape == x.shape and gradient.dtype == x.dtype
        assert gradient.flags.writeable
        for other in others:
            if isinstance(other, np.ndarray):
                assert not np.shares_memory(gradient, other)
    else:
        assert type(gradient) is float


def function_of(expr, params, scope=None):
    """`def f(<params>): return <expr>`, written to a real file (s2s_ad reads source)
    and executed with NumPy and `scope` as its globals. For table-driven tests."""
    import hashlib
    import os
    import pathlib
    import tempfile
    code = f"import numpy as np\n\n\ndef f({params}):\n    return {expr}\n"
    folder = pathlib.Path(tempfile.gettempdir()) / "s2s_ad_test_cases"
    folder.mkdir(exist_ok=True)
    path = folder / f"case_{hashlib.sha1(code.encode()).hexdigest()[:12]}.py"
    if not path.exists() or path.read_text() != code:
        # Written whole, then renamed: test runs in parallel share this folder, and a
        # reader must never see a half-written file.
        part = path.with_suffix(f".{os.getpid()}.part")
        part.write_text(code)
        os.replace(part, path)
    namespace = dict(scope or {})
    exec(compile(code, str(path), "exec"), namespace)
    return namespace["f"]


def spd(shape, seed=0):
    """A symmetric positive definite matrix (or stack of them)."""
    a = random(shape, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def well_conditioned(shape, seed=1):
    """A square matrix (or stack) far from singular."""
    return random(shape, seed=seed) + 3.0 * np.eye(shape[-1])
