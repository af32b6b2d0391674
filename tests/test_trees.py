"""Parameter trees (JAX's pytrees): a differentiated argument that is a list, tuple,
dict or NamedTuple of numbers and arrays gets a gradient of the same structure. Each
gradient is checked against autograd running the same function (its globals' `np`
swapped for autograd.numpy) or, where autograd has no such container, against
central differences over every leaf; the caller's containers are checked unchanged."""
import copy
import types
from collections import namedtuple
from typing import NamedTuple

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from s2s_ad import TranslationError, grad, value_and_grad


def reference(f, *args, argnums=0):
    g = types.FunctionType(f.__code__, {**f.__globals__, "np": anp}, f.__name__,
                           f.__defaults__, f.__closure__)
    return autograd.grad(g, argnum=argnums)(*args)


def assert_same_tree(got, want, rtol=1e-12):
    """Same container types (a NamedTuple as the same class), same keys and order,
    leaves equal to rounding."""
    if isinstance(want, (list, tuple, dict)) or want is None:
        assert type(got) is type(want), (got, want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_same_tree(got[k], want[k], rtol)
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_same_tree(a, b, rtol)
    elif want is None:
        assert got is None
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-13)


# -- a few trees made by hand, with a central-difference reference ---------------------

def _leaf_slots(tree):
    """(getter, setter) pairs for every leaf: written here, not taken from s2s_ad."""
    if isinstance(tree, dict):
        items = list(tree.items())
    elif isinstance(tree, (list, tuple)):
        items = list(enumerate(tree))
    else:
        return [tree]
    out = []
    for _, v in items:
        out.extend(_leaf_slots(v))
    return out


def _rebuild(tree, leaves):
    if isinstance(tree, dict):
        return {k: _rebuild(v, leaves) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*[_rebuild(v, leaves) for v in tree])
    if isinstance(tree, (list, tuple)):
        return type(tree)(_rebuild(v, leaves) for v in tree)
    if tree is None:
        return None
    return leaves.pop(0)


def finite_differences(f, tree, *rest, h=1e-6):
    """The central-difference gradient of f(tree, *rest), as a tree of tree's shape."""
    leaves = [v for v in _leaf_slots(tree) if v is not None]
    grads = []
    for i, leaf in enumerate(leaves):
        flat = np.array(leaf, dtype=float).ravel()
        g = np.zeros_like(flat)
        for j in range(flat.size):
            vals = []
            for s in (h, -h):
                moved = flat.copy()
                moved[j] += s
                new = [np.array(v, dtype=float) if k != i else
                       moved.reshape(np.shape(leaf)) for k, v in enumerate(leaves)]
                new = [float(v) if np.ndim(v) == 0 and not isinstance(leaves[k], np.ndarray)
                       else v for k, v in enumerate(new)]
                vals.append(f(_rebuild(tree, list(new)), *rest))
            g[j] = (vals[0] - vals[1]) / (2 * h)
        grads.append(float(g[0]) if not isinstance(leaf, np.ndarray) else g.reshape(leaf.shape))
    return _rebuild(tree, grads)


def snapshot(tree):
    """A deep copy, and the ids of every container, to check nothing was mutated."""
    return copy.deepcopy(tree), _ids(tree)


def _ids(tree):
    if isinstance(tree, dict):
        return (id(tree), tuple((k, _ids(v)) for k, v in tree.items()))
    if isinstance(tree, (list, tuple)):
        return (id(tree), tuple(_ids(v) for v in tree))
    return id(tree)


def assert_unchanged(tree, snap):
    copied, ids = snap
    assert _ids(tree) == ids
    assert_same_tree(tree, copied, rtol=0)


# -- the programs ---------------------------------------------------------------------

def mlp(params, x):
    h = x
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.sum(h * h)


def mlp_indexed(params, x):
    h = x
    for i in range(len(params)):
        W, b = params[i]
        h = h @ W + b
        if i < len(params) - 1:
            h = np.maximum(h, 0.1 * h)
    return np.mean(h ** 2) + 0.01 * sum(np.sum(W ** 2) for W, b in params)


def mlp_enumerate(params, x):
    h = x
    for i, layer in enumerate(params):
        h = np.tanh(h @ layer[0] + layer[1])
    return np.sum(h)


