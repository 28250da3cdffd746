"""Pooling layers: forward vs numpy float64 references (TF 'same' rules), shapes, configs,
errors."""
import numpy as np
import pytest

from references import layers_ref as ref

import pyfapi
from pyfapi import layers



def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("cls,mode", [(layers.MaxPooling1D, "max"),
                                      (layers.AveragePooling1D, "avg")])
@pytest.mark.parametrize("t,p,s,pad", [(11, 2, None, "valid"), (7, 3, 2, "same"),
                                       (13, 5, 5, "valid"), (5, 2, 3, "same"),
                                       (4, 1, 3, "valid")])
def test_pool1d_forward(cls, mode, t, p, s, pad):
    x = _x((3, t, 2))
    layer = cls(p, strides=s, padding=pad)
    y = _np(layer(x))
    expected = ref.pool(x, p, s, pad, mode)
    assert y.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,mode", [(layers.MaxPooling2D, "max"),
                                      (layers.AveragePooling2D, "avg")])
@pytest.mark.parametrize("shape,p,s,pad", [((2, 7, 6, 3), 2, None, "valid"),
                                           ((1, 9, 8, 2), 3, 2, "same"),
                                           ((2, 5, 7, 1), (2, 3), (1, 2), "same"),
                                           ((1, 32, 32, 2), 3, 2, "valid")])
def test_pool2d_forward(cls, mode, shape, p, s, pad):
    x = _x(shape, 1)
    layer = cls(p, strides=s, padding=pad)
    y = _np(layer(x))
    expected = ref.pool(x, layer.pool_size, layer.strides, pad, mode)
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_inception_branch_c_shape():
    x = pyfapi.Input(shape=(32, 32, 256))
    assert tuple(layers.AveragePooling2D(3, strides=2)(x).shape) == (None, 15, 15, 256)


@pytest.mark.parametrize("cls,axes,fn", [
    (layers.GlobalMaxPooling1D, (1,), np.max), (layers.GlobalAveragePooling1D, (1,), np.mean),
    (layers.GlobalMaxPooling2D, (1, 2), np.max),
    (layers.GlobalAveragePooling2D, (1, 2), np.mean)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(cls, axes, fn, keepdims):
    shape = (3, 5, 2) if len(axes) == 1 else (2, 3, 7, 4)
    x = _x(shape, 2)
    layer = cls(keepdims=keepdims)
    y = _np(layer(x))
    expected = fn(x.astype(np.float64), axis=axes, keepdims=keepdims)
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_pool_defaults_and_config():
    assert layers.MaxPooling1D().pool_size == (2,) and layers.MaxPooling2D().strides == (2, 2)
    layer = layers.AveragePooling2D((3, 2), strides=1, padding="same")
    config = layer.get_config()
    assert config["pool_size"] == (3, 2) and config["strides"] == (1, 1)
    assert layers.AveragePooling2D.from_config(config).get_config() == config


def test_pool_errors():
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(0)
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling1D(2, padding="causal")
    with pytest.raises(ValueError, match="zero or negative"):
        layers.MaxPooling1D(5)(pyfapi.Input(shape=(4, 3)))
    with pytest.raises(ValueError, match=r"mp_rank.*ndim=4"):
        layers.MaxPooling2D(2, name="mp_rank")(pyfapi.Input(shape=(4, 3)))
    with pytest.raises(ValueError, match="ndim=3"):
        layers.GlobalMaxPooling1D()(pyfapi.Input(shape=(4, 3, 2)))
