"""Gradients over dask arrays, locally and on a two-process dask.distributed cluster:
the same numbers as NumPy's, a computed value, and gradients of their parameters'
types."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from s2s_ad import TranslationError, grad, value_and_grad  # noqa: E402


def logistic(w, X, y):
    return np.sum(np.logaddexp(0.0, -y * (X @ w))) / X.shape[0]


def ridge(w, X, y, lam):
    r = X @ w - y
    return np.sum(r * r) + lam * np.sum(w * w)


def data(rng, n=120, d=4):
    X = rng.normal(size=(n, d))
    y = np.sign(rng.normal(size=n))
    return rng.normal(size=d), X, y


def chunked(a, rows=30):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


@pytest.mark.parametrize("fun, extra", [(logistic, ()), (ridge, (0.3,))],
                         ids=["logistic", "ridge"])
def test_numpy_parameter_with_dask_data(rng, fun, extra):
    w, X, y = data(rng)
    value, g = value_and_grad(fun)(w, chunked(X), chunked(y), *extra)
    want_value, want_g = value_and_grad(fun)(w, X, y, *extra)
    assert type(value) is type(want_value) and type(g) is np.ndarray
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-12, atol=1e-14)


def test_dask_parameter_gets_a_dask_gradient(rng):
    w, X, y = data(rng)
    g = grad(ridge)(da.from_array(w), chunked(X), chunked(y), 0.3)
    assert isinstance(g, da.Array) and g.shape == w.shape
    np.testing.assert_allclose(g.compute(), grad(ridge)(w, X, y, 0.3), rtol=1e-12)


def test_gradient_with_respect_to_data_and_a_float(rng):
    w, X, y = data(rng)
    gX, glam = grad(ridge, argnums=(1, 3))(w, chunked(X), y, 0.3)
    want_X, want_lam = grad(ridge, argnums=(1, 3))(w, X, y, 0.3)
    assert isinstance(gX, da.Array) and type(glam) is float
    np.testing.assert_allclose(gX.compute(), want_X, rtol=1e-12)
    assert glam == pytest.approx(want_lam, rel=1e-12)


def test_signature_keys_on_shape_and_type(rng):
    w, X, y = data(rng)
    g = grad(logistic)
    g(w, chunked(X), chunked(y))
    g(w, chunked(X[:60]), chunked(y[:60]))
    g(w, X, y)
    assert len(g.sources) == 3
    np.testing.assert_allclose(g(w, chunked(X[:60]), chunked(y[:60])),
                               grad(logistic)(w, X[:60], y[:60]), rtol=1e-12)


ROWS = np.array([0, 0, 1])


def repeated_rows(w, X):
    picked = X[ROWS]
    return np.sum(picked @ w)


def test_scatter_add_adjoint_is_refused_at_the_users_line(rng):
    w, X, _ = data(rng)
    with pytest.raises(TranslationError) as info:
        grad(repeated_rows, argnums=1)(w, chunked(X))
    assert info.value.lineno == repeated_rows.__code__.co_firstlineno + 1
    assert "np.add.at" in str(info.value)
    # ... and the NumPy version of the same call is fine.
    assert grad(repeated_rows, argnums=1)(w, X).shape == X.shape


def test_unknown_shape_is_refused_with_the_parameters_name(rng):
    w, X, y = data(rng)
    Xd = chunked(X)
    masked = Xd[Xd[:, 0] > 0]                 # dask does not know how many rows
    with pytest.raises(ValueError, match="shape of 'X'.*compute_chunk_sizes"):
        grad(ridge)(w, masked, y[:1], 0.3)


def test_numpy_subclasses_are_not_dispatched():
    from s2s_ad.kinds import is_other_array
    with pytest.warns(PendingDeprecationWarning):
        matrix = np.matrix([[1.0]])
    assert not is_other_array(matrix)
    assert not is_other_array(np.ma.masked_array([1.0]))
    assert is_other_array(da.ones(3))


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       death_timeout=20)
    client = distributed.Client(cluster, timeout="20s")
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("fun, extra", [(logistic, ()), (ridge, (0.3,))],
                         ids=["logistic", "ridge"])
def test_on_a_local_cluster(rng, cluster_client, fun, extra):
    w, X, y = data(rng, n=400)
    Xd, yd = chunked(X, 100), chunked(y, 100)
    value, g = value_and_grad(fun)(w, Xd, yd, *extra)
    want_value, want_g = value_and_grad(fun)(w, X, y, *extra)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-12, atol=1e-14)
    workers = cluster_client.run(lambda: 1)
    assert len(workers) == 2