def layers(rng, sizes):
    return [(rng.normal(size=(m, n)) / np.sqrt(m), rng.normal(size=n))
            for m, n in zip(sizes[:-1], sizes[1:])]


@pytest.mark.parametrize("f", [mlp, mlp_indexed, mlp_enumerate])
@pytest.mark.parametrize("sizes", [(3, 4, 2), (2, 5, 3, 1)])
def test_mlp_with_a_list_of_layer_tuples(rng, f, sizes):
    params = layers(rng, sizes)
    x = rng.normal(size=(6, sizes[0]))
    snap = snapshot(params)
    value, g = value_and_grad(f)(params, x)
    assert value == f(params, x)
    assert type(g) is list and all(type(layer) is tuple for layer in g)
    assert_same_tree(g, reference(f, params, x))
    assert_unchanged(params, snap)


def dict_model(p, x, y):
    pred = x @ p["W"] + p["b"]
    return np.mean((pred - y) ** 2) + p["decay"] * np.sum(p["W"] ** 2)


def dict_loop(p):
    total = 0.0
    for k, v in p.items():
        total = total + np.sum(np.sin(v)) * (2.0 if k == "a" else 1.0)
    for k in p:
        total = total + np.sum(p[k] ** 2)
    return total + sum(np.sum(v) for v in p.values())


def test_params_in_a_dict(rng):
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "decay": 0.1}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    snap = snapshot(p)
    g = grad(dict_model)(p, x, y)
    assert list(g) == ["W", "b", "decay"] and type(g["decay"]) is float
    assert_same_tree(g, reference(dict_model, p, x, y))
    assert_unchanged(p, snap)


def test_dict_items_keys_values_loops(rng):
    p = {"b": rng.normal(size=3), "a": rng.normal(size=(2, 2)), "c": 0.7}
    g = grad(dict_loop)(p)
    assert list(g) == ["b", "a", "c"]
    assert_same_tree(g, reference(dict_loop, p))


class State(NamedTuple):
    theta: float
    omega: float


Pair = namedtuple("Pair", "w scale")


def energy(s):
    return 0.5 * s.omega ** 2 - np.cos(s.theta) + s[0] * s[1]


def pendulum(s, dt):
    theta, omega = s
    for step in range(20):
        theta, omega = theta + dt * omega, omega - dt * np.sin(theta)
    s = s._replace(theta=theta, omega=omega)
    return energy(s) + s.theta


def test_namedtuple_state_fields_and_unpacking():
    s = State(0.4, -0.3)
    g = grad(energy)(s)
    assert type(g) is State
    assert_same_tree(g, finite_differences(energy, s), rtol=1e-7)
    g2, gdt = grad(pendulum, argnums=(0, 1))(s, 0.05)
    assert type(g2) is State
    assert_same_tree(g2, finite_differences(pendulum, s, 0.05), rtol=1e-6)
    want_dt = (pendulum(s, 0.05 + 1e-6) - pendulum(s, 0.05 - 1e-6)) / 2e-6
    assert gdt == pytest.approx(want_dt, rel=1e-6)


def nested(tree, x):
    (a, b), d = tree["pair"], tree["more"]
    first = d[0]
    total = np.sum(a * x) * b
    total = total + first.scale * np.sum(first.w ** 2)
    for w in d[1]:
        total = total + np.prod(w)
    return total + (0.0 if tree["nothing"] is None else 1.0)


def test_nested_mix_with_none_and_ints(rng):
    tree = {"pair": (rng.normal(size=3), 2),
            "more": [Pair(rng.normal(size=2), np.float64(1.5)),
                     [rng.normal(size=2), 3.0, rng.normal(size=(2, 2))]],
            "nothing": None}
    x = rng.normal(size=3)
    snap = snapshot(tree)
    g = grad(nested)(tree, x)
    assert g["nothing"] is None and type(g["more"][0]) is Pair
    assert type(g["more"][0].scale) is np.float64 and type(g["pair"][1]) is float
    assert_same_tree(g, finite_differences(nested, tree, x), rtol=1e-6)
    assert_unchanged(tree, snap)


