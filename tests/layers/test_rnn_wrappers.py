"""Bidirectional, TimeDistributed and RepeatVector: values against the float64 references
(tests/references/rnn_ref.py), sub-layer names and weight paths as Keras, merge modes, states,
masks, errors, config and .keras / .weights.h5 round trips, and the Keras-book models
(bidirectional GRU / LSTM, encoder-decoder with RepeatVector + TimeDistributed(Dense)) trained on
our own data."""
import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers
from pyfapi.models import Model, Sequential
from pyfapi.saving import load_model
from references.rnn_ref import gru_ref

RNG = np.random.default_rng(8)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_gru_matches_reference(mode):
    x = _x(3, 5, 2)
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    mask[2, :1] = False
    bi = layers.Bidirectional(layers.GRU(4, return_sequences=True, return_state=True),
                              merge_mode=mode, name="bi")
    bi.build(x.shape)
    assert bi.forward_layer.name == "forward_gru" or bi.forward_layer.name.startswith("forward_")
    assert bi.backward_layer.go_backwards and bi.backward_layer.name.startswith("backward_")
    assert [w.path.split("/", 2)[:2] for w in bi.weights][0] == ["bi", bi.forward_layer.name]
    f = bi.forward_layer.get_weights()
    b = bi.backward_layer.get_weights()
    out = bi(x, mask=mask)
    yf, hf = gru_ref(x, *f, mask=mask, zero_output_for_mask=True)
    yb, hb = gru_ref(x[:, ::-1], *b, mask=mask[:, ::-1], zero_output_for_mask=True)
    yb = yb[:, ::-1]
    merged = {"concat": np.concatenate([yf, yb], -1), "sum": yf + yb, "mul": yf * yb,
              "ave": (yf + yb) / 2}.get(mode)
    got = [t.numpy() for t in out]
    expect = ([yf, yb] if mode is None else [merged]) + [hf, hb]
    assert len(got) == len(expect)
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, atol=3e-5)
    shapes = bi.compute_output_shape((None, 5, 2))
    assert [tuple(s) for s in shapes] == [tuple((None, 5, 8 if mode == "concat" else 4))] * (
        2 if mode is None else 1) + [(None, 4), (None, 4)]


def test_bidirectional_errors_and_config():
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match="Layer"):
        layers.Bidirectional("gru")
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.GRU(2), backward_layer=layers.GRU(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.GRU(2), backward_layer=layers.GRU(
            2, go_backwards=True, return_sequences=True))
    bi = layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3, go_backwards=True,
                                                                         name="back"))
    clone = layers.Bidirectional.from_config(bi.get_config())
    assert clone.get_config() == bi.get_config()
    assert clone.backward_layer.name == "back"


def test_time_distributed_dense_and_nested_model():
    x = _x(2, 4, 3)
    td = layers.TimeDistributed(layers.Dense(5), name="td")
    y = td(x).numpy()
    w, b = td.get_weights()
    np.testing.assert_allclose(y, x @ w + b, atol=1e-5)
    assert [v.path for v in td.weights] == ["td/" + td.layer.name + "/kernel",
                                            "td/" + td.layer.name + "/bias"]
    inner = Sequential([Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(2)])
    td2 = layers.TimeDistributed(inner)
    np.testing.assert_allclose(td2(x).numpy(), inner(x.reshape(8, 3)).numpy().reshape(2, 4, 2),
                               atol=1e-6)
    assert td2.compute_output_shape((None, 4, 3)) == (None, 4, 2)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    assert td(x, mask=mask)._keras_mask is mask


def test_repeat_vector():
    x = _x(2, 3)
    y = layers.RepeatVector(4)(x).numpy()
    assert y.shape == (2, 4, 3)
    np.testing.assert_array_equal(y[:, 2], x)
    with pytest.raises(ValueError, match="ndim|rank"):
        layers.RepeatVector(2)(Input((3, 4)))
    with pytest.raises(TypeError):
        layers.RepeatVector(2.5)


