"""Masking as Keras 3 propagates it: Masking / Embedding(mask_zero) create masks; Dense,
Activation, Dropout, merges, TimeDistributed and the RNNs carry or consume them (eager and in
functional / Sequential models); ``mask=`` / ``<arg>_mask=`` filling; symbolic masks; the
one-time warning of a layer that drops a mask; GlobalAveragePooling1D's masked mean; losses and
metrics weighted by the output mask (against real Keras on JAX when installed)."""
import warnings

import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers, ops
from pyfapi.layers.base import get_keras_mask
from pyfapi.models import Model, Sequential

RNG = np.random.default_rng(3)


def test_masking_layer_values_and_mask():
    x = RNG.standard_normal((3, 5, 2)).astype(np.float32)
    x[0, 3:] = 0.0
    x[1, :2] = 0.0
    x[2, 1, 0] = 0.0  # one feature zero only: not masked
    y = layers.Masking()(x)
    keep = np.any(x != 0, axis=-1)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), keep)
    np.testing.assert_array_equal(y.numpy(), x * keep[..., None])
    y2 = layers.Masking(mask_value=0.5)(np.full((1, 2, 2), 0.5, np.float32))
    assert not np.asarray(y2._keras_mask).any()


def test_mask_flows_through_dense_activation_dropout_and_is_consumed_by_gru():
    ids = np.array([[3, 4, 0, 0], [0, 0, 5, 6]])
    inp = Input((4,), dtype="int32")
    e = layers.Embedding(8, 3, mask_zero=True)(inp)
    assert e._keras_mask is not None and e._keras_mask.shape == (None, 4)
    h = layers.Dropout(0.5)(layers.Activation("tanh")(layers.Dense(3)(e)))
    assert h._keras_mask is not None
    gru = layers.GRU(2, return_sequences=True)
    out = gru(h)
    model = Model(inp, out)
    y = model(ids)
    np.testing.assert_array_equal(np.asarray(y._keras_mask), ids != 0)
    # the same network without the mask, run step by step on the kept steps only
    emb, dense = model.layers[1], model.layers[2]
    feats = np.tanh(dense(emb(ids)).numpy())
    for row in range(2):
        kept = feats[row][ids[row] != 0][None]
        expect = gru(kept).numpy()[0, -1]
        np.testing.assert_allclose(y.numpy()[row][ids[row] != 0][-1], expect, atol=1e-5)


def test_sequential_mask_zero_and_global_average_pooling():
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    model = Sequential([Input((4,), dtype="int32"), layers.Embedding(5, 2, mask_zero=True),
                        layers.GlobalAveragePooling1D()])
    table = model.layers[0].get_weights()[0]
    expect = np.stack([table[[1, 2]].mean(0), table[[3]].mean(0)])
    np.testing.assert_allclose(model(ids).numpy(), expect, atol=1e-6)


def test_merge_masks_are_combined():
    a = ops.convert_to_tensor(np.ones((2, 3, 1), np.float32))
    b = ops.convert_to_tensor(np.ones((2, 3, 1), np.float32))
    ma = np.array([[1, 1, 0], [1, 1, 1]], bool)
    mb = np.array([[1, 0, 0], [1, 1, 1]], bool)
    a._keras_mask, b._keras_mask = ma, mb
    np.testing.assert_array_equal(np.asarray(layers.Add()([a, b])._keras_mask), ma & mb)
    c = layers.Concatenate(axis=1)([a, b])
    np.testing.assert_array_equal(np.asarray(c._keras_mask), np.concatenate([ma, mb], 1))
    b._keras_mask = None
    np.testing.assert_array_equal(np.asarray(layers.Multiply()([a, b])._keras_mask), ma)
    with pytest.raises(ValueError, match="same length"):
        layers.Add().compute_mask([a, b], [ma])


def test_layer_without_masking_warns_once_and_drops_the_mask():
    x = ops.convert_to_tensor(np.ones((2, 3, 2), np.float32))
    x._keras_mask = np.ones((2, 3), bool)
    flat = layers.Flatten()
    with pytest.warns(UserWarning, match="does not support masking"):
        y = flat(x)
    assert get_keras_mask(y) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flat(x)  # once per layer


def test_named_mask_arguments_are_filled():
    seen = {}

    class Pair(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, query, value, query_mask=None, value_mask=None):
            seen["q"], seen["v"] = query_mask, value_mask
            return query

        def compute_output_shape(self, s):
            return s

    q = ops.convert_to_tensor(np.ones((2, 3, 1), np.float32))
    v = ops.convert_to_tensor(np.ones((2, 4, 1), np.float32))
    q._keras_mask = np.array([[1, 0, 1], [1, 1, 1]], bool)
    Pair()(q, v)
    assert seen["q"] is q._keras_mask and seen["v"] is None


