"""BatchNormalization: weights (order, trainability), inference vs numpy float64 reference,
training with batch statistics and the moving-statistics update, trainable=False forcing
inference, axis handling, configs, errors. The fused ops (batch_norm_train /
batch_normalization) are used when present; the basic-ops fallback is tested as well."""
import numpy as np
import pytest

from references import layers_ref as ref

import pyfapi
from pyfapi import layers, ops

RTOL, ATOL = 1e-4, 1e-5


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _x(shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 2 + 1).astype(np.float32)


@pytest.fixture(params=["fused", "basic_ops"])
def path(request, monkeypatch):
    if request.param == "basic_ops":
        monkeypatch.setattr(ops, "batch_norm_train", None, raising=False)
        monkeypatch.setattr(ops, "batch_normalization", None, raising=False)
    elif getattr(ops, "batch_norm_train", None) is None and \
            getattr(ops, "batch_normalization", None) is None:
        pytest.skip("ops batch_norm_train / batch_normalization not merged yet "
                    "(the basic-ops path is tested)")
    return request.param


def _set_random_params(layer, dim, seed=3):
    rng = np.random.default_rng(seed)
    g, b = rng.standard_normal(dim), rng.standard_normal(dim)
    mm, mv = rng.standard_normal(dim), rng.uniform(0.5, 2.0, dim)
    layer.set_weights([a.astype(np.float32) for a in (g, b, mm, mv)])
    return g, b, mm, mv


def test_bn_weights_order_and_trainability():
    layer = layers.BatchNormalization()
    layer.build((None, 5))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    g, b, mm, mv = layer.get_weights()
    np.testing.assert_array_equal(g, np.ones(5))
    np.testing.assert_array_equal(b, np.zeros(5))
    np.testing.assert_array_equal(mm, np.zeros(5))
    np.testing.assert_array_equal(mv, np.ones(5))
    assert layer.count_params() == 20
    no_center = layers.BatchNormalization(center=False, scale=False)
    no_center.build((None, 3))
    assert [w.name for w in no_center.weights] == ["moving_mean", "moving_variance"]


@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 7), (3, 4, 5, 2), (0, 3)])
def test_bn_inference(path, shape):
    x = _x(shape)
    layer = layers.BatchNormalization()
    layer.build((None,) + shape[1:])
    g, b, mm, mv = _set_random_params(layer, shape[-1])
    before = layer.get_weights()
    for kwargs in ({}, {"training": False}):
        y = _np(layer(x, **kwargs))
        np.testing.assert_allclose(y, ref.batch_norm(x, g, b, mm, mv, 1e-3), rtol=RTOL,
                                   atol=ATOL)
    for w0, w1 in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(w0, w1)


@pytest.mark.parametrize("shape", [(5, 3), (3, 4, 5, 2), (1, 7)])
def test_bn_training_batch_stats_and_moving_update(path, shape):
    x = _x(shape, 1)
    layer = layers.BatchNormalization(momentum=0.9, epsilon=1e-2)
    layer.build((None,) + shape[1:])
    g, b, mm, mv = _set_random_params(layer, shape[-1])
    y = _np(layer(x, training=True))
    xd = x.astype(np.float64).reshape(-1, shape[-1])
    mean, var = xd.mean(0), xd.var(0)  # biased variance, as Keras 3
    np.testing.assert_allclose(y, ref.batch_norm(x, g, b, mean, var, 1e-2), rtol=RTOL, atol=1e-4)
    new = layer.get_weights()
    np.testing.assert_allclose(new[2], mm * 0.9 + mean * 0.1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new[3], mv * 0.9 + var * 0.1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new[0], g.astype(np.float32))  # gamma/beta untouched


def test_bn_moving_variables_assigned_in_place(path):
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    mm_var = layer.moving_mean
    buf = mm_var.value
    layer(_x((4, 3), 2), training=True)
    assert layer.moving_mean is mm_var and mm_var.value is buf  # Variable.assign: same buffer
    assert not np.allclose(buf, 0.0)


def test_bn_trainable_false_forces_inference(path):
    x = _x((6, 4), 3)
    layer = layers.BatchNormalization()
    layer.build((None, 4))
    g, b, mm, mv = _set_random_params(layer, 4)
    layer.trainable = False
    y = _np(layer(x, training=True))
    np.testing.assert_allclose(y, ref.batch_norm(x, g, b, mm, mv), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(layer.get_weights()[2], mm.astype(np.float32))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


@pytest.mark.parametrize("axis", [1, -2])
def test_bn_other_axis(path, axis):
    x = _x((3, 4, 5), 4)
    layer = layers.BatchNormalization(axis=axis, momentum=0.5)
    layer.build((None, 4, 5))
    assert layer.gamma.shape == (4,)
    g, b, mm, mv = _set_random_params(layer, 4)
    bs = (1, 4, 1)
    y = _np(layer(x))
    exp = (x - mm.reshape(bs)) / np.sqrt(mv.reshape(bs) + 1e-3) * g.reshape(bs) + b.reshape(bs)
    np.testing.assert_allclose(y, exp, rtol=RTOL, atol=ATOL)
    y = _np(layer(x, training=True))
    mean = x.astype(np.float64).mean((0, 2))
    var = x.astype(np.float64).var((0, 2))
    exp = (x - mean.reshape(bs)) / np.sqrt(var.reshape(bs) + 1e-3) * g.reshape(bs) \
        + b.reshape(bs)
    np.testing.assert_allclose(y, exp, rtol=RTOL, atol=1e-4)
    np.testing.assert_allclose(layer.get_weights()[2], mm * 0.5 + mean * 0.5, rtol=1e-5,
                               atol=1e-6)


def test_bn_symbolic_config_errors():
    x = pyfapi.Input(shape=(8, 8, 3))
    layer = layers.BatchNormalization(momentum=0.9)
    assert tuple(layer(x).shape) == (None, 8, 8, 3)
    config = layer.get_config()
    assert layers.BatchNormalization.from_config(config).get_config() == config
    assert config["momentum"] == 0.9 and config["epsilon"] == 1e-3 and config["axis"] == -1
    with pytest.raises(ValueError, match="bn_axis"):
        layers.BatchNormalization(axis=3, name="bn_axis")(pyfapi.Input(shape=(4,)))
    with pytest.raises(ValueError, match="must be defined"):
        layers.BatchNormalization()(pyfapi.Input(shape=(4, None)))
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        layers.BatchNormalization(epsilon=0.0)
    with pytest.raises(ValueError, match="axis"):
        layers.BatchNormalization(axis=[1, 2])
    layer.build((None, 8, 8, 3))
    with pytest.raises(ValueError, match=layer.name):
        layer(np.zeros((2, 8, 8, 4), np.float32))


def test_bn_training_gradients_wrt_inputs(path):
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    _set_random_params(layer, 3)
    from pyfapi.testing import gradcheck
    # the fused C++ kernels compute in float32: larger step and tolerances there
    tol = dict(eps=1e-3, atol=1e-3, rtol=1e-2) if path == "fused" else dict(atol=1e-5, rtol=1e-3)
    gradcheck(lambda t: layer(t, training=True), [_x((5, 3), 7).astype(np.float64)], **tol)
    gradcheck(lambda t: layer(t, training=False), [_x((5, 3), 8).astype(np.float64)], **tol)
