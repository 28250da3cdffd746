"""LSTM: forward vs the numpy float64 reference (gate order i, f, c, o), weight layouts,
initializers (orthogonal recurrent kernel, unit_forget_bias), shapes, parameter counts of the
notebook's models, configs and errors. Both the fused ``ops.lstm`` path (when the op exists) and
the per-step fallback are exercised."""
import numpy as np
import pytest

from references import layers_ref as ref

import pyfapi
from pyfapi import layers, ops
from pyfapi.utils import set_random_seed

RTOL, ATOL = 2e-5, 2e-5


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.fixture(params=["fused", "loop"])
def path(request, monkeypatch):
    if request.param == "loop":
        monkeypatch.setattr(ops, "lstm", None, raising=False)
    elif getattr(ops, "lstm", None) is None:
        pytest.skip("op lstm not merged yet (the per-step loop path is tested)")
    return request.param


def _randomize(layer, seed=1):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5
                       for w in layer.get_weights()])


@pytest.mark.parametrize("n,t,d,u", [(1, 1, 1, 1), (3, 5, 4, 7), (2, 11, 3, 2), (0, 3, 2, 3)])
def test_lstm_forward_sequences_and_state(path, n, t, d, u):
    x = _x((n, t, d))
    layer = layers.LSTM(u, return_sequences=True, return_state=True)
    layer.build((None, t, d))
    _randomize(layer)
    k, r, b = layer.get_weights()
    seq, h, c = layer(x)
    eseq, eh, ec = ref.lstm(x, k, r, b)
    np.testing.assert_allclose(_np(seq), eseq, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_np(h), eh, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_np(c), ec, rtol=RTOL, atol=ATOL)


def test_lstm_last_output_initial_state_go_backwards(path):
    x = _x((2, 6, 3), 4)
    h0, c0 = _x((2, 5), 5), _x((2, 5), 6)
    for backwards in (False, True):
        layer = layers.LSTM(5, go_backwards=backwards)
        layer.build((None, 6, 3))
        _randomize(layer, 2)
        k, r, b = layer.get_weights()
        out = layer(x, initial_state=[h0, c0])
        _, eh, _ = ref.lstm(x, k, r, b, h0, c0, go_backwards=backwards)
        np.testing.assert_allclose(_np(out), eh, rtol=RTOL, atol=ATOL)


def test_lstm_go_backwards_sequence_order(path):
    x = _x((2, 4, 3), 7)
    layer = layers.LSTM(2, go_backwards=True, return_sequences=True)
    layer.build((None, 4, 3))
    _randomize(layer, 3)
    eseq, _, _ = ref.lstm(x, *layer.get_weights(), go_backwards=True)
    np.testing.assert_allclose(_np(layer(x)), eseq, rtol=RTOL, atol=ATOL)


def test_lstm_custom_activations():
    x = _x((2, 3, 2), 8)
    layer = layers.LSTM(3, activation="relu", recurrent_activation="hard_sigmoid",
                        use_bias=False, return_sequences=True)
    layer.build((None, 3, 2))
    _randomize(layer, 4)
    k, r = layer.get_weights()
    hs = lambda z: np.clip((z + 3) / 6, 0, 1)  # noqa: E731 (Keras 3 hard_sigmoid)
    h, c, outs = np.zeros((2, 3)), np.zeros((2, 3)), []
    for s in range(3):
        z = x[:, s] @ k + h @ r
        i, f, g, o = np.split(z, 4, axis=1)
        c = hs(f) * c + hs(i) * np.maximum(g, 0)
        h = hs(o) * np.maximum(c, 0)
        outs.append(h)
    np.testing.assert_allclose(_np(layer(x)), np.stack(outs, 1), rtol=RTOL, atol=ATOL)


