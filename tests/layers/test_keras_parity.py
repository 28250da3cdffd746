"""Cross-check with real Keras 3 (skipped when Keras is not installed): weights moved with
``get_weights()`` / ``set_weights()`` give the same outputs, Keras layer configs load with
``from_config``, parameter counts agree. The numpy-reference tests in the other tests/layers/test_*
files cover the same behaviour without Keras."""
import os
import warnings

import numpy as np
import pytest


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    keras = pytest.importorskip("keras")

from pyfapi import layers as P  # noqa: E402

K = keras.layers



def _out(y):
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    return [np.asarray(v.numpy() if hasattr(v, "numpy") else v) for v in ys]


_RNG = np.random.default_rng(0)
X1 = _RNG.standard_normal((2, 11, 3)).astype(np.float32)
X2 = _RNG.standard_normal((2, 9, 8, 3)).astype(np.float32)
IDS = _RNG.integers(0, 7, (2, 5))

CASES = [
    ("Dense", lambda m: m.Dense(5, activation="gelu"), X1),
    ("Conv1D", lambda m: m.Conv1D(4, 3, padding="causal", dilation_rate=2,
                                  activation="relu"), X1),
    ("Conv2D", lambda m: m.Conv2D(4, 3, strides=2, padding="same"), X2),
    ("DepthwiseConv2D", lambda m: m.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), X2),
    ("SeparableConv2D", lambda m: m.SeparableConv2D(5, 3, depth_multiplier=2, strides=2,
                                                    padding="same"), X2),
    ("AveragePooling2D", lambda m: m.AveragePooling2D(3, strides=2, padding="same"), X2),
    ("MaxPooling1D", lambda m: m.MaxPooling1D(4, strides=3, padding="same"), X1),
    ("GlobalAveragePooling2D", lambda m: m.GlobalAveragePooling2D(), X2),
    ("LSTM", lambda m: m.LSTM(6, return_sequences=True, return_state=True,
                              go_backwards=True), X1),
    ("Embedding", lambda m: m.Embedding(7, 3), IDS),
    ("GRU", lambda m: m.GRU(5, return_sequences=True, return_state=True), X1),
    ("GRU-reset_before-backwards", lambda m: m.GRU(4, reset_after=False, go_backwards=True), X1),
    ("GRU-no-bias-hard_sigmoid", lambda m: m.GRU(3, use_bias=False,
                                                 recurrent_activation="hard_sigmoid"), X1),
    ("SimpleRNN", lambda m: m.SimpleRNN(4, return_sequences=True, return_state=True), X1),
    ("SimpleRNN-relu", lambda m: m.SimpleRNN(3, activation="relu", go_backwards=True), X1),
    ("SimpleRNN-sigmoid", lambda m: m.SimpleRNN(3, activation="sigmoid"), X1),
]


@pytest.mark.parametrize("name,make,x", CASES, ids=[c[0] for c in CASES])
def test_same_outputs_after_set_weights(name, make, x):
    kl, pl = make(K), make(P)
    ky = _out(kl(x))
    pl.build(x.shape)
    kw = kl.get_weights()
    assert [w.shape for w in kw] == [w.shape for w in pl.get_weights()]
    assert [w.path.split("/")[-1] for w in kl.weights] == [w.name for w in pl.weights]
    # non-trivial biases so their layout is checked too
    kw = [w + _RNG.standard_normal(w.shape).astype(np.float32) * 0.1 for w in kw]
    kl.set_weights(kw)
    pl.set_weights(kw)
    ky = _out(kl(x))
    for a, b in zip(ky, _out(pl(x))):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    assert kl.count_params() == pl.count_params()


def test_batchnorm_training_matches_keras():
    x = (_RNG.standard_normal((4, 5, 3)) * 2 + 1).astype(np.float32)
    kl, pl = K.BatchNormalization(momentum=0.8), P.BatchNormalization(momentum=0.8)
    kl.build(x.shape)
    pl.build(x.shape)
    w = [_RNG.standard_normal(3).astype(np.float32) for _ in range(3)]
    w.append(_RNG.uniform(1, 2, 3).astype(np.float32))
    kl.set_weights(w)
    pl.set_weights(w)
    for training in (True, False):
        np.testing.assert_allclose(_out(pl(x, training=training))[0],
                                   _out(kl(x, training=training))[0], rtol=1e-4, atol=1e-5)
        for a, b in zip(kl.get_weights(), pl.get_weights()):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


