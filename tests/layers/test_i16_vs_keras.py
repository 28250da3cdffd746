"""MultiHeadAttention, EinsumDense, Attention, AdditiveAttention, LayerNormalization, the
activation layers and every Keras activation name against REAL Keras 3 on JAX (run in a child
process with KERAS_BACKEND=jax, so this process's Keras backend does not matter): same weights
(moved with set_weights) give the same outputs, including causal and explicit attention masks;
same parameter counts and weight names; Keras configs load with from_config."""
import json
import pathlib

import numpy as np
import pytest

from keras_i16_cases import ACT_X, ACTIVATION_NAMES, CASES, ENC_X, encoder_model

import pyfapi
from pyfapi import activations
from pyfapi import layers as P

HERE = pathlib.Path(__file__).parent


@pytest.fixture(scope="module")
def keras_results(run_python, tmp_path_factory):
    pytest.importorskip("jax")
    out = str(tmp_path_factory.mktemp("keras") / "res.npz")
    model = encoder_model(P, pyfapi.Input, pyfapi.Model)  # weights file for Keras to read
    rng = np.random.default_rng(5)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.save_weights(out + ".pyfapi_enc.weights.h5")
    model.save(out + ".pyfapi_enc.keras")
    pyfapi_out = model.predict(ENC_X, verbose=0)
    r = run_python(str(HERE / "keras_i16_cases.py"), out,
                   env={"KERAS_BACKEND": "jax", "PYTHONPATH": str(HERE)}, check=False)
    if r.returncode != 0:
        if "No module named 'keras'" in r.stderr:
            pytest.skip("keras is not installed")
        raise AssertionError(r.stderr[-3000:])
    with open(out + ".json") as f:
        meta = json.load(f)
    meta["_paths"] = {"out": out, "pyfapi_enc_out": pyfapi_out}
    return np.load(out), meta


def _outs(y):
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    return [np.asarray(v) for v in ys]


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_outputs_weights_params_as_keras(name, keras_results):
    res, meta = keras_results
    make, inputs, kw = CASES[name]
    m = meta[name]
    layer = make(P)
    layer(*inputs, **kw)
    assert [w.name for w in layer.weights] == m["names"]
    ws = [res[f"{name}/w{i}"] for i in range(m["n_w"])]
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in ws]
    layer.set_weights(ws)
    got = _outs(layer(*inputs, **kw))
    assert len(got) == m["n_out"]
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, res[f"{name}/out{i}"], rtol=2e-4, atol=2e-5,
                                   err_msg=f"{name} output {i}")
    assert layer.count_params() == m["params"]
    cfg = dict(m["config"])
    cfg.pop("dtype", None)
    clone = type(layer).from_config(cfg)
    for key, value in cfg.items():
        mine = clone.get_config()[key]
        mine = json.loads(json.dumps(mine))  # tuples -> lists, as the Keras config went through JSON
        if key in ("kernel_initializer", "bias_initializer", "alpha_initializer",
                   "gamma_initializer", "beta_initializer") or isinstance(value, dict):
            continue  # initializer dicts: class names compared in test_keras_parity style below
        if key == "axis" and isinstance(value, list) and not isinstance(mine, list):
            mine = [mine]
        assert mine == value, (name, key, mine, value)


@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_every_keras_activation_name(act, keras_results):
    res, _ = keras_results
    got = np.asarray(activations.get(act)(ACT_X))
    np.testing.assert_allclose(got, res[f"act/{act}"], rtol=2e-5, atol=2e-6, err_msg=act)


def test_weight_files_move_between_keras_and_pyfapi(keras_results):
    """A Keras-written .weights.h5 of an encoder block (MHA under query_dense/..., LayerNorm,
    Dense) loads into the same pyfapi model and predicts the same; Keras loads pyfapi's
    .weights.h5 and pyfapi's whole .keras archive and predicts the same."""
    res, meta = keras_results
    out = meta["_paths"]["out"]
    model = encoder_model(P, pyfapi.Input, pyfapi.Model)
    model.load_weights(out + ".keras_enc.weights.h5")
    np.testing.assert_allclose(model.predict(ENC_X, verbose=0), res["enc/keras_out"],
                               rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(res["enc/keras_on_pyfapi_weights"], meta["_paths"]["pyfapi_enc_out"],
                               rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(res["enc/keras_on_pyfapi_archive"], meta["_paths"]["pyfapi_enc_out"],
                               rtol=2e-4, atol=2e-5)


def test_keras_written_archive_with_multi_head_attention_loads(keras_results):
    """A .keras archive written by real Keras (an encoder block with a causal MultiHeadAttention)
    loads with pyfapi.models.load_model: same layers, same predictions (the fused attention path
    on pyfapi's side), and it trains."""
    res, meta = keras_results
    model = pyfapi.models.load_model(meta["_paths"]["out"] + ".keras_enc.keras")
    assert [type(lay).__name__ for lay in model.layers].count("MultiHeadAttention") == 1
    np.testing.assert_allclose(model.predict(ENC_X, verbose=0), res["enc/keras_out"],
                               rtol=2e-4, atol=2e-5)
    model.compile(optimizer="adam", loss="mse")
    loss = model.train_on_batch(ENC_X, np.zeros_like(ENC_X))
    assert np.isfinite(loss)