def test_lstm_weights_layout_and_initializers():
    set_random_seed(0)
    layer = layers.LSTM(4)
    layer.build((None, None, 3))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    k, r, b = layer.get_weights()
    assert k.shape == (3, 16) and r.shape == (4, 16) and b.shape == (16,)
    np.testing.assert_array_equal(b, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    np.testing.assert_allclose(r.astype(np.float64) @ r.T, np.eye(4), atol=1e-5)
    layer2 = layers.LSTM(4, unit_forget_bias=False)
    layer2.build((None, None, 3))
    np.testing.assert_array_equal(layer2.get_weights()[2], np.zeros(16))


def test_lstm_shapes_symbolic():
    x = pyfapi.Input(shape=(None, 128))
    assert tuple(layers.LSTM(32)(x).shape) == (None, 32)
    assert tuple(layers.LSTM(8, return_sequences=True)(x).shape) == (None, None, 8)
    out = layers.LSTM(8, return_state=True)(x)
    assert [tuple(o.shape) for o in out] == [(None, 8)] * 3


def test_shared_lstm_param_count():
    lstm = layers.LSTM(32)
    left, right = pyfapi.Input(shape=(None, 128)), pyfapi.Input(shape=(None, 128))
    merged = layers.concatenate([lstm(left), lstm(right)], axis=-1)
    dense = layers.Dense(1, activation="sigmoid")
    dense(merged)
    assert len(lstm.weights) == 3 and lstm.count_params() == 20608
    assert lstm.count_params() + dense.count_params() == 20673


@pytest.mark.parametrize("dims,total", [(((10000, 64), (10000, 32)), 1000052),
                                        (((64, 10000), (32, 10000)), 2909812)])
def test_qa_model_param_counts(dims, total):
    text = pyfapi.Input(shape=(None,), dtype="int32", name="text")
    question = pyfapi.Input(shape=(None,), dtype="int32", name="question")
    e1, e2 = layers.Embedding(*dims[0]), layers.Embedding(*dims[1])
    l1, l2 = layers.LSTM(32), layers.LSTM(16)
    merged = layers.concatenate([l1(e1(text)), l2(e2(question))], axis=-1)
    dense = layers.Dense(500, activation="softmax")
    assert tuple(dense(merged).shape) == (None, 500)
    assert sum(l.count_params() for l in (e1, e2, l1, l2, dense)) == total


def test_lstm_config_roundtrip():
    layer = layers.LSTM(7, return_sequences=True, go_backwards=True, unit_forget_bias=False,
                        recurrent_initializer="glorot_normal")
    config = layer.get_config()
    clone = layers.LSTM.from_config(config)
    assert clone.get_config() == config
    assert config["recurrent_activation"] == "sigmoid" and config["activation"] == "tanh"


def test_lstm_errors():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="dropout"):
        layers.LSTM(3, dropout="a lot")
    with pytest.raises(ValueError, match="fixed batch size"):
        layers.LSTM(3, stateful=True)(pyfapi.Input(shape=(4, 2)))
    with pytest.raises(ValueError, match=r"lstm_rank.*ndim=3"):
        layers.LSTM(3, name="lstm_rank")(pyfapi.Input(shape=(5,)))
    with pytest.raises(ValueError, match="feature"):
        layers.LSTM(3)(pyfapi.Input(shape=(5, None)))
    layer = layers.LSTM(3, name="lstm_state")
    with pytest.raises(ValueError, match="lstm_state"):
        layer(_x((2, 4, 2)), initial_state=[np.zeros((2, 3), np.float32)])
    with pytest.raises(ValueError, match="lstm_state"):
        layer(_x((2, 4, 2)), initial_state=[np.zeros((2, 4), np.float32)] * 2)


def test_lstm_gradients_wrt_inputs(path):
    layer = layers.LSTM(3, return_sequences=True, go_backwards=True)
    layer.build((None, 4, 2))
    _randomize(layer, 5)
    from pyfapi.testing import gradcheck
    # the fused C++ kernel computes in float32: larger step and tolerances there
    tol = dict(eps=1e-3, atol=1e-3, rtol=1e-2) if path == "fused" else dict(atol=1e-5, rtol=1e-3)
    gradcheck(lambda t: layer(t), [_x((2, 4, 2), 9).astype(np.float64)], **tol)
