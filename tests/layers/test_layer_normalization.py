"""LayerNormalization: float64 numpy reference on odd shapes and axes, weights as Keras (names,
shapes, order, parameter count), config round trip, gradients through the layer, saving."""
import numpy as np
import pytest

from roundtrip import assert_round_trips

import pyfapi
from pyfapi import layers, ops
from pyfapi.autodiff import GradientTape, Tensor


def _x(shape, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 2 + 1).astype(np.float32)


def _ref(x, gamma, beta, axes, eps):
    x = x.astype(np.float64)
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    shp = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    return (x - m) / np.sqrt(v + eps) * gamma.reshape(shp) + beta.reshape(shp)


@pytest.mark.parametrize("shape,axis", [((3, 7), -1), ((2, 5, 11), -1), ((2, 5, 3), 1),
                                         ((2, 3, 4, 5), [1, 2, 3]), ((2, 3, 4), [-1, 1]),
                                         ((1, 1), -1), ((4, 257), -1)])
def test_matches_reference(shape, axis):
    x = _x(shape)
    layer = layers.LayerNormalization(axis=axis, epsilon=1e-2)
    layer.build(shape)
    axes = tuple(sorted(a % len(shape) for a in ([axis] if isinstance(axis, int) else axis)))
    # Keras: weight shape from the axes sorted as given (negative first), values used flat in
    # the input's axis order (keras.ops.layer_normalization reshapes gamma to the broadcast shape)
    raw = sorted([axis] if isinstance(axis, int) else axis)
    pshape = tuple(shape[a] for a in raw)
    assert layer.gamma.shape == pshape and layer.beta.shape == pshape
    rng = np.random.default_rng(1)
    g, b = rng.standard_normal(pshape), rng.standard_normal(pshape)
    layer.set_weights([g.astype(np.float32), b.astype(np.float32)])
    canon = tuple(shape[a] for a in axes)
    np.testing.assert_allclose(np.asarray(layer(x)),
                               _ref(x, g.reshape(canon), b.reshape(canon), axes, 1e-2),
                               rtol=1e-4, atol=1e-5)


def test_weights_params_config_as_keras():
    layer = layers.LayerNormalization()
    assert layer.get_config()["axis"] == -1
    layer.build((None, 10, 64))
    assert [w.name for w in layer.weights] == ["gamma", "beta"]
    assert layer.count_params() == 128 and layer.get_config()["axis"] == -1
    cfg = layer.get_config()
    assert cfg["epsilon"] == 1e-3 and cfg["center"] and cfg["scale"] and not cfg["rms_scaling"]
    clone = layers.LayerNormalization.from_config(cfg)
    assert clone.get_config() == cfg
    nos = layers.LayerNormalization(center=False, scale=False)
    nos.build((2, 3))
    assert nos.weights == [] and nos.count_params() == 0
    only_g = layers.LayerNormalization(center=False)
    only_g.build((2, 3))
    assert [w.name for w in only_g.weights] == ["gamma"]


def test_gradients_through_layer_match_reference():
    x = _x((4, 6), 3)
    layer = layers.LayerNormalization(epsilon=1e-3)
    layer.build(x.shape)
    dy = np.random.default_rng(2).standard_normal(x.shape)
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.multiply(layer(xt), dy.astype(np.float32)))
    gx, gg, gb = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    # central differences of the float64 reference
    eps = 1e-6
    num = np.zeros(x.shape)
    x64 = x.astype(np.float64)
    one, zero = np.ones(6), np.zeros(6)
    for i in np.ndindex(x.shape):
        xp, xm = x64.copy(), x64.copy()
        xp[i] += eps
        xm[i] -= eps
        num[i] = np.sum(dy * (_ref(xp, one, zero, (1,), 1e-3) - _ref(xm, one, zero, (1,), 1e-3))) / (2 * eps)
    np.testing.assert_allclose(np.asarray(gx), num, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(np.asarray(gb), dy.sum(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(gg), (dy * _ref(x, one, zero, (1,), 1e-3)).sum(0),
                               rtol=1e-4, atol=1e-4)


def test_errors_name_layer_and_shapes():
    layer = layers.LayerNormalization(axis=3, name="ln_bad")
    with pytest.raises(ValueError, match="ln_bad.*axis 3.*out of bounds"):
        layer(pyfapi.Input((4, 5)))
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")


def test_round_trips(tmp_path):
    x = _x((3, 5, 8))
    assert_round_trips(tmp_path, lambda: layers.LayerNormalization(epsilon=1e-4), (5, 8), [x])
