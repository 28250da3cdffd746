"""Fused inference plan (pyfapi/models/fused_inference.py): BatchNormalization folded into the
Dense / convolution before it, relu in the epilogue; equal to the unfused model within 1e-5
relative; refolded after set_weights and after a training step; never used while training or
while a GradientTape records."""
import numpy as np
import pytest

import pyfapi
from pyfapi import layers
from pyfapi.models.fused_inference import FusedPlan


def _randomize_bn(model, rng):
    for l in model.layers:
        if isinstance(l, layers.BatchNormalization):
            n = l.gamma.shape[0]
            l.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.5, n),
                           rng.normal(0, 0.5, n), rng.uniform(0.5, 2.0, n)])


def _unfused(model, x):
    model.fused_inference = False
    try:
        return np.asarray(model(x, training=False).value)
    finally:
        model.fused_inference = True


def _close(a, b):
    scale = np.max(np.abs(b))
    assert np.max(np.abs(a - b)) <= 1e-5 * scale, np.max(np.abs(a - b)) / scale


def _conv_model():
    inp = pyfapi.Input((11, 13, 5))
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="c1")(inp)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Activation("relu", name="r1")(x)
    r = layers.Conv2D(24, 1, strides=2, padding="same", name="res")(x)
    r = layers.BatchNormalization(name="bn_res")(r)
    x = layers.SeparableConv2D(24, 3, padding="same", use_bias=False, name="sep")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.Activation("relu", name="r2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.add([x, r])
    x = layers.Conv2D(8, 3, strides=2, name="c3")(x)
    x = layers.Activation("relu", name="r3")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(12, name="d1")(x)
    x = layers.BatchNormalization(name="bn_d")(x)
    out = layers.Dense(3, activation="softmax", name="out")(x)
    return pyfapi.Model(inp, out)


def test_chains_found_and_folded_equals_unfused():
    rng = np.random.default_rng(0)
    model = _conv_model()
    _randomize_bn(model, rng)
    fused = FusedPlan(model._plan)
    assert sorted(fused.fused) == sorted(["c1+bn1+r1", "res+bn_res", "sep+bn2+r2", "c3+r3",
                                          "d1+bn_d"])
    x = rng.standard_normal((4, 11, 13, 5)).astype(np.float32)
    _close(model.predict(x, verbose=0), _unfused(model, x))
    assert len(model.__dict__["_fused_plan"][1].fused) == 5  # predict ran the fused plan
    _close(np.asarray(model(x).value), _unfused(model, x))


def test_conv1d_dense_3d_and_output_not_fused_away():
    rng = np.random.default_rng(1)
    inp = pyfapi.Input((30, 6))
    x = layers.Conv1D(10, 5, padding="causal", name="c")(inp)
    x = layers.BatchNormalization(name="bn")(x)
    h = layers.Dense(7, name="d")(x)           # Dense on a 3-D input
    y = layers.BatchNormalization(name="bn_out")(h)  # a model output: still foldable (last step)
    model = pyfapi.Model(inp, [y, x])          # x (bn output) is a model output -> c+bn fused,
    _randomize_bn(model, rng)                  # but nothing may be fused past it
    fused = FusedPlan(model._plan)
    assert sorted(fused.fused) == ["c+bn", "d+bn_out"]
    xin = rng.standard_normal((3, 30, 6)).astype(np.float32)
    a = model.predict(xin, verbose=0)
    model.fused_inference = False
    b = model.predict(xin, verbose=0)
    model.fused_inference = True
    for u, v in zip(a, b):
        _close(u, v)


def test_shared_value_is_not_fused():
    inp = pyfapi.Input((8,))
    h = layers.Dense(8, name="d")(inp)
    a = layers.BatchNormalization(name="bn")(h)
    b = layers.Activation("relu", name="r")(h)   # h has two consumers: no fusion
    model = pyfapi.Model(inp, layers.add([a, b]))
    assert FusedPlan(model._plan).fused == []


def test_refolded_after_set_weights_and_after_a_training_step():
    rng = np.random.default_rng(2)
    model = _conv_model()
    _randomize_bn(model, rng)
    x = rng.standard_normal((6, 11, 13, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 6)]
    before = model.predict(x, verbose=0)
    # set_weights on a BatchNormalization and on a kernel
    bn = model.get_layer("bn1")
    w = bn.get_weights()
    bn.set_weights([w[0] * 2, w[1] + 1, w[2], w[3]])
    c1 = model.get_layer("c1")
    c1.set_weights([c1.get_weights()[0] * 0.5])
    after = model.predict(x, verbose=0)
    assert np.max(np.abs(after - before)) > 1e-4
    _close(after, _unfused(model, x))
    # a training step changes kernels (optimizer) and moving statistics (BN in training mode)
    model.compile("sgd", "categorical_crossentropy")
    model.train_on_batch(x, y)
    trained = model.predict(x, verbose=0)
    assert np.max(np.abs(trained - after)) > 1e-6
    _close(trained, _unfused(model, x))


def test_training_and_tapes_use_the_unfused_path():
    rng = np.random.default_rng(3)
    inp = pyfapi.Input((5,))
    x = layers.Dense(4, name="d")(inp)
    out = layers.BatchNormalization(name="bn")(x)
    model = pyfapi.Model(inp, out)
    _randomize_bn(model, rng)
    xin = rng.standard_normal((16, 5)).astype(np.float32)
    d = model.get_layer("d")
    # gradients through an inference call reach the kernel (the tape sees the unfused ops)
    with pyfapi.GradientTape() as tape:
        y = model(xin, training=False)
        loss = pyfapi.ops.sum(y)
    g = tape.gradient(loss, d.kernel)
    assert g is not None and np.all(np.isfinite(g.value)) and np.any(g.value != 0)
    # training=True normalizes with batch statistics (columns of mean ~beta), not folded
    yt = np.asarray(model(xin, training=True).value)
    np.testing.assert_allclose(yt.mean(0), model.get_layer("bn").beta.value, atol=1e-4)


def test_mixed_bfloat16_fused_inference_close_to_unfused():
    from pyfapi import mixed_precision as mp

    rng = np.random.default_rng(4)
    mp.set_global_policy("mixed_bfloat16")
    try:
        model = _conv_model()
    finally:
        mp.set_global_policy("float32")
    _randomize_bn(model, rng)
    x = rng.standard_normal((2, 11, 13, 5)).astype(np.float32)
    a = model.predict(x, verbose=0)
    b = _unfused(model, x)
    # folded kernels are rounded to bfloat16 after scaling: bf16-level agreement
    assert np.max(np.abs(a - b)) <= 2e-2 * np.max(np.abs(b))