def test_float32_leaves_keep_their_dtype(rng):
    p = [rng.normal(size=3).astype(np.float32), np.float32(2.0)]

    def f(p):
        return np.sum(p[0] * p[1])
    g = grad(f)(p)
    assert g[0].dtype == np.float32 and type(g[1]) is np.float32
    np.testing.assert_allclose(g[0], np.full(3, 2.0), rtol=1e-6)


def test_argnums_mixing_a_tree_and_an_array(rng):
    params, x = layers(rng, (3, 2)), rng.normal(size=(4, 3))
    gp, gx = grad(mlp, argnums=(0, 1))(params, x)
    assert_same_tree(gp, reference(mlp, params, x))
    np.testing.assert_allclose(gx, reference(mlp, params, x, argnums=1), rtol=1e-12)


def aux_tree(params, x):
    h = x
    outs = []
    for W, b in params:
        h = np.tanh(h @ W + b)
        outs.append(h)
    return np.sum(h), {"layers": outs, "last": (h, State(1.0, np.sum(h)))}


def test_aux_data_may_be_a_tree(rng):
    params, x = layers(rng, (3, 4, 2)), rng.normal(size=(5, 3))
    (value, aux), g = value_and_grad(aux_tree, has_aux=True)(params, x)
    want_value, want_aux = aux_tree(params, x)
    assert value == want_value
    assert type(aux["last"][1]) is State and aux["last"][1] == want_aux["last"][1]
    assert_same_tree(aux, want_aux, rtol=0)
    g2, aux2 = grad(aux_tree, has_aux=True)(params, x)
    assert_same_tree(g, g2, rtol=0)
    assert_same_tree(g, finite_differences(lambda p, x: aux_tree(p, x)[0], params, x),
                     rtol=1e-6)


def returns_params_as_aux(params, x):
    return mlp(params, x), params


def test_a_tree_argument_returned_as_aux_keeps_its_structure(rng):
    params = {"layers": layers(rng, (2, 3)), "s": State(1.0, 2.0)}

    def f(p, x):
        return np.sum(p["layers"][0][0]) * p["s"].omega, p
    g, aux = grad(f, has_aux=True)(params, rng.normal(size=2))
    assert type(aux["s"]) is State and aux["layers"][0][0] is params["layers"][0][0]
    assert g["s"] == State(0.0, float(np.sum(params["layers"][0][0])))


def test_the_cache_is_keyed_on_the_structure(rng):
    gf = grad(mlp)
    x = rng.normal(size=(4, 3))
    two, three = layers(rng, (3, 4, 2)), layers(rng, (3, 4, 4, 2))
    g2 = gf(two, x)
    g3 = gf(three, x)
    assert len(g2) == 2 and len(g3) == 3
    assert_same_tree(g2, reference(mlp, two, x))
    assert_same_tree(g3, reference(mlp, three, x))
    assert "params_2_0" in gf.source              # the last compiled: three layers
    # a tuple of the same layers is another structure; the gradient is a tuple
    g_t = gf(tuple(two), x)
    assert type(g_t) is tuple
    assert_same_tree(list(g_t), g2, rtol=0)
    # the first structure again: found, not recompiled, same numbers
    assert_same_tree(gf(two, x), g2, rtol=0)
    # a plain array where the list was: the array signature compiles on its own
    def s(params, x):
        return np.sum(params[0] * x)
    gs = grad(s)
    assert_same_tree(gs([x[0], 1.0], x[1]), [x[1], 0.0])
    np.testing.assert_allclose(gs(x[:2], x[1]), np.stack([x[1], 0 * x[1]]))


def test_dict_key_order_is_part_of_the_structure(rng):
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "decay": 0.1}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    gf = grad(dict_model)
    g1 = gf(p, x, y)
    q = {"decay": 0.1, "b": p["b"], "W": p["W"]}
    g2 = gf(q, x, y)
    assert list(g2) == ["decay", "b", "W"]
    for k in p:
        np.testing.assert_allclose(g2[k], g1[k], rtol=1e-14)


def test_leaves_that_are_not_numbers_are_refused_with_their_path():
    with pytest.raises(TypeError, match=r"params\[1\]\['name'\] is a str"):
        grad(lambda params: params[0])([1.0, {"name": "x"}])


