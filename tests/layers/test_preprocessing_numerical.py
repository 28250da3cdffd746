"""Normalization, Rescaling, Discretization: numpy references, Keras docstring values, real
Keras 3 (JAX) statistics and .keras files in both directions, bad input."""
import json
import zipfile

import numpy as np
import pytest

import pyfapi
from pyfapi import layers
from keras_ref import keras_available, run_keras

RNG = np.random.default_rng(7)


def _np(y):
    return np.asarray(y.numpy() if hasattr(y, "numpy") else y)


# ---- Normalization ---------------------------------------------------------------------------
def test_normalization_keras_doc_values():
    l = layers.Normalization(axis=None)
    l.adapt(np.array([1., 2., 3., 4., 5.], "float32"))
    np.testing.assert_allclose(_np(l(np.array([1., 2., 3.], "float32"))),
                               [-1.4142135, -0.70710677, 0.], rtol=1e-6)
    a = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], "float32")
    l = layers.Normalization(axis=-1)
    l.adapt(a)
    np.testing.assert_allclose(_np(l(a[:1])), [[-1., -1., -1.]], rtol=1e-6)
    l = layers.Normalization(axis=-1, invert=True)
    l.adapt(a)
    np.testing.assert_allclose(_np(l(np.array([[1., 2., 3.]], "float32"))), [[2., 10., 8.]])
    l = layers.Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(_np(l(np.array([[1.], [2.], [3.]], "float32"))),
                               [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)


@pytest.mark.parametrize("shape,axis", [((7, 3), -1), ((5, 4, 3), (1, 2)), ((6, 2, 5), 1),
                                        ((1, 1), -1), ((11, 3), None)])
def test_normalization_matches_numpy_population_stats(shape, axis):
    x = (RNG.standard_normal(shape) * 3 + 1).astype("float32")
    l = layers.Normalization(axis=axis)
    l.adapt(x)
    keep = () if axis is None else tuple(sorted(a % len(shape) for a in np.atleast_1d(axis)))
    red = tuple(d for d in range(len(shape)) if d not in keep)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=red, keepdims=True)
    var = x64.var(axis=red, keepdims=True)  # population variance (ddof=0), as Keras
    np.testing.assert_allclose(_np(l(x)), (x64 - mean) / np.maximum(np.sqrt(var), 1e-7),
                               rtol=2e-4, atol=2e-5)
    w = {v.name: _np(v.value) for v in l.weights}
    assert set(w) == {"mean", "variance", "count"} and w["count"] == 0
    assert w["mean"].shape == tuple(shape[d] for d in keep)


def test_normalization_adapt_on_batches_equals_whole_data():
    x = (RNG.standard_normal((103, 4)) * 2 + 5).astype("float32")
    whole = layers.Normalization()
    whole.adapt(x)
    gen = layers.Normalization()
    gen.adapt(x[i:i + 10] for i in range(0, 103, 10))
    by_bs = layers.Normalization()
    by_bs.adapt(x, batch_size=17)
    pairs = layers.Normalization()
    pairs.adapt([(x[:50], None), (x[50:], None)])
    for l in (gen, by_bs, pairs):
        np.testing.assert_allclose(_np(l.adapt_mean.value), _np(whole.adapt_mean.value),
                                   rtol=1e-5)
        np.testing.assert_allclose(_np(l.adapt_variance.value), _np(whole.adapt_variance.value),
                                   rtol=1e-4)
    steps = layers.Normalization()
    steps.adapt(x, batch_size=10, steps=2)
    np.testing.assert_allclose(_np(steps.adapt_mean.value), x[:20].mean(0), rtol=1e-5)


