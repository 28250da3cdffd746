"""Every layer exported by pyfapi.layers: registered for deserialization, get_config /
from_config round trip (before and after build), docstring present, Keras default name."""
import json

import numpy as np
import pytest

import pyfapi
from pyfapi import layers
from pyfapi.layers.base import get_layer_class

# (constructor, input shape used to build)
LAYERS = [
    (lambda: layers.Dense(3, activation="relu"), (None, 4)),
    (lambda: layers.Activation("tanh"), (None, 4)),
    (lambda: layers.Dropout(0.3, seed=1), (None, 4)),
    (lambda: layers.Flatten(), (None, 2, 3)),
    (lambda: layers.Reshape((3, 2)), (None, 6)),
    (lambda: layers.Embedding(9, 2), (None, 5)),
    (lambda: layers.Conv1D(2, 3, padding="causal"), (None, 7, 3)),
    (lambda: layers.Conv2D(2, (3, 1), strides=(2, 1)), (None, 7, 5, 3)),
    (lambda: layers.SeparableConv2D(4, 3, depth_multiplier=2), (None, 7, 5, 3)),
    (lambda: layers.DepthwiseConv2D(3, padding="same"), (None, 7, 5, 3)),
    (lambda: layers.MaxPooling1D(3), (None, 7, 3)),
    (lambda: layers.MaxPooling2D(2, padding="same"), (None, 7, 5, 3)),
    (lambda: layers.AveragePooling1D(2, strides=1), (None, 7, 3)),
    (lambda: layers.AveragePooling2D(3, strides=2), (None, 7, 5, 3)),
    (lambda: layers.GlobalMaxPooling1D(), (None, 7, 3)),
    (lambda: layers.GlobalMaxPooling2D(keepdims=True), (None, 7, 5, 3)),
    (lambda: layers.GlobalAveragePooling1D(), (None, 7, 3)),
    (lambda: layers.GlobalAveragePooling2D(), (None, 7, 5, 3)),
    (lambda: layers.LSTM(3, return_state=True), (None, 7, 3)),
    (lambda: layers.GRU(3, return_state=True, dropout=0.2, seed=1), (None, 7, 3)),
    (lambda: layers.SimpleRNN(2, return_sequences=True, activation="relu"), (None, 7, 3)),
    (lambda: layers.Masking(0.5), (None, 7, 3)),
    (lambda: layers.RepeatVector(4), (None, 3)),
    (lambda: layers.TimeDistributed(layers.Dense(2)), (None, 7, 3)),
    (lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="sum"),
     (None, 7, 3)),
    (lambda: layers.BatchNormalization(momentum=0.9), (None, 7, 3)),
    (lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-2), (None, 7, 3)),
    (lambda: layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de"), (None, 7, 3)),
    (lambda: layers.Attention(use_scale=True, score_mode="concat"), [(None, 4, 3), (None, 5, 3)]),
    (lambda: layers.AdditiveAttention(), [(None, 4, 3), (None, 5, 3)]),
    (lambda: layers.ReLU(max_value=6.0, negative_slope=0.1), (None, 4)),
    (lambda: layers.LeakyReLU(0.1), (None, 4)),
    (lambda: layers.PReLU(shared_axes=[1]), (None, 4, 3)),
    (lambda: layers.ELU(0.5), (None, 4)),
    (lambda: layers.Softmax(axis=(1, 2)), (None, 4, 3)),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1),
     (None, 5, 4, 2)),
    (lambda: layers.Conv1DTranspose(3, 2, strides=3), (None, 5, 2)),
    (lambda: layers.UpSampling1D(2), (None, 5, 2)),
    (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (None, 5, 4, 2)),
    (lambda: layers.UpSampling2D((3, 2), interpolation="lanczos3"), (None, 5, 4, 2)),
    (lambda: layers.ZeroPadding1D((1, 2)), (None, 5, 2)),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 3))), (None, 5, 4, 2)),
    (lambda: layers.Cropping1D((1, 2)), (None, 5, 2)),
    (lambda: layers.Cropping2D(((1, 0), (1, 2))), (None, 5, 4, 2)),
    (lambda: layers.Permute((2, 1)), (None, 5, 2)),
    (lambda: layers.Identity(), (None, 5, 2)),
    (lambda: layers.GroupNormalization(groups=2), (None, 5, 4)),
    (lambda: layers.UnitNormalization(axis=[1, 2]), (None, 5, 4)),
    (lambda: layers.GaussianNoise(0.1, seed=1), (None, 5)),
    (lambda: layers.GaussianDropout(0.2), (None, 5)),
    (lambda: layers.AlphaDropout(0.2, seed=3), (None, 5)),
    (lambda: layers.SpatialDropout1D(0.2), (None, 5, 2)),
    (lambda: layers.SpatialDropout2D(0.2), (None, 5, 4, 2)),
    (lambda: layers.ActivityRegularization(l1=0.01), (None, 5)),
    (lambda: layers.Concatenate(axis=1), [(None, 2, 3), (None, 4, 3)]),
    (lambda: layers.Add(), [(None, 3), (None, 3)]),
    (lambda: layers.Subtract(), [(None, 3), (None, 3)]),
    (lambda: layers.Dot(axes=(2, 1), normalize=True), [(None, 4, 3), (None, 3, 5)]),
    (lambda: layers.Multiply(), [(None, 3), (None, 3)]),
    (lambda: layers.Average(), [(None, 3), (None, 3)]),
    (lambda: layers.Maximum(), [(None, 3), (None, 3)]),
    (lambda: layers.Minimum(), [(None, 3), (None, 3)]),
    (lambda: layers.Lambda(pyfapi.ops.relu), (None, 4)),
    (lambda: layers.Lambda(pyfapi.ops.flatten, output_shape=(12,)), (None, 4, 3)),
]
from preprocessing_registry import PREPROCESSING_LAYERS  # noqa: E402  (issue 17)
LAYERS += PREPROCESSING_LAYERS