def test_a_missing_key_or_field_is_located():
    def f(p):
        return p["w"] * 2.0
    with pytest.raises(TranslationError, match="has no key 'w'"):
        grad(f)({"W": 1.0})

    def h(s):
        return s.angle
    with pytest.raises(TranslationError, match="no field 'angle'"):
        grad(h)(State(1.0, 2.0))


def test_namedtuple_attribute_on_an_array_is_still_refused():
    def h(s):
        return s.theta
    g = grad(h)                     # decided at the first call: s may be a NamedTuple
    with pytest.raises(TranslationError, match="attribute '.theta'"):
        g(np.ones(2))
    assert g(State(3.0, 1.0)) == State(1.0, 0.0)


def layer_out(p, x):
    return np.tanh(x @ p["W"] + p["b"])


def test_vjp_takes_a_tree_primal(rng):
    from s2s_ad import vjp
    p = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    x, ct = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    out, vjp_fn = vjp(layer_out, p, x)
    gp, gx = vjp_fn(ct)

    def seeded(p, x, ct):
        return np.sum(layer_out(p, x) * ct)
    want = types.FunctionType(seeded.__code__, {**globals(), "np": anp,
                                                "layer_out": types.FunctionType(
                                                    layer_out.__code__,
                                                    {**globals(), "np": anp})})
    assert_same_tree(gp, autograd.grad(want)(p, x, ct))
    np.testing.assert_allclose(gx, autograd.grad(want, 1)(p, x, ct), rtol=1e-12)


SCALE = 2.0


def scaled(p):
    return SCALE * np.sum(p["w"] ** 2)


def test_a_rebound_global_recompiles_tree_code():
    global SCALE
    g = grad(scaled)
    np.testing.assert_array_equal(g({"w": np.ones(2)})["w"], [4.0, 4.0])
    SCALE = 5.0
    try:
        np.testing.assert_array_equal(g({"w": np.ones(2)})["w"], [10.0, 10.0])
    finally:
        SCALE = 2.0


def test_an_integer_array_leaf_is_refused_with_its_path():
    with pytest.raises(TypeError, match=r"\(p\['w'\]\) of scaled is an array of shape "
                                        r"\(2,\) and dtype int"):
        grad(scaled)({"w": np.arange(2)})


def test_export_of_a_tree_argument_is_refused_with_what_to_do(rng):
    from s2s_ad import export
    with pytest.raises(ValueError, match="export a function of the leaves"):
        export(mlp, layers(rng, (3, 2)), rng.normal(size=(2, 3)))


def test_jvp_takes_tree_primals_and_tangents(rng):
    from s2s_ad import jvp
    params, x = layers(rng, (3, 4, 2)), rng.normal(size=(5, 3))
    tangent = layers(rng, (3, 4, 2))
    value, t = jvp(mlp, (params, x), (tangent, np.zeros_like(x)))
    assert value == mlp(params, x)
    h = 1e-6
    moved = [[(W + s * tW, b + s * tb) for (W, b), (tW, tb) in zip(params, tangent)]
             for s in (h, -h)]
    want = (mlp(moved[0], x) - mlp(moved[1], x)) / (2 * h)
    assert t == pytest.approx(want, rel=1e-7)
    g = grad(mlp)(params, x)
    dot = sum(np.sum(gW * tW) + np.sum(gb * tb) for (gW, gb), (tW, tb) in zip(g, tangent))
    assert t == pytest.approx(dot, rel=1e-12)
    with pytest.raises(ValueError, match="same structure"):
        jvp(mlp, (params, x), (tangent[:1], np.zeros_like(x)))


@pytest.mark.parametrize("name", ["jacfwd", "jacrev", "hessian"])
def test_jacobians_and_hessians_refuse_trees_clearly(name):
    import s2s_ad
    with pytest.raises(ValueError, match=f"{name} takes numbers and arrays"):
        getattr(s2s_ad, name)(scaled)({"w": np.ones(2)})


def pair_function(t):
    return np.array([t[0] * t[1], t[1] ** 2])


def test_jacobians_of_a_tuple_of_numbers_read_it_as_a_vector():
    from s2s_ad import jacfwd, jacrev
    want = np.array([[2.0, 1.0], [0.0, 4.0]])
    np.testing.assert_array_equal(jacfwd(pair_function)((1.0, 2.0)), want)
    np.testing.assert_array_equal(jacrev(pair_function)((1.0, 2.0)), want)