CONFIG_LAYERS = [
    lambda m: m.Dense(3, activation="relu"), lambda m: m.Conv2D(2, 3, strides=2),
    lambda m: m.Conv1D(2, 3, padding="causal"), lambda m: m.LSTM(3, return_sequences=True),
    lambda m: m.BatchNormalization(), lambda m: m.Embedding(3, 2),
    lambda m: m.SeparableConv2D(2, 3), lambda m: m.DepthwiseConv2D(3),
    lambda m: m.MaxPooling1D(), lambda m: m.AveragePooling2D(3), lambda m: m.Dropout(0.5),
    lambda m: m.GlobalMaxPooling1D(), lambda m: m.Concatenate(), lambda m: m.Add(),
    lambda m: m.Subtract(), lambda m: m.Multiply(), lambda m: m.Average(),
    lambda m: m.Flatten(), lambda m: m.Reshape((2, 3)), lambda m: m.Activation("relu"),
    lambda m: m.GRU(3, return_sequences=True, dropout=0.1, recurrent_dropout=0.2, seed=3),
    lambda m: m.GRU(2, reset_after=False, go_backwards=True, return_state=True),
    lambda m: m.SimpleRNN(4, activation="relu", stateful=True),
]


@pytest.mark.parametrize("make", CONFIG_LAYERS)
def test_keras_config_loads_and_matches(make):
    kl = make(K)
    config = kl.get_config()
    pl = getattr(P, type(kl).__name__).from_config(config)
    assert pl.get_config() == config


_MASK = np.ones((5, 6), bool)
_MASK[0, 4:] = False   # right padding
_MASK[1, :2] = False   # left padding
_MASK[2] = False       # all masked
_MASK[3, 2:4] = False  # a hole


@pytest.mark.parametrize("make", [
    lambda m: m.GRU(4, return_sequences=True, return_state=True),
    lambda m: m.GRU(4, reset_after=False, go_backwards=True, return_sequences=True),
    lambda m: m.LSTM(4, return_sequences=True, return_state=True),
    lambda m: m.SimpleRNN(4, return_sequences=True, return_state=True),
    lambda m: m.GRU(4),
])
def test_masked_rnn_matches_keras(make):
    x = _RNG.standard_normal((5, 6, 3)).astype(np.float32)
    kl, pl = make(K), make(P)
    kl.build(x.shape)
    pl.build(x.shape)
    w = [v + _RNG.standard_normal(v.shape).astype(np.float32) * 0.2 for v in kl.get_weights()]
    kl.set_weights(w)
    pl.set_weights(w)
    for a, b in zip(_out(kl(x, mask=_MASK)), _out(pl(x, mask=_MASK))):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_mask_zero_propagates_like_keras():
    """Embedding(mask_zero) -> Dense -> GRU in a functional model: same outputs and mask."""
    import pyfapi
    ids = np.array([[1, 2, 0, 0], [0, 3, 4, 5], [0, 0, 0, 0]])

    def build(m):
        inp = m.Input((4,), dtype="int32")
        e = m.layers.Embedding(6, 3, mask_zero=True)(inp)
        g = m.layers.GRU(2, return_sequences=True)(m.layers.Dense(3)(e))
        return m.Model(inp, g)
    km, pm = build(keras), build(pyfapi)
    pm.set_weights(km.get_weights())
    out = pm(ids)
    np.testing.assert_allclose(out.numpy(), np.asarray(km(ids)), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(out._keras_mask), ids != 0)


def test_masked_bidirectional_stack_matches_keras():
    """Embedding(mask_zero) -> Bidirectional(LSTM, sequences) -> Bidirectional(GRU) -> Dense."""
    import pyfapi
    ids = np.array([[1, 2, 0, 0, 0], [0, 0, 3, 4, 5], [6, 0, 7, 0, 1]])

    def build(m):
        inp = m.Input((5,), dtype="int32")
        e = m.layers.Embedding(8, 4, mask_zero=True)(inp)
        h = m.layers.Bidirectional(m.layers.LSTM(3, return_sequences=True))(e)
        h = m.layers.Bidirectional(m.layers.GRU(2))(h)
        return m.Model(inp, m.layers.Dense(1)(h))
    km, pm = build(keras), build(pyfapi)
    pm.set_weights(km.get_weights())
    np.testing.assert_allclose(pm(ids).numpy(), np.asarray(km(ids)), rtol=1e-4, atol=1e-5)
