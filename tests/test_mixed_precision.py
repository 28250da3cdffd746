"""Mixed precision as Keras 3: policies, layer dtypes, bfloat16 compute in the Layer base,
float32 master weights, saving, LossScaleOptimizer, training end to end."""
import json

import numpy as np
import pytest

import pyfapi
from pyfapi import _C, layers, mixed_precision as mp
from pyfapi.kernels.precision import current_precision

BF16 = _C.active_isa() == "avx512_bf16"


def to_bf16(x):
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)


@pytest.fixture
def mixed():
    mp.set_global_policy("mixed_bfloat16")
    yield
    mp.set_global_policy("float32")


def test_policy_names_dtypes_and_errors():
    p = mp.DTypePolicy("mixed_bfloat16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_bfloat16", "bfloat16", "float32")
    assert mp.Policy is mp.DTypePolicy and repr(p) == '<DTypePolicy "mixed_bfloat16">'
    b = mp.Policy("bfloat16")
    assert (b.compute_dtype, b.variable_dtype) == ("bfloat16", "bfloat16")
    assert mp.DTypePolicy("float64").compute_dtype == "float64"
    assert mp.global_policy() == mp.DTypePolicy("float32")
    with pytest.raises(ValueError, match="Cannot convert 'foo'"):
        mp.DTypePolicy("foo")
    with pytest.raises(ValueError, match="float16"):
        mp.DTypePolicy("mixed_float16")
    with pytest.raises(TypeError, match="policy"):
        mp.set_global_policy(3)
    assert p.get_config() == {"name": "mixed_bfloat16"}
    assert mp.DTypePolicy.from_config(p.get_config()) == p


def test_global_policy_is_read_at_construction(mixed):
    assert mp.dtype_policy().name == "mixed_bfloat16"
    d = layers.Dense(4)
    mp.set_global_policy("float32")
    assert d.dtype_policy.name == "mixed_bfloat16" and layers.Dense(4).compute_dtype == "float32"