def _encoder_decoder():
    inp = Input((6, 3))
    enc = layers.LSTM(16)(inp)
    dec = layers.LSTM(16, return_sequences=True)(layers.RepeatVector(6)(enc))
    return Model(inp, layers.TimeDistributed(layers.Dense(3))(dec))


def test_wrappers_save_round_trips(tmp_path):
    pyfapi.utils.set_random_seed(3)
    inp = Input((6, 3))
    h = layers.Bidirectional(layers.GRU(4, return_sequences=True))(inp)
    h = layers.Bidirectional(layers.LSTM(3), merge_mode="sum")(h)
    out = layers.TimeDistributed(layers.Dense(2))(layers.RepeatVector(2)(h))
    model = Model(inp, out)
    x = _x(2, 6, 3)
    y = model.predict(x, verbose=0)
    model.save(tmp_path / "w.keras")
    np.testing.assert_allclose(load_model(tmp_path / "w.keras").predict(x, verbose=0), y,
                               atol=1e-6)
    model.save_weights(tmp_path / "w.weights.h5")
    pyfapi.utils.set_random_seed(4)
    other = _encoder_decoder()  # a different architecture is refused
    with pytest.raises(ValueError):
        other.load_weights(tmp_path / "w.weights.h5")


def _copy_task(n=256, t=6, f=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t, f)).astype(np.float32)
    return x


def test_book_models_learn():
    """Keras book (1st ed. ch. 6): bidirectional GRU / LSTM regressors, and an encoder-decoder
    (LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense)) learning the running means of a
    sequence."""
    x = _copy_task()
    target = x[:, :, :1].mean(axis=1)  # depends on the whole sequence, both directions
    pyfapi.utils.set_random_seed(0)
    for rnn in (layers.GRU(12), layers.LSTM(12)):
        model = Sequential([Input((6, 3)), layers.Bidirectional(rnn), layers.Dense(1)])
        model.compile("rmsprop", "mse")
        before = model.evaluate(x, target, verbose=0)
        model.fit(x, target, epochs=10, batch_size=32, verbose=0)
        assert model.evaluate(x, target, verbose=0) < 0.5 * before
    model = _encoder_decoder()
    model.compile(pyfapi.optimizers.Adam(0.01), "mse")
    seq_target = np.cumsum(x, axis=1) / np.arange(1, 7)[None, :, None]  # running means
    before = model.evaluate(x, seq_target, verbose=0)
    model.fit(x, seq_target, epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x, seq_target, verbose=0) < 0.5 * before


def test_weights_files_move_to_and_from_keras(tmp_path):
    """Keras 3's .weights.h5 layout (bidirectional/forward_layer/cell/vars,
    time_distributed/layer/vars, gru/cell/vars) in both directions."""
    keras = pytest.importorskip("keras")

    def build(m):
        inp = m.Input((5, 3))
        h = m.layers.Bidirectional(m.layers.GRU(2, return_sequences=True))(inp)
        h = m.layers.Bidirectional(m.layers.LSTM(2, return_sequences=True), merge_mode="sum")(h)
        h = m.layers.SimpleRNN(3, return_sequences=True)(h)
        return m.Model(inp, m.layers.TimeDistributed(m.layers.Dense(2))(h))
    km, pm = build(keras), build(pyfapi)
    x = _x(2, 5, 3)
    km.save_weights(tmp_path / "k.weights.h5")
    pm.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(pm(x).numpy(), np.asarray(km(x)), atol=1e-5)
    pm2 = build(pyfapi)
    pm2.save_weights(tmp_path / "p.weights.h5")
    km.load_weights(tmp_path / "p.weights.h5")
    np.testing.assert_allclose(pm2(x).numpy(), np.asarray(km(x)), atol=1e-5)
    # same paths up to the auto-numbered layer names
    def shape_of_path(w):
        parts = w.path.split("/")
        return len(parts), parts[-1], "cell" in parts[-2]
    assert [shape_of_path(w) for w in km.weights] == [shape_of_path(w) for w in pm2.weights]