@pytest.mark.parametrize("make,shape", LAYERS)
def test_registered_config_roundtrip(make, shape):
    layer = make()
    cls = type(layer)
    assert get_layer_class(cls.__name__) is cls
    assert cls.__doc__ and len(cls.__doc__) > 40
    config = layer.get_config()
    json.dumps(config)  # JSON-serialisable (Keras stores configs as JSON)
    clone = get_layer_class(cls.__name__).from_config(config)
    assert clone.get_config() == config
    layer.build(shape)
    assert layer.built
    assert layer.get_config() == config  # building does not change the config
    clone.build(shape)
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
    clone.set_weights(layer.get_weights())
    out = layer.compute_output_shape(shape)
    assert out is not None


def test_every_exported_layer_class_is_covered():
    covered = {type(make()).__name__ for make, _ in LAYERS}
    exported = {name for name in layers.__all__
                if isinstance(getattr(layers, name), type)
                and issubclass(getattr(layers, name), layers.Layer)
                and getattr(layers, name).__name__ == name}
    # MultiHeadAttention builds from (query, value, key) shapes: tests/layers/test_attention.py
    assert exported - covered == {"Layer", "InputLayer", "MultiHeadAttention"}


def test_merge_helpers_symbolic():
    a, b = pyfapi.Input(shape=(3,)), pyfapi.Input(shape=(3,))
    for fn in (layers.add, layers.subtract, layers.multiply, layers.average, layers.maximum,
               layers.minimum):
        assert tuple(fn([a, b]).shape) == (None, 3)
    assert tuple(layers.concatenate([a, b]).shape) == (None, 6)


def test_aliases():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.Convolution2D is layers.Conv2D
    assert np.all([hasattr(layers, n) for n in layers.__all__])


def test_set_random_seed_makes_initialisation_reproducible():
    from pyfapi.utils import set_random_seed

    def build_all():
        out = []
        for make, shape in LAYERS:
            layer = make()
            layer.build(shape)
            out.extend(layer.get_weights())
        return out

    set_random_seed(2024)
    a = build_all()
    set_random_seed(2024)
    b = build_all()
    assert len(a) == len(b) >= 19 + 3  # grows as layers are added to LAYERS
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    set_random_seed(2025)
    c = build_all()
    assert any(not np.array_equal(x, y) for x, y in zip(a, c))
