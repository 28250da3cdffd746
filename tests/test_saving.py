"""Saving: ``.weights.h5`` round trips, ``.keras`` archives (predict identical, training resumed
with the optimizer state), atomic writes, and clear errors for missing / truncated / mismatched
files that leave the model untouched."""
import os
import zipfile

import h5py
import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers
from pyfapi.models import Model, Sequential
from pyfapi.saving import load_model

RNG = np.random.default_rng(5)


def _model(seed=0, units=8):
    pyfapi.utils.set_random_seed(seed)
    inp = Input(shape=(6,), name="features")
    x = layers.Dense(units, activation="relu")(inp)
    a = layers.Dense(3, activation="softmax", name="cls")(x)
    b = layers.Dense(1, name="reg")(x)
    return Model(inp, [a, b])


def _data(n=20):
    x = RNG.normal(size=(n, 6)).astype(np.float32)
    return x, {"cls": np.eye(3)[RNG.integers(0, 3, n)], "reg": RNG.normal(size=(n, 1))}


def _compile(m, opt="adam"):
    m.compile(opt, loss={"cls": "categorical_crossentropy", "reg": "mse"},
              loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["acc"]})
    return m


def _same(ws1, ws2):
    assert len(ws1) == len(ws2)
    for a, b in zip(ws1, ws2):
        np.testing.assert_array_equal(a, b)


def test_weights_h5_round_trip(tmp_path):
    m1, m2 = _model(0), _model(1)
    x, _ = _data()
    path = tmp_path / "m.weights.h5"
    m1.save_weights(path)
    m2.load_weights(path)
    _same(m1.get_weights(), m2.get_weights())
    for a, b in zip(m1.predict(x, verbose=0), m2.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    with h5py.File(path, "r") as f:  # Keras 3 layout keyed by layer name and weight index
        # keys as Keras 3: class name numbered per class, not the auto-generated layer name
        assert f["layers/dense/vars/0"].shape == (6, 8)
        assert f["layers/dense_1/vars/1"].shape == (3,)
        assert f["layers/dense_1"].attrs["name"] == "cls"


def test_weights_h5_nested_model_round_trip(tmp_path):
    def build(seed):
        pyfapi.utils.set_random_seed(seed)
        bi = Input(shape=(4,))
        base = Model(bi, layers.Dense(5, name="inner")(bi), name="base")
        inp = Input(shape=(4,))
        return Model(inp, layers.Dense(2, name="head")(base(inp)))
    m1, m2 = build(0), build(1)
    m1.save_weights(tmp_path / "n.weights.h5")
    m2.load_weights(tmp_path / "n.weights.h5")
    _same(m1.get_weights(), m2.get_weights())
    with h5py.File(tmp_path / "n.weights.h5", "r") as f:
        assert "layers/functional/layers/dense/vars/0" in f


def test_keras_archive_round_trip_predicts_identically(tmp_path):
    m = _compile(_model())
    x, y = _data()
    m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "model.keras"
    m.save(path)
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as z:
        assert {"config.json", "metadata.json", "model.weights.h5"} <= set(z.namelist())
    loaded = load_model(path)
    assert isinstance(loaded, Model)
    for a, b in zip(m.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(m.evaluate(x, y, verbose=0))


def test_sequential_archive_round_trip(tmp_path):
    pyfapi.utils.set_random_seed(0)
    seq = Sequential([layers.Dense(4, activation="relu", input_shape=(6,)), layers.Dense(2)])
    seq.compile("sgd", "mse")
    seq.save(tmp_path / "s.keras")
    back = load_model(tmp_path / "s.keras")
    x = RNG.normal(size=(3, 6)).astype(np.float32)
    np.testing.assert_array_equal(seq.predict(x, verbose=0), back.predict(x, verbose=0))


@pytest.mark.parametrize("opt", ["adam", "rmsprop", "sgd"])
def test_resume_training_with_optimizer_state(tmp_path, opt):
    x, y = _data(24)
    straight = _compile(_model(), pyfapi.optimizers.get(opt) if opt != "sgd" else
                        pyfapi.optimizers.SGD(momentum=0.9))
    straight.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)

    resumed = _compile(_model(), pyfapi.optimizers.get(opt) if opt != "sgd" else
                       pyfapi.optimizers.SGD(momentum=0.9))
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    resumed.save(tmp_path / "ckpt.keras")
    loaded = load_model(tmp_path / "ckpt.keras")
    assert int(loaded.optimizer.iterations.value) == 3
    loaded.fit(x, y, epochs=2, initial_epoch=1, batch_size=8, shuffle=False, verbose=0)
    _same(straight.get_weights(), loaded.get_weights())


def test_load_weights_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.weights.h5"):
        _model().load_weights(tmp_path / "nope.weights.h5")
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        load_model(tmp_path / "nope.keras")


def test_truncated_weights_file_is_a_clear_error_and_nothing_changes(tmp_path):
    m1 = _model(0)
    path = tmp_path / "t.weights.h5"
    m1.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    m2 = _model(1)
    before = m2.get_weights()
    with pytest.raises(ValueError, match="truncated or corrupt|corrupt"):
        m2.load_weights(path)
    _same(before, m2.get_weights())


def test_truncated_archive_is_a_clear_error(tmp_path):
    m = _compile(_model())
    m.save(tmp_path / "a.keras")
    data = (tmp_path / "a.keras").read_bytes()
    (tmp_path / "a.keras").write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_model(tmp_path / "a.keras")


def test_different_architecture_is_rejected_before_any_assignment(tmp_path):
    _model(0, units=8).save_weights(tmp_path / "a.weights.h5")
    other = _model(1, units=9)
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"shape \(6, 9\).*\(6, 8\).*different architecture"):
        other.load_weights(tmp_path / "a.weights.h5")
    _same(before, other.get_weights())

    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(6,))
    x = layers.Dense(8)(inp)
    bigger = Model(inp, [layers.Dense(3)(x), layers.Dense(1)(x), layers.Dense(2, name="extra")(x)])
    with pytest.raises(ValueError, match="'extra'.*'layers/dense_3'.*not in"):
        bigger.load_weights(tmp_path / "a.weights.h5")
    smaller = Model(inp, layers.Dense(3)(layers.Dense(8)(inp)))
    with pytest.raises(ValueError, match="layers .*dense_2.* that the model does not have"):
        smaller.load_weights(tmp_path / "a.weights.h5")


