"""GRU and SimpleRNN layers: values against the float64 numpy references of
tests/references/rnn_ref.py (Keras 3's equations) with masks (left / right padding, all-masked
rows), initial_state, go_backwards, stateful + reset_states, dropout / recurrent_dropout (the
drawn masks reproduced in the reference), custom activations (basic-op path), weight paths,
errors, .keras / .weights.h5 round trips and the Keras-book models trained on our own data."""
import numpy as np
import pytest
from references.rnn_ref import gru_ref, lstm_ref, simple_rnn_ref

import pyfapi
from pyfapi import Input, layers
from pyfapi.models import Model, Sequential
from pyfapi.saving import load_model

RNG = np.random.default_rng(21)
ATOL = 3e-5


def _x(n, t, d):
    return RNG.standard_normal((n, t, d)).astype(np.float32)


def _perturb(layer):
    layer.set_weights([w + RNG.standard_normal(w.shape).astype(np.float32) * 0.2
                       for w in layer.get_weights()])


def _pad_mask(n, t, side):
    m = np.ones((n, t), bool)
    for i in range(n):
        k = i % (t + 1)  # row with i % (t+1) == t: all masked
        if side == "right":
            m[i, t - k:] = False
        else:
            m[i, :k] = False
    return m


@pytest.mark.parametrize("cls", ["GRU", "GRU-before", "SimpleRNN"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_sequences_match_reference(cls, side, go_backwards):
    n, t, d, u = 7, 5, 3, 4
    x = _x(n, t, d)
    mask = _pad_mask(n, t, side)
    if cls == "SimpleRNN":
        layer = layers.SimpleRNN(u, return_sequences=True, return_state=True,
                                 go_backwards=go_backwards)
    else:
        layer = layers.GRU(u, return_sequences=True, return_state=True,
                           reset_after=cls == "GRU", go_backwards=go_backwards)
    layer.build(x.shape)
    _perturb(layer)
    out, h = layer(x, mask=mask)
    xs, ms = (x[:, ::-1], mask[:, ::-1]) if go_backwards else (x, mask)
    if cls == "SimpleRNN":
        eo, eh = simple_rnn_ref(xs, *layer.get_weights(), mask=ms)
    else:
        eo, eh = gru_ref(xs, *layer.get_weights(), mask=ms, reset_after=cls == "GRU")
    np.testing.assert_allclose(out.numpy(), eo, atol=ATOL)
    np.testing.assert_allclose(h.numpy(), eh, atol=ATOL)
    assert layer.compute_mask(x, mask)[0] is mask


@pytest.mark.parametrize("n,t,d,u", [(1, 1, 1, 1), (3, 7, 5, 13), (2, 1000, 2, 3)])
def test_gru_odd_shapes_and_initial_state(n, t, d, u):
    x = _x(n, t, d)
    h0 = RNG.standard_normal((n, u)).astype(np.float32)
    layer = layers.GRU(u)
    layer.build(x.shape)
    _perturb(layer)
    eo, eh = gru_ref(x, *layer.get_weights(), h0=h0)
    np.testing.assert_allclose(layer(x, initial_state=[h0]).numpy(), eh, atol=1e-4)


def test_custom_activation_path_matches_reference_with_mask():
    x = _x(4, 5, 3)
    mask = _pad_mask(4, 5, "right")
    layer = layers.SimpleRNN(3, activation="sigmoid", return_sequences=True)
    layer.build(x.shape)
    _perturb(layer)
    eo, _ = simple_rnn_ref(x, *layer.get_weights(), mask=mask, activation="sigmoid")
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), eo, atol=ATOL)


