"""The dispatcher's inline test of the first signature and the global cache of gradient
objects (api.py): both must never run code compiled for other arguments, or for
globals, closure variables, helpers or defaults that have since changed. Timings are in
benchmarks/, never here."""
import ast
import math
import sys
import types

import numpy as np
import pytest

from s2s_ad import TranslationError, api, global_cache, grad, value_and_grad
from s2s_ad.dispatch_inline import _direct_return
from s2s_ad.errors import UnboundNameError

from .test_frontend_exactness import make_closure   # c * x * x, and a setter for c

SCALE = 2.0


def scaled(x):
    return SCALE * x * x


def helper(x):
    return x * x


def uses_helper(x):
    return helper(x) + x


def logged(x):
    return math.log(x) * SCALE


def summed(x):
    return np.sum(SCALE * x * x)


# -- the dispatcher's fast path -------------------------------------------------------------

def test_first_signature_and_others_each_get_their_own_code(rng):
    g = value_and_grad(summed)
    assert g(1.5) == (4.5, 6.0)
    x = rng.normal(size=3)
    value, gradient = g(x)                          # another signature: general path
    assert np.array_equal(gradient, 4.0 * x) and value == pytest.approx(summed(x))
    assert g(3) == (18, 12)                         # an int: its own code
    assert g(1.5) == (4.5, 6.0)                     # back on the fast path
    small = x[:2].astype(np.float32)
    value, gradient = g(small)                      # same type, other shape and dtype
    assert gradient.dtype == np.float32 and np.allclose(gradient, 4.0 * small)
    assert len(g.sources) == 4


def test_an_array_first_signature_checks_shape_and_dtype(rng):
    g = grad(summed)
    x = rng.normal(size=3)
    assert np.array_equal(g(x), 4.0 * x)
    for other in (rng.normal(size=4), rng.normal(size=(3, 1)), x.astype(np.float32),
                  np.float64(0.5), 0.5):
        assert np.allclose(g(other), 4.0 * other)
        assert np.shape(g(other)) == np.shape(other)
        assert np.asarray(g(other)).dtype == np.asarray(other).dtype


def test_an_error_inside_the_gradient_is_not_taken_for_a_failed_check(monkeypatch):
    g = value_and_grad(logged)                      # the value needs math.log
    assert g(2.0)[1] == pytest.approx(SCALE / 2.0)
    revalidations = []
    original = g._s2s_revalidate
    monkeypatch.setattr(api._Dispatcher, "revalidate",
                        lambda self: revalidations.append(1) or original())
    with pytest.raises(ValueError, match="math domain error"):
        g(-1.0)                                     # math.log raises ValueError
    assert revalidations == []


def test_a_rebound_global_leaves_the_fast_path(monkeypatch):
    g = grad(scaled)
    first = g.compile(1.0)
    assert g(1.0) == 4.0
    monkeypatch.setitem(globals(), "SCALE", -1.0)
    assert g(1.0) == -2.0
    assert g.compile(1.0) is not first
    monkeypatch.setitem(globals(), "SCALE", 2.0)
    assert g(1.0) == 4.0



def _dispatcher_text(g):
    return "".join(__import__("linecache").getlines(g.__code__.co_filename))


def two_adjoints(x1, x2):
    return math.log(x1) + x1 * x2 - SCALE * math.sin(x2)


def test_the_inlined_gradient_returns_its_values_directly():
    """dispatch_inline._direct_return: the dispatcher's copy returns the adjoints'
    expressions, the gradient's own source keeps their names, and both give the same
    bits (value_and_grad's value is f's own)."""
    for transform in (grad, value_and_grad):
        g = transform(two_adjoints, argnums=(0, 1))
        fast = g(2.0, 5.0)
        assert "x1_bar =" in g.source and "x1_bar =" not in _dispatcher_text(g)
        assert fast == g.compile(2.0, 5.0)(2.0, 5.0)
    assert value_and_grad(two_adjoints, argnums=(0, 1))(2.0, 5.0)[0] == two_adjoints(2.0, 5.0)