def test_wrong_extension(tmp_path):
    with pytest.raises(ValueError, match=".weights.h5"):
        _model().save_weights(tmp_path / "w.h5x")
    with pytest.raises(ValueError, match=".keras"):
        _model().save(tmp_path / "m.zip")


def test_writes_are_atomic(tmp_path, monkeypatch):
    m = _model(0)
    path = tmp_path / "w.weights.h5"
    m.save_weights(path)
    good = path.read_bytes()
    # a failure in the middle of a save leaves the previous file intact and no temp file behind
    import pyfapi.saving.weights_h5 as w

    def boom(h5file, model):
        h5file.create_group("layers")
        raise RuntimeError("disk full")
    monkeypatch.setattr(w, "write_weights_group", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _model(1).save_weights(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["w.weights.h5"]
    with pytest.raises(FileExistsError):
        monkeypatch.undo()
        m.save_weights(path, overwrite=False)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside TensorFlow
def test_loads_a_weights_file_written_by_keras(tmp_path):
    keras = pytest.importorskip("keras")
    kin = keras.Input((6,))
    kx = keras.layers.Dense(8, activation="relu")(kin)
    kmodel = keras.Model(kin, keras.layers.Dense(3)(kx))
    kmodel.save_weights(str(tmp_path / "k.weights.h5"))
    inp = Input(shape=(6,))
    model = Model(inp, layers.Dense(3)(layers.Dense(8, activation="relu")(inp)))
    model.load_weights(tmp_path / "k.weights.h5")
    _same([np.asarray(w) for w in kmodel.get_weights()], model.get_weights())
    x = RNG.normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), kmodel.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_custom_loss_needs_custom_objects_to_recompile(tmp_path):
    def halved_mse(y_true, y_pred):
        return pyfapi.ops.multiply(pyfapi.losses.mean_squared_error(y_true, y_pred), 0.5)
    m = _model()
    m.compile("adam", loss={"cls": "categorical_crossentropy", "reg": halved_mse})
    x, y = _data()
    m.fit(x, y, epochs=1, verbose=0)
    m.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="custom_objects=\\{'halved_mse'"):
        load_model(tmp_path / "c.keras")
    uncompiled = load_model(tmp_path / "c.keras", compile=False)
    assert not uncompiled.compiled
    back = load_model(tmp_path / "c.keras", custom_objects={"halved_mse": halved_mse})
    assert back.evaluate(x, y, verbose=0) == pytest.approx(m.evaluate(x, y, verbose=0))