def test_mask_shape_mismatch_and_time_distributed_errors():
    x = np.zeros((2, 3, 2), np.float32)
    with pytest.raises(ValueError, match=r"mask has shape \(2, 5\)"):
        layers.LSTM(2)(x, mask=np.ones((2, 5), bool))
    td = layers.TimeDistributed(layers.Dense(2), name="td")
    with pytest.raises(ValueError, match=r"td.*incompatible with the input shape \(2, 3, 2\)"):
        td(x, mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(Input((4,)))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_rnn_dropout_is_training_only_and_seeded(cls):
    x = RNG.standard_normal((4, 5, 3)).astype(np.float32)
    make = getattr(layers, cls)
    a = make(3, dropout=0.3, recurrent_dropout=0.3, seed=5)
    a.build(x.shape)
    b = make(3, dropout=0.3, recurrent_dropout=0.3, seed=5)
    b.build(x.shape)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x, training=True).numpy(), b(x, training=True).numpy())
    assert not np.allclose(a(x, training=True).numpy(), a(x).numpy())
    np.testing.assert_array_equal(a(x).numpy(), a(x, training=False).numpy())


def _keras():
    return pytest.importorskip("keras")


def test_losses_and_metrics_weighted_by_the_output_mask_as_keras():
    keras = _keras()
    ids = RNG.integers(1, 9, (16, 6))
    ids[:, 4:] = 0
    ids[:3, :2] = 0
    y = RNG.standard_normal((16, 6, 2)).astype(np.float32)
    ycls = RNG.integers(0, 3, (16, 6))

    def build(m, out):
        inp = m.Input((6,), dtype="int32")
        g = m.layers.GRU(5, return_sequences=True)(m.layers.Embedding(9, 4, mask_zero=True)(inp))
        head = (m.layers.TimeDistributed(m.layers.Dense(out)) if out == 2
                else m.layers.Dense(out, activation="softmax"))
        return m.Model(inp, head(g))
    for out, loss, yy, met in ((2, "mse", y, ["mae"]),
                               (3, "sparse_categorical_crossentropy", ycls, ["accuracy"])):
        km, pm = build(keras, out), build(pyfapi, out)
        pm.set_weights(km.get_weights())
        km.compile("sgd", loss, metrics=met)
        pm.compile("sgd", loss, metrics=met)
        kr = km.evaluate(ids, yy, verbose=0, return_dict=True)
        pr = pm.evaluate(ids, yy, verbose=0, return_dict=True)
        for k in kr:
            assert pr[k] == pytest.approx(kr[k], rel=1e-5, abs=1e-6), (k, kr, pr)


def test_masking_guide_custom_layers():
    """The Keras guide "Understanding masking & padding": a layer overriding compute_mask
    supports masking without saying so (TemporalSplit, CustomEmbedding, eager too), and a layer
    whose call needs the mask (TemporalSoftmax) builds in a functional model."""
    import warnings

    import numpy as np

    import pyfapi
    from pyfapi import layers, ops

    class TemporalSplit(layers.Layer):
        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            return None if mask is None else ops.split(mask, 2, axis=1)

    class CustomEmbedding(layers.Layer):
        def __init__(self, input_dim, output_dim, **kwargs):
            super().__init__(**kwargs)
            self.input_dim, self.output_dim = input_dim, output_dim

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim))

        def call(self, inputs):
            return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)

        def compute_mask(self, inputs, mask=None):
            return ops.not_equal(inputs, 0)

    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            m = ops.expand_dims(ops.cast(mask, "float32"), -1)
            e = ops.exp(inputs) * m
            return e / ops.sum(e, axis=1, keepdims=True)

    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "does not support masking" warning
        y = CustomEmbedding(10, 4)(x)
        np.testing.assert_array_equal(np.asarray(y._keras_mask), x != 0)
        a, b = TemporalSplit()(layers.Embedding(10, 4, mask_zero=True)(x))
    np.testing.assert_array_equal(np.asarray(a._keras_mask), (x != 0)[:, :2])
    np.testing.assert_array_equal(np.asarray(b._keras_mask), (x != 0)[:, 2:])

    inputs = pyfapi.Input((None,), dtype="int32")
    h = layers.Dense(1)(layers.Embedding(10, 8, mask_zero=True)(inputs))
    model = pyfapi.Model(inputs, TemporalSoftmax()(h))
    out = np.asarray(model(x))[..., 0]
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    assert (out[x == 0] == 0).all()