def test_layer_dtypes_and_config_round_trip(mixed):
    d = layers.Dense(5, activation="relu")
    d.build((None, 7))
    assert (d.dtype, d.compute_dtype, d.variable_dtype) == ("float32", "bfloat16", "float32")
    assert d.kernel.dtype == "float32" and d.kernel.value.dtype == np.float32
    cfg = d.get_config()
    assert cfg["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                            "config": {"name": "mixed_bfloat16"}, "registered_name": None}
    mp.set_global_policy("float32")
    again = layers.Dense.from_config(json.loads(json.dumps(cfg)))
    assert again.dtype_policy.name == "mixed_bfloat16"
    for spec in (mp.DTypePolicy("mixed_bfloat16"), "mixed_bfloat16", cfg["dtype"]):
        assert layers.Dense(3, dtype=spec).compute_dtype == "bfloat16"
    assert layers.Dense(3, dtype="float32").compute_dtype == "float32"


def test_bfloat16_layer_rounds_its_gemm_operands():
    """A mixed_bfloat16 Dense computes with bfloat16 operands (float32 accumulation); a float32
    Dense with the same weights does not; outputs and variables stay float32."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 33)).astype(np.float32)
    d16 = layers.Dense(17, dtype="mixed_bfloat16")
    d32 = layers.Dense(17)
    d16.build((None, 33))
    d32.build((None, 33))
    d32.set_weights(d16.get_weights())
    y16 = np.asarray(d16(x).value)
    y32 = np.asarray(d32(x).value)
    assert y16.dtype == np.float32 and current_precision() == "float32"
    k, b = d16.get_weights()
    ref = to_bf16(x).astype(np.float64) @ to_bf16(k).astype(np.float64) + b
    if BF16:
        np.testing.assert_allclose(y16, ref, rtol=0, atol=1e-5)
        assert np.max(np.abs(y16 - y32)) > 1e-4
    else:  # float32 fallback path
        np.testing.assert_array_equal(y16, y32)


def test_nested_float32_layer_inside_bfloat16_model(mixed):
    inp = pyfapi.Input((12,))
    h = layers.Dense(16, activation="relu")(inp)
    out = layers.Dense(3, activation="softmax", dtype="float32")(h)
    model = pyfapi.Model(inp, out)
    assert model.layers[-1].compute_dtype == "float32" and model.layers[1].compute_dtype == "bfloat16"
    x = np.random.default_rng(1).standard_normal((4, 12)).astype(np.float32)
    y = model.predict(x, verbose=0)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-6)
    # the output layer alone, float32, on the bf16 hidden activations
    hid = np.asarray(model.layers[1](x).value)
    k, b = model.layers[2].get_weights()
    z = hid.astype(np.float64) @ k + b
    ref = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(y, ref / ref.sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_gradients_reach_float32_master_weights_in_bfloat16(mixed):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 40)).astype(np.float32)
    d = layers.Dense(24)
    d.build((None, 40))
    with pyfapi.GradientTape() as tape:
        y = d(x)
        loss = pyfapi.ops.sum(y * y)
    gk, gb = tape.gradient(loss, [d.kernel, d.bias])
    assert gk.value.dtype == np.float32 and current_precision() == "float32"
    k, b = d.get_weights()
    yv = np.asarray(y.value, np.float64)
    g = 2 * yv
    # dkernel = x^T g computed with bfloat16 operands (recorded precision of the forward)
    ref = to_bf16(x).T.astype(np.float64) @ to_bf16(g.astype(np.float32)).astype(np.float64)
    tol = 1e-5 * np.abs(x).T @ np.abs(g) + 1e-6
    if BF16:
        assert np.all(np.abs(gk.value - ref) <= tol)
    # float32 sums of 16 terms of either sign: the bound scales with sum(|g|), not the result
    assert np.all(np.abs(gb.value - g.sum(0)) <= 1e-5 * np.abs(g).sum(0) + 1e-6)


def test_saving_keeps_float32_weights_and_policy(mixed, tmp_path):
    inp = pyfapi.Input((6,))
    out = layers.Dense(2)(layers.Dense(8, activation="relu")(inp))
    model = pyfapi.Model(inp, out)
    path = str(tmp_path / "m.keras")
    model.save(path)
    mp.set_global_policy("float32")
    loaded = pyfapi.models.load_model(path)
    assert loaded.layers[1].dtype_policy.name == "mixed_bfloat16"
    for w0, w1 in zip(model.get_weights(), loaded.get_weights()):
        assert w1.dtype == np.float32
        np.testing.assert_array_equal(w0, w1)


def test_loss_scale_optimizer_semantics():
    v = pyfapi.Variable(np.ones(3, np.float32))
    opt = mp.LossScaleOptimizer(pyfapi.optimizers.SGD(0.5), initial_scale=8.0,
                                dynamic_growth_steps=2)
    assert float(opt.scale_loss(pyfapi.ops.convert_to_tensor(1.0)).value) == 8.0
    opt.apply([np.full(3, 8.0, np.float32)], [v])            # unscaled gradient 1
    np.testing.assert_allclose(v.value, 0.5)
    opt.apply([np.full(3, 8.0, np.float32)], [v])            # 2 finite steps: scale doubles
    assert float(opt.dynamic_scale.value) == 16.0
    opt.apply([np.array([np.inf, 0, 0], np.float32)], [v])   # skipped, scale halves
    np.testing.assert_allclose(v.value, 0.0)
    assert float(opt.dynamic_scale.value) == 8.0
    cfg = opt.get_config()
    back = mp.LossScaleOptimizer.from_config(json.loads(json.dumps(cfg)))
    assert back.dynamic_growth_steps == 2 and isinstance(back.inner_optimizer, pyfapi.optimizers.SGD)
    with pytest.raises(ValueError, match="initial_scale"):
        mp.LossScaleOptimizer("sgd", initial_scale=0)


def test_mixed_bfloat16_training_end_to_end(mixed):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((512, 10)).astype(np.float32)
    y = (x[:, :5].sum(1) > 0).astype(np.int64)
    inp = pyfapi.Input((10,))
    h = layers.Dense(32, activation="relu")(inp)
    out = layers.Dense(2, activation="softmax", dtype="float32")(h)
    model = pyfapi.Model(inp, out)
    model.compile(mp.LossScaleOptimizer(pyfapi.optimizers.Adam(0.01)),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert hist.history["accuracy"][-1] > 0.9


def test_bfloat16_policy_stores_float32_and_computes_in_bfloat16():
    d = layers.Dense(4, dtype="bfloat16")
    x = np.random.default_rng(5).standard_normal((3, 6)).astype(np.float32)
    y = d(x)
    assert (d.dtype, d.compute_dtype) == ("bfloat16", "bfloat16")
    assert d.kernel.value.dtype == np.float32 and np.asarray(y.value).dtype == np.float32
    assert all(w.dtype == np.float32 for w in d.get_weights())
    # a plain float16 policy is still accepted (numpy float16 fallbacks)
    assert layers.Dense(2, dtype="float16").compute_dtype == "float16"