def test_normalization_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="Normalization"):
        layers.Normalization(axis=3).build((None, 4))
    l = layers.Normalization()
    l.adapt(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match="Normalization"):
        l(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="empty iterable"):
        layers.Normalization().adapt(iter([]))
    with pytest.raises(ValueError, match="incompatible shape"):
        l.adapt([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="build"):
        layers.Normalization(axis=None).call(np.ones(3))


def test_normalization_in_model_roundtrip(tmp_path):
    x = (RNG.standard_normal((40, 5)) * 4).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    inp = pyfapi.Input((5,))
    model = pyfapi.Model(inp, layers.Dense(2)(norm(inp)))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = pyfapi.models.load_model(path)
    np.testing.assert_array_equal(_np(loaded.predict(x, verbose=0)),
                                  _np(model.predict(x, verbose=0)))
    w = tmp_path / "m.weights.h5"
    model.save_weights(w)
    fresh = pyfapi.Model.from_config(model.get_config())
    fresh.load_weights(w)
    np.testing.assert_array_equal(_np(fresh.predict(x, verbose=0)),
                                  _np(model.predict(x, verbose=0)))


# ---- Rescaling -------------------------------------------------------------------------------
def test_rescaling():
    x = RNG.integers(0, 256, (2, 3, 5, 3)).astype("uint8")
    y = _np(layers.Rescaling(1 / 127.5, offset=-1)(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, x.astype(np.float64) / 127.5 - 1, rtol=1e-6, atol=1e-6)
    per_channel = layers.Rescaling([1., 2., 3.], offset=[0., 1., 0.])
    np.testing.assert_allclose(_np(per_channel(x)), x * np.array([1, 2, 3.]) + [0, 1, 0])
    cfg = per_channel.get_config()
    assert cfg["scale"] == [1., 2., 3.] and cfg["offset"] == [0., 1., 0.]
    assert layers.Rescaling.from_config(cfg).get_config()["scale"] == [1., 2., 3.]
    with pytest.raises(ValueError, match="Rescaling"):
        layers.Rescaling([1., 2.])(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="Rescaling"):
        layers.Rescaling(2.0)(np.array([["a"]]))


# ---- Discretization --------------------------------------------------------------------------
def test_discretization_keras_doc_values():
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    l = layers.Discretization(bin_boundaries=[0., 1., 2.])
    y = _np(l(x))
    np.testing.assert_array_equal(y, [[0, 2, 3, 1], [1, 3, 2, 1]])
    assert y.dtype == np.int32
    l = layers.Discretization(num_bins=4, epsilon=0.01)
    l.adapt(x)
    np.testing.assert_array_equal(_np(l(x)), [[0, 2, 3, 2], [1, 3, 3, 1]])


def test_discretization_output_modes_numpy_reference():
    x = RNG.standard_normal((3, 5))
    b = [-0.5, 0.0, 0.7]
    idx = np.digitize(x, b)
    oh = _np(layers.Discretization(bin_boundaries=b, output_mode="one_hot")(x[:, :1]))
    np.testing.assert_array_equal(oh, np.eye(4)[idx[:, 0]])
    mh = _np(layers.Discretization(bin_boundaries=b, output_mode="multi_hot")(x))
    cnt = _np(layers.Discretization(bin_boundaries=b, output_mode="count")(x))
    for r in range(3):
        np.testing.assert_array_equal(cnt[r], np.bincount(idx[r], minlength=4))
        np.testing.assert_array_equal(mh[r], np.bincount(idx[r], minlength=4) > 0)
    assert layers.Discretization(bin_boundaries=b, output_mode="count") \
        .compute_output_shape((None, 5)) == (None, 4)


def test_discretization_errors_and_config():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="should not be set"):
        layers.Discretization(bin_boundaries=[0.], num_bins=2)
    with pytest.raises(ValueError, match="output_mode"):
        layers.Discretization(num_bins=2, output_mode="tf_idf")
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(np.ones((2, 2)))
    with pytest.raises(ValueError, match="num_bins"):
        layers.Discretization(bin_boundaries=[1.]).adapt(np.ones(3))
    l = layers.Discretization(num_bins=3)
    l.adapt(RNG.standard_normal(100))
    cfg = l.get_config()
    assert cfg["num_bins"] == 3 and len(cfg["bin_boundaries"]) == 2
    l2 = layers.Discretization.from_config(json.loads(json.dumps(cfg)))
    x = RNG.standard_normal((4, 3))
    np.testing.assert_array_equal(_np(l2(x)), _np(l(x)))


# ---- real Keras 3 (JAX), in a subprocess ---------------------------------------------------------
_keras = pytest.mark.skipif(not keras_available(), reason="real Keras 3 (JAX backend) not importable")


@_keras
def test_against_keras_statistics_quantiles_and_files(tmp_path):
    x = (RNG.standard_normal((301, 3)) * 2 + 1).astype("float32")
    np.save(tmp_path / "x.npy", x)
    run_keras("""
        import numpy as np, keras
        from keras.src.layers.preprocessing import discretization as kd
        x = np.load("x.npy")
        kn = keras.layers.Normalization(); kn.adapt(x)
        np.save("norm.npy", np.asarray(kn(x)))
        # Keras's Discretization.adapt needs TensorFlow; its quantile functions are numpy
        out = {}
        for num_bins, eps in ((4, 0.01), (7, 0.05), (1, 0.01)):
            summ = np.array([[], []], "float32")
            for part in (x[:100], x[100:]):
                summ = kd.merge_summaries(kd.summarize(part, eps), summ, eps)
            out[f"{num_bins}_{eps}"] = kd.get_bin_boundaries(summ, num_bins)
        np.savez("bins.npz", **out)
        inp = keras.Input((3,))
        m = keras.Model(inp, [kn(inp), keras.layers.Discretization([-0.5, 0., 0.5])(inp),
                              keras.layers.Rescaling(0.5, offset=1.0)(inp)])
        m.save("k.keras")
        np.savez("kpred.npz", *[np.asarray(v) for v in m.predict(x[:20], verbose=0)])
    """, cwd=tmp_path)
    pn = layers.Normalization()
    pn.adapt(x)
    np.testing.assert_allclose(_np(pn(x)), np.load(tmp_path / "norm.npy"), rtol=1e-5, atol=1e-6)
    bins = np.load(tmp_path / "bins.npz")
    for num_bins, eps in ((4, 0.01), (7, 0.05), (1, 0.01)):
        pd = layers.Discretization(num_bins=num_bins, epsilon=eps)
        pd.adapt([x[:100], x[100:]])
        np.testing.assert_allclose(pd.bin_boundaries, bins[f"{num_bins}_{eps}"].tolist())
    # a Keras-written .keras file loads in pyfapi, and pyfapi's file loads in Keras
    pmodel = pyfapi.models.load_model(tmp_path / "k.keras")
    kpred = np.load(tmp_path / "kpred.npz")
    ppred = pmodel.predict(x[:20], verbose=0)
    for i, p in enumerate(ppred):
        np.testing.assert_allclose(_np(p), kpred[f"arr_{i}"], rtol=1e-5, atol=1e-6)
    pmodel.save(tmp_path / "p.keras")
    with zipfile.ZipFile(tmp_path / "k.keras") as zk, zipfile.ZipFile(tmp_path / "p.keras") as zp:
        ck = {l["class_name"]: l["config"] for l in json.loads(zk.read("config.json"))
              ["config"]["layers"]}
        cp = {l["class_name"]: l["config"] for l in json.loads(zp.read("config.json"))
              ["config"]["layers"]}
    for cls in ("Normalization", "Discretization", "Rescaling"):
        assert set(ck[cls]) == set(cp[cls]), cls
    run_keras("""
        import numpy as np, keras
        m = keras.saving.load_model("p.keras")
        np.savez("back.npz", *[np.asarray(v) for v in m.predict(np.load("x.npy")[:20], verbose=0)])
    """, cwd=tmp_path)
    back = np.load(tmp_path / "back.npz")
    for i, p in enumerate(ppred):
        np.testing.assert_allclose(_np(p), back[f"arr_{i}"], rtol=1e-5, atol=1e-6)