def test_notebook_qa_model_round_trip_and_resume(tmp_path):
    def build():
        pyfapi.utils.set_random_seed(2)
        text = Input(shape=(None,), dtype="int32", name="text")
        question = Input(shape=(None,), dtype="int32", name="question")
        t = layers.LSTM(6)(layers.Embedding(50, 8)(text))
        q = layers.LSTM(4)(layers.Embedding(50, 4)(question))
        answer = layers.Dense(7, activation="softmax")(layers.concatenate([t, q], axis=-1))
        model = Model([text, question], answer)
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
        return model
    data = {"text": RNG.integers(1, 50, (12, 5)), "question": RNG.integers(1, 50, (12, 3))}
    y = np.eye(7)[RNG.integers(0, 7, 12)]
    straight = build()
    straight.fit(data, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    first = build()
    first.fit(data, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    first.save(tmp_path / "qa.keras")
    loaded = load_model(tmp_path / "qa.keras")
    np.testing.assert_array_equal(first.predict(data, verbose=0), loaded.predict(data, verbose=0))
    loaded.fit(data, y, epochs=2, initial_epoch=1, batch_size=4, shuffle=False, verbose=0)
    _same(straight.get_weights(), loaded.get_weights())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside TensorFlow
def test_loads_keras_lstm_weights_stored_under_the_cell(tmp_path):
    keras = pytest.importorskip("keras")
    kin = keras.Input((None,), dtype="int32")
    kx = keras.layers.LSTM(5)(keras.layers.Embedding(20, 4)(kin))
    kmodel = keras.Model(kin, keras.layers.Dense(2)(kx))
    kmodel.save_weights(str(tmp_path / "k.weights.h5"))
    with h5py.File(tmp_path / "k.weights.h5", "r") as f:
        assert "layers/lstm/cell/vars/0" in f
    inp = Input(shape=(None,), dtype="int32")
    model = Model(inp, layers.Dense(2)(layers.LSTM(5)(layers.Embedding(20, 4)(inp))))
    model.load_weights(tmp_path / "k.weights.h5")
    _same([np.asarray(w) for w in kmodel.get_weights()], model.get_weights())
    ids = RNG.integers(0, 20, (3, 6))
    np.testing.assert_allclose(model.predict(ids, verbose=0), kmodel.predict(ids, verbose=0),
                               rtol=1e-4, atol=1e-5)


def _mixed_model():
    """Dense + LSTM + Embedding + Conv1D/Conv2D + BatchNormalization (two inputs)."""
    t = Input(shape=(7,), dtype="int32", name="t")
    img = Input(shape=(8, 8, 3), name="img")
    e = layers.Embedding(20, 6)(t)
    lstm = layers.LSTM(5)(e)
    c = layers.Conv2D(4, 3, activation="relu")(img)
    c = layers.Flatten()(layers.MaxPooling2D()(layers.BatchNormalization()(c)))
    c1 = layers.GlobalMaxPooling1D()(layers.Conv1D(3, 2)(e))
    return Model([t, img], layers.Dense(2)(layers.concatenate([lstm, c, c1])))


def _mixed_data(n=4):
    return [RNG.integers(0, 20, (n, 7)).astype(np.int32),
            RNG.normal(size=(n, 8, 8, 3)).astype(np.float32)]


def test_lstm_weights_are_written_in_keras_cell_layout(tmp_path):
    # Keras 3 reads an LSTM's weights from layers/lstm/cell/vars (its cell owns them)
    pyfapi.utils.set_random_seed(3)
    model = _mixed_model()
    model.save_weights(tmp_path / "m.weights.h5")
    lstm = [layer for layer in model.layers if isinstance(layer, layers.LSTM)][0]
    with h5py.File(tmp_path / "m.weights.h5", "r") as f:
        assert "vars" in f and len(f["layers/lstm/vars"]) == 0
        for i, w in enumerate(lstm.weights):
            np.testing.assert_array_equal(f[f"layers/lstm/cell/vars/{i}"][()], w.numpy())
        assert "layers/dense/vars/0" in f and "layers/embedding/vars/0" in f
    clone = _mixed_model()
    clone.load_weights(tmp_path / "m.weights.h5")  # and pyfapi still reads its own files
    _same(model.get_weights(), clone.get_weights())


def test_keras_loads_pyfapi_weights_and_predicts_the_same(tmp_path):
    keras = pytest.importorskip("keras")
    pyfapi.utils.set_random_seed(4)
    model = _mixed_model()
    model.compile("adam", "mse")
    x = _mixed_data()
    model.fit(x, RNG.normal(size=(4, 2)), epochs=2, verbose=0)  # moves the BN statistics
    model.save_weights(tmp_path / "p.weights.h5")
    kl = keras.layers
    t, img = keras.Input((7,), dtype="int32"), keras.Input((8, 8, 3))
    e = kl.Embedding(20, 6)(t)
    c = kl.BatchNormalization()(kl.Conv2D(4, 3, activation="relu")(img))
    c = kl.Flatten()(kl.MaxPooling2D()(c))
    c1 = kl.GlobalMaxPooling1D()(kl.Conv1D(3, 2)(e))
    kmodel = keras.Model([t, img], kl.Dense(2)(kl.concatenate([kl.LSTM(5)(e), c, c1])))
    kmodel.load_weights(str(tmp_path / "p.weights.h5"))
    _same([np.asarray(w) for w in kmodel.get_weights()], model.get_weights())
    np.testing.assert_allclose(kmodel.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_keras_loads_a_pyfapi_keras_archive(tmp_path):
    keras = pytest.importorskip("keras")
    pyfapi.utils.set_random_seed(6)
    inp = Input(shape=(7,), dtype="int32")
    out = layers.Dense(2)(layers.LSTM(5)(layers.Embedding(20, 6)(inp)))
    model = Model(inp, out)
    model.compile("adam", "mse")
    x = RNG.integers(0, 20, (4, 7)).astype(np.int32)
    model.fit(x, RNG.normal(size=(4, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    kmodel = keras.saving.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(kmodel.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_keras_loads_a_pyfapi_archive_compiled_with_loss_and_metric_objects(tmp_path):
    """compile_config stores loss / metric objects in Keras 3's serialized form (with "module"),
    so real Keras locates their classes when it loads the archive (it raised "Could not locate
    class 'Huber'" before)."""
    keras = pytest.importorskip("keras")
    i = pyfapi.Input((4,))
    out = layers.Dense(3, activation="softmax")(layers.Dense(8)(i))
    m = pyfapi.Model(i, out)
    m.compile("adam", pyfapi.losses.Huber(delta=0.5),
              metrics=[pyfapi.metrics.MeanAbsoluteError(), pyfapi.metrics.RootMeanSquaredError(),
                       pyfapi.metrics.TopKCategoricalAccuracy(k=2)])
    rng = np.random.default_rng(0)
    x = rng.random((16, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)]
    m.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "compiled.keras")
    m.save(path)
    k = keras.models.load_model(path)
    assert k.compiled
    np.testing.assert_allclose(k.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    logs = k.evaluate(x, y, verbose=0, return_dict=True)
    assert {"mean_absolute_error", "root_mean_squared_error",
            "top_k_categorical_accuracy"} <= set(logs)
    ours = m.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], ours["loss"], rtol=1e-5)


def _opt_values(opt):
    return [np.asarray(getattr(v, "value", v)) for v in opt.variables]


def test_weights_h5_carries_the_optimizer_state_as_keras(tmp_path):
    """Keras 3 writes /optimizer/vars/i (iterations, learning rate, slots) into .weights.h5 and
    load_weights restores them when the counts agree, else warns and skips them."""
    x, y = _data(24)
    trained = _compile(_model())
    trained.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    trained.save_weights(tmp_path / "w.weights.h5")
    n = len(trained.optimizer.variables)
    with h5py.File(tmp_path / "w.weights.h5") as f:
        assert sorted(f["optimizer/vars"].keys(), key=int) == [str(i) for i in range(n)]
        assert int(f["optimizer/vars/0"][()]) == 3  # iterations after 3 steps

    built = _compile(_model(seed=1))
    built.optimizer.build(built.trainable_weights)
    built.load_weights(tmp_path / "w.weights.h5")
    _same(_opt_values(built.optimizer), _opt_values(trained.optimizer))
    _same(built.get_weights(), trained.get_weights())

    unbuilt = _compile(_model(seed=1))  # its optimizer holds iterations + learning rate only
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    _same(unbuilt.get_weights(), trained.get_weights())
    assert int(unbuilt.optimizer.iterations.value) == 0

    plain = _model(seed=1)  # not compiled: the optimizer group is ignored
    plain.load_weights(tmp_path / "w.weights.h5")
    _same(plain.get_weights(), trained.get_weights())
    plain.save_weights(tmp_path / "plain.weights.h5")
    with h5py.File(tmp_path / "plain.weights.h5") as f:
        assert "optimizer" not in f


def test_optimizer_state_moves_between_keras_and_pyfapi_weights_files(tmp_path):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)

    def kmodel():
        i = keras.Input((4,))
        m = keras.Model(i, keras.layers.Dense(1)(keras.layers.Dense(3)(i)))
        m.compile(keras.optimizers.Adam(0.01), "mse")
        return m

    def pmodel():
        i = Input((4,))
        m = Model(i, layers.Dense(1)(layers.Dense(3)(i)))
        m.compile(pyfapi.optimizers.Adam(0.01), "mse")
        m.optimizer.build(m.trainable_weights)
        return m

    k = kmodel()
    k.fit(x, y, batch_size=8, epochs=2, verbose=0)
    k.save_weights(str(tmp_path / "k.weights.h5"))
    p = pmodel()
    p.load_weights(tmp_path / "k.weights.h5")
    _same(_opt_values(p.optimizer), [np.asarray(v) for v in k.optimizer.variables])

    p.fit(x, y, batch_size=8, epochs=1, verbose=0)
    p.save_weights(tmp_path / "p.weights.h5")
    k2 = kmodel()
    k2.optimizer.build(k2.trainable_variables)
    k2.load_weights(str(tmp_path / "p.weights.h5"))
    _same([np.asarray(v) for v in k2.optimizer.variables], _opt_values(p.optimizer))
    assert int(np.asarray(k2.optimizer.iterations)) == 6


def test_dict_outputs_follow_keras_sorted_key_order_and_move_weights_both_ways(tmp_path):
    """Keras 3 flattens a dict of outputs in sorted key order: output_names, layers and weights
    follow it, so heads keep their weights across libraries (they were swapped silently)."""
    keras = pytest.importorskip("keras")

    def build(lib):
        inp = lib.Input((3,), name="x")
        h = lib.layers.Dense(4, name="h")(inp)
        return lib.Model(inp, {"z": lib.layers.Dense(1, name="z")(h),
                               "a": lib.layers.Dense(1, name="a")(h)})

    ours, theirs = build(pyfapi), build(keras)
    assert ours.output_names == list(theirs.output_names) == ["a", "z"]
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    ours.save_weights(tmp_path / "p.weights.h5")
    theirs.load_weights(str(tmp_path / "p.weights.h5"))
    got, want = theirs.predict(x, verbose=0), ours.predict(x, verbose=0)
    for k in ("a", "z"):
        np.testing.assert_allclose(np.asarray(got[k]), want[k], rtol=1e-5, atol=1e-6)
    theirs.save(str(tmp_path / "k.keras"))
    back = load_model(tmp_path / "k.keras")
    for k in ("a", "z"):
        np.testing.assert_allclose(back.predict(x, verbose=0)[k], np.asarray(got[k]),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("calls", [1, 2])
def test_nested_functional_models_move_both_ways_with_keras(tmp_path, calls):
    """Keras counts a nested functional model's built-in node before its calls (node 1 is the
    first call) and names its module keras.src.models.functional; pyfapi writes and reads the
    same, so archives with a base model inside (called once or shared) load in both."""
    keras = pytest.importorskip("keras")

    def build(lib):
        i = lib.Input((3,))
        inner = lib.Model(i, lib.layers.Dense(2)(i), name="base")
        xs = [lib.Input((3,)) for _ in range(calls)]
        outs = [inner(lib.layers.Rescaling(2.0 + k)(x)) for k, x in enumerate(xs)]
        out = outs[0] if calls == 1 else lib.layers.concatenate(outs)
        return lib.Model(xs if calls > 1 else xs[0], out)

    x = [RNG.normal(size=(4, 3)).astype(np.float32) for _ in range(calls)]
    feed = x if calls > 1 else x[0]
    ours = build(pyfapi)
    ours.save(tmp_path / "p.keras")
    k = keras.saving.load_model(str(tmp_path / "p.keras"))
    np.testing.assert_allclose(np.asarray(k.predict(feed, verbose=0)),
                               ours.predict(feed, verbose=0), rtol=1e-5, atol=1e-6)
    again = load_model(tmp_path / "p.keras")
    np.testing.assert_array_equal(again.predict(feed, verbose=0), ours.predict(feed, verbose=0))
    theirs = build(keras)
    theirs.save(str(tmp_path / "k.keras"))
    back = load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(back.predict(feed, verbose=0),
                               np.asarray(theirs.predict(feed, verbose=0)), rtol=1e-5, atol=1e-6)


def test_keras_loads_spatial_dropout_archives(tmp_path):
    """Keras 3's SpatialDropout1D/2D take no ``trainable`` argument: pyfapi's configs leave it
    out (Keras refused the archive before)."""
    keras = pytest.importorskip("keras")
    for layer, shape in ((layers.SpatialDropout1D(0.2), (6, 4)),
                         (layers.SpatialDropout2D(0.3), (5, 5, 2))):
        m = Sequential([Input(shape), layer])
        m.save(tmp_path / "s.keras")
        k = keras.saving.load_model(str(tmp_path / "s.keras"))
        assert type(k.layers[-1]).__name__ == type(layer).__name__
        assert k.layers[-1].rate == layer.rate