@pytest.mark.parametrize("cls", [layers.GRU, layers.SimpleRNN, layers.LSTM])
def test_dropout_masks_match_reference(cls):
    """Training with dropout and recurrent_dropout: the masks drawn by a seeded layer (one per
    sequence, Keras's per-gate count) reproduce the reference output."""
    n, t, d, u = 5, 6, 4, 3
    x = _x(n, t, d)
    layer = cls(u, dropout=0.3, recurrent_dropout=0.4, seed=7, return_sequences=True)
    layer.build(x.shape)
    got = layer(x, training=True).numpy()
    # the same generator state gives the same masks
    rng = pyfapi.utils.random.make_rng(7)
    count = {layers.GRU: 3, layers.LSTM: 4}.get(cls, 1)
    keep_in = (rng.random((count, n, d)) >= 0.3) / 0.7
    keep_rec = (rng.random((count, n, u)) >= 0.4) / 0.6
    w = layer.get_weights()
    ref = {layers.GRU: gru_ref, layers.LSTM: lstm_ref}.get(cls, simple_rnn_ref)
    if cls is layers.SimpleRNN:
        eo = ref(x, *w, input_mask=keep_in[0], recurrent_mask=keep_rec[0])[0]
    else:  # GRU / LSTM: Keras's implementation 1 (the LSTM's fused kernel path since 2026-12)
        eo = ref(x, *w, input_masks=keep_in, recurrent_masks=keep_rec)[0]
    np.testing.assert_allclose(got, eo, atol=ATOL)
    # inference: no dropout
    np.testing.assert_allclose(layer(x).numpy(), ref(x, *w)[0], atol=ATOL)


def test_stateful_carries_state_and_resets():
    x = _x(2, 3, 2)
    layer = layers.GRU(3, stateful=True)
    inp = Input(shape=(3, 2), batch_size=2)
    model = Model(inp, layer(inp))
    w = layer.get_weights()
    h1 = model(x).numpy()
    h2 = model(x).numpy()
    _, e1 = gru_ref(x, *w)
    _, e2 = gru_ref(x, *w, h0=e1)
    np.testing.assert_allclose(h1, e1, atol=ATOL)
    np.testing.assert_allclose(h2, e2, atol=ATOL)
    layer.reset_states()
    np.testing.assert_allclose(model(x).numpy(), e1, atol=ATOL)


def test_weights_layout_and_paths():
    layer = layers.GRU(4, name="gru")
    layer.build((None, 3, 5))
    assert [w.path for w in layer.weights] == ["gru/gru_cell/kernel",
                                               "gru/gru_cell/recurrent_kernel",
                                               "gru/gru_cell/bias"]
    assert [w.shape for w in layer.weights] == [(5, 12), (4, 12), (2, 12)]
    before = layers.GRU(4, reset_after=False, use_bias=True)
    before.build((None, 3, 5))
    assert before.weights[2].shape == (12,)
    s = layers.SimpleRNN(2)
    s.build((None, 3, 5))
    assert [w.shape for w in s.weights] == [(5, 2), (2, 2), (2,)]
    assert s.count_params() == 5 * 2 + 4 + 2


@pytest.mark.parametrize("make, call, match", [
    (lambda: layers.GRU(2), dict(mask=np.ones((2, 4), bool)),
     r"mask has shape \(2, 4\).*inputs of shape \(2, 3, 2\)"),
    (lambda: layers.GRU(2), dict(initial_state=[np.zeros((2, 3), np.float32)]),
     r"initial state must have shape \(2, 2\).*received \(2, 3\)"),
    (lambda: layers.SimpleRNN(2), dict(initial_state=[np.zeros((2, 2))] * 2),
     r"list of 1 tensor"),
])
def test_bad_call_arguments_raise_value_error(make, call, match):
    layer = make()
    with pytest.raises(ValueError, match=match) as e:
        layer(np.zeros((2, 3, 2), np.float32), **call)
    assert layer.name in str(e.value)


def test_bad_construction_and_stateful_without_batch_size():
    with pytest.raises(ValueError, match="units"):
        layers.GRU(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="fixed batch size.*\\(None, 3, 2\\)"):
        layers.GRU(2, stateful=True)(Input(shape=(3, 2)))
    with pytest.raises(ValueError, match="rank|ndim"):
        layers.GRU(2)(np.zeros((2, 3), np.float32))


def test_save_round_trips(tmp_path):
    pyfapi.utils.set_random_seed(1)
    inp = Input(shape=(6, 3))
    a = layers.GRU(4, return_sequences=True, reset_after=False)(inp)
    b = layers.SimpleRNN(3, go_backwards=True)(a)
    model = Model(inp, layers.GRU(2)(layers.Reshape((3, 1))(b)))
    x = _x(2, 6, 3)
    y = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    np.testing.assert_allclose(load_model(tmp_path / "m.keras").predict(x, verbose=0), y,
                               atol=1e-6)
    model.save_weights(tmp_path / "m.weights.h5")
    pyfapi.utils.set_random_seed(2)
    inp2 = Input(shape=(6, 3))
    a2 = layers.GRU(4, return_sequences=True, reset_after=False)(inp2)
    b2 = layers.SimpleRNN(3, go_backwards=True)(a2)
    other = Model(inp2, layers.GRU(2)(layers.Reshape((3, 1))(b2)))
    other.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(other.predict(x, verbose=0), y, atol=1e-6)
    import h5py
    with h5py.File(tmp_path / "m.weights.h5") as f:
        assert f["layers/gru/cell/vars/2"].shape == (12,)
        assert f["layers/simple_rnn/cell/vars/1"].shape == (3, 3)