@pytest.mark.parametrize("body, expected", [
    ("a = x + 1\nb = x * 2\nreturn a, b", "return x + 1, x * 2"),
    ("z = x * x\na = x + x\nreturn z, (a,)", "return x * x, (x + x,)"),
    ("a = x + 1\nreturn a", "return x + 1"),
    ("b = x * 2\na = x + 1\nreturn a, b", None),      # the return reads them in another order
    ("a = x + 1\nb = a * 2\nreturn a, b", "return a, a * 2"),  # a is read before it
    ("a = x + 1\nreturn a, a", None),                  # returned twice
    ("a = x + 1\nreturn a + 1", None),                 # not a return of names
    ("a = (x +\n     1)\nreturn a", None),            # a value written on two lines
])
def test_direct_return_only_where_the_same_values_come_out_in_the_same_order(body, expected):
    source = "def g(x):\n" + "".join(f"    {line}\n" for line in body.split("\n"))
    definition = ast.parse(source).body[0]
    direct = _direct_return(definition.body, source)
    assert (direct and direct[1]) == expected


def test_a_module_global_is_checked_through_the_module_and_a_deleted_one_is_an_error(tmp_path,
                                                                                     monkeypatch):
    """api._module_of: a global of an imported module is read as the module's attribute;
    deleting it makes the gradient fail as f does, not run the old code."""
    (tmp_path / "s2s_ad_deleted_global.py").write_text(
        "import math\nSCALE = 2.0\n\n\ndef f(x, y):\n    return SCALE * math.sin(x) * y\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = __import__("s2s_ad_deleted_global")
    g = grad(module.f, argnums=(0, 1))
    assert g(0.5, 3.0) == (2.0 * math.cos(0.5) * 3.0, 2.0 * math.sin(0.5))
    assert ".SCALE is" in _dispatcher_text(g)
    del module.SCALE
    with pytest.raises(NameError):
        module.f(0.5, 3.0)
    with pytest.raises(UnboundNameError, match="name 'SCALE' is not defined"):
        g(0.5, 3.0)
    monkeypatch.delitem(sys.modules, module.__name__)


def test_globals_of_no_module_or_of_a_module_with_getattr_are_read_from_the_dict():
    assert api._module_of(globals()) is sys.modules[__name__]
    assert api._module_of({"__name__": __name__}) is None       # exec'd in a dict of its own
    lazy = types.ModuleType("s2s_ad_lazy_module")
    lazy.__getattr__ = lambda name: 0.0
    sys.modules[lazy.__name__] = lazy
    try:
        assert api._module_of(vars(lazy)) is None
    finally:
        del sys.modules[lazy.__name__]


# -- the global cache ---------------------------------------------------------------------

def test_a_recreated_gradient_is_the_same_object_for_the_same_options():
    assert grad(scaled) is grad(scaled)
    assert value_and_grad(scaled) is value_and_grad(scaled)
    assert grad(scaled) is not value_and_grad(scaled)
    assert grad(scaled, argnums=(0,)) is grad(scaled, argnums=[0])
    assert grad(scaled, argnums=(0,)) is not grad(scaled)
    with pytest.raises(TranslationError, match="has_aux"):
        grad(scaled, has_aux=True)                  # not the cached has_aux=False one
    assert grad(scaled)(1.0) == 4.0
    assert grad(scaled, argnums=(0,))(1.0) == (4.0,)


def test_a_recreated_gradient_sees_a_rebound_global(monkeypatch):
    assert grad(scaled)(1.5) == 6.0
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    assert grad(scaled)(1.5) == 15.0
    monkeypatch.setitem(globals(), "SCALE", 2.0)
    assert grad(scaled)(1.5) == 6.0


def test_a_recreated_gradient_sees_a_rebound_helper(monkeypatch):
    assert grad(uses_helper)(0.5) == 2.0
    monkeypatch.setitem(globals(), "helper", math.sin)
    assert grad(uses_helper)(0.5) == pytest.approx(math.cos(0.5) + 1.0)


def test_a_recreated_gradient_sees_a_rebound_closure_variable():
    f, set_c = make_closure(1.5)
    assert grad(f)(2.0) == 6.0
    set_c(-0.5)
    assert grad(f)(2.0) == -2.0


def test_new_closure_cells_get_their_own_gradient():
    # Equal contents, but other cells: the first gradient's checks read the first
    # function's cell, so it must not answer for the second.
    f1, set_c1 = make_closure(1.5)
    f2, set_c2 = make_closure(1.5)
    assert grad(f1)(2.0) == 6.0
    assert grad(f2) is not grad(f1)
    assert grad(f2)(2.0) == 6.0
    set_c2(4.0)
    assert grad(f2)(2.0) == 16.0
    assert grad(f1)(2.0) == 6.0


def defaulted(x, a=1.0):
    return a * x * x


def test_same_code_with_other_defaults_or_code_is_not_reused():
    grad(defaulted)(1.0)
    for default in (3.0, -0.0, 0.0):
        other = types.FunctionType(defaulted.__code__, globals(), "defaulted", (default,))
        assert grad(other) is not grad(defaulted)
        assert math.copysign(1.0, grad(other)(1.0)) == math.copysign(1.0, 2.0 * default)
        assert grad(other)(1.0) == 2.0 * default
    same = types.FunctionType(defaulted.__code__, globals(), "defaulted",
                              defaulted.__defaults__)
    assert grad(same) is grad(defaulted)            # the same def: the same function


def test_reassigned_code_is_not_reused():
    def f(x):
        return x * x

    def cube(x):
        return x * x * x
    assert grad(f)(2.0) == 4.0
    f.__code__ = cube.__code__
    assert grad(f)(2.0) == 12.0


def test_changed_settings_are_not_reused(monkeypatch):
    monkeypatch.delenv("S2S_AD_CHECK", raising=False)
    plain = grad(scaled)
    monkeypatch.setenv("S2S_AD_CHECK", "1")
    assert grad(scaled) is not plain
    assert grad(scaled)(1.0) == plain(1.0)


def test_the_cache_is_bounded_and_drops_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(global_cache, "CACHE_SIZE", 3)
    made = [make_closure(float(k))[0] for k in range(5)]
    first = grad(made[0])
    for f in made[1:3]:
        grad(f)
    assert grad(made[0]) is first                   # used again: now the most recent
    for f in made[3:]:
        grad(f)
    assert len(global_cache.TRANSFORMED) == 3
    assert grad(made[0]) is first
    assert grad(made[1])(1.0) == 2.0                # dropped, compiled again
    monkeypatch.setattr(global_cache, "CACHE_SIZE", 0)
    assert grad(made[2]) is not grad(made[2])
    assert len(global_cache.TRANSFORMED) == 0


def test_objects_that_are_not_plain_functions_are_not_cached():
    class Model:
        def loss(self, x):
            return x * x
    with pytest.raises(Exception, match="bound method"):
        grad(Model().loss)
    assert len(global_cache.TRANSFORMED) == 0


def test_dispatch_row_runs(capsys):
    from benchmarks import dispatch_row
    assert dispatch_row.main(["--quick"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 4 and "lecture f(x1, x2)" in out        # header + 3 rows


def test_each_dispatcher_shows_its_own_source():
    """grad(f) and value_and_grad(f) are two dispatchers of one function: a traceback or
    a debugger reads each one's own text (they once shared a file name)."""
    g, vg = grad(two_adjoints, argnums=(0, 1)), value_and_grad(two_adjoints, argnums=(0, 1))
    g(2.0, 5.0)
    vg(2.0, 5.0)
    assert g.__code__.co_filename != vg.__code__.co_filename
    assert "math.log" not in _dispatcher_text(g) and "math.log" in _dispatcher_text(vg)