def _series(n, t, f, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, f)).astype(np.float32)
    y = x[:, -3:, 0].mean(axis=1, keepdims=True).astype(np.float32)
    return x, y


def test_book_gru_dropout_and_stacked_gru_learn():
    """Keras book, ch. 10 (weather forecasting): GRU(32, recurrent_dropout=0.25) + Dropout, and
    stacked GRUs with dropout, on a synthetic series whose target is a mean of the last steps."""
    x, y = _series(256, 12, 4)
    pyfapi.utils.set_random_seed(0)
    models = [
        Sequential([Input((12, 4)), layers.GRU(16, dropout=0.1, recurrent_dropout=0.25),
                    layers.Dropout(0.2), layers.Dense(1)]),
        Sequential([Input((12, 4)), layers.GRU(16, dropout=0.1, recurrent_dropout=0.2,
                                               return_sequences=True),
                    layers.GRU(16, dropout=0.1, recurrent_dropout=0.2), layers.Dense(1)]),
    ]
    for model in models:
        model.compile("rmsprop", "mse")
        before = model.evaluate(x, y, verbose=0)
        model.fit(x, y, epochs=8, batch_size=32, verbose=0)
        after = model.evaluate(x, y, verbose=0)
        assert after < 0.5 * before, (before, after)


@pytest.mark.parametrize("dropout,recurrent_dropout", [(0.0, 0.4), (0.3, 0.0), (0.3, 0.4)])
def test_lstm_dropout_combinations_match_reference(dropout, recurrent_dropout):
    """LSTM in training with only recurrent dropout (kernel with the input projection inside),
    only input dropout (one mask, implementation 2) and both (per-gate masks, projection op):
    the seeded masks reproduce the float64 reference of Keras's equations."""
    n, t, d, u = 4, 5, 3, 3
    x = _x(n, t, d)
    layer = layers.LSTM(u, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=11,
                        return_sequences=True)
    layer.build(x.shape)
    got = layer(x, training=True).numpy()
    rng = pyfapi.utils.random.make_rng(11)
    count = 4 if recurrent_dropout else 1
    keep_in = (rng.random((count, n, d)) >= dropout) / (1 - dropout) if dropout else None
    keep_rec = ((rng.random((count, n, u)) >= recurrent_dropout) / (1 - recurrent_dropout)
                if recurrent_dropout else None)
    if keep_in is not None and count == 1:
        keep_in = np.repeat(keep_in, 4, axis=0)
    eo = lstm_ref(x, *layer.get_weights(), input_masks=keep_in, recurrent_masks=keep_rec)[0]
    np.testing.assert_allclose(got, eo, atol=ATOL)


@pytest.mark.parametrize("cls,act,ract", [(layers.GRU, "relu", "hard_sigmoid"),
                                          (layers.GRU, "softsign", "sigmoid"),
                                          (layers.LSTM, "linear", "hard_sigmoid"),
                                          (layers.LSTM, "tanh", "softsign")])
def test_non_default_activations_match_reference(cls, act, ract):
    """Activations the kernels run (relu, linear, hard_sigmoid, ...) and one they do not
    (softsign: the per-step loop), with a mask, against the float64 references."""
    n, t, d, u = 3, 5, 4, 3
    x = _x(n, t, d)
    mask = np.ones((n, t), bool)
    mask[1, :2] = False
    layer = cls(u, activation=act, recurrent_activation=ract, return_sequences=True)
    layer.build(x.shape)
    _perturb(layer)
    ref = gru_ref if cls is layers.GRU else lstm_ref
    eo = ref(x, *layer.get_weights(), mask=mask, activation=act, recurrent_activation=ract)[0]
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), eo, atol=ATOL)
