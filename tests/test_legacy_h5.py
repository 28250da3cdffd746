"""Keras's legacy single-file HDF5 models: a file written by real Keras 3
(tests/references/gen_legacy_h5.py) and files written by genuine tf.keras 2.21
(tests/references/gen_keras2_h5.py: Conv2D / BatchNormalization / Embedding / LSTM / GRU, two
inputs, masking, Adam / RMSprop) load to the predictions their writer made; pyfapi's save("m.h5")
round-trips and is read by real Keras 3; corrupt / truncated / weights-only files are clear
errors; writes are atomic."""
import os
import pathlib
import shutil

import numpy as np
import pytest
from keras_jax import keras_or_skip

import pyfapi
from pyfapi import layers
from pyfapi.models import load_model

REF = pathlib.Path(__file__).parent / "references"
EXP = np.load(REF / "legacy_h5_expected.npz")
K2 = np.load(REF / "tfkeras2_expected.npz")


def test_keras3_file_loads_to_the_same_predictions():
    m = load_model(REF / "keras3_legacy.h5")
    np.testing.assert_allclose(m.predict(EXP["x"], verbose=0), EXP["keras3"], rtol=1e-5,
                               atol=1e-6)
    assert m.compiled and type(m.optimizer).__name__ == "Adam"
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2, 0]]
    res = m.evaluate(EXP["x"], y, return_dict=True, verbose=0)
    assert "accuracy" in res and np.isfinite(res["loss"])


def test_tf_keras2_functional_file():
    assert str(K2["version"]).startswith("2.")
    m = load_model(REF / "tfkeras2_functional.h5")
    assert {type(lay).__name__ for lay in m.layers} == {
        "InputLayer", "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dense",
        "Embedding", "LSTM", "Concatenate", "Dropout"}
    np.testing.assert_allclose(m.predict([K2["image"], K2["tokens"]], verbose=0),
                               K2["functional"], rtol=1e-5, atol=1e-6)
    # compiled from the file ("Custom>Adam" of tf.keras 2.11+), and trainable from there
    assert m.compiled and type(m.optimizer).__name__ == "Adam"
    assert float(m.optimizer.learning_rate) == pytest.approx(0.01)
    res = m.evaluate([K2["image"], K2["tokens"]], K2["y"], return_dict=True, verbose=0)
    assert "accuracy" in res and np.isfinite(res["loss"])
    h = m.fit([K2["image"], K2["tokens"]], K2["y"], epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(h.history["loss"]))


def test_tf_keras2_sequential_masked_recurrent_file():
    m = load_model(REF / "tfkeras2_sequential.h5")
    assert isinstance(m, pyfapi.Sequential)
    assert [type(lay).__name__ for lay in m.layers] == ["Embedding", "LSTM", "GRU", "Dense"]
    assert m.layers[0].mask_zero
    np.testing.assert_allclose(m.predict(K2["seq_x"], verbose=0), K2["sequential"], rtol=1e-5,
                               atol=1e-6)
    assert m.compiled and type(m.optimizer).__name__ == "RMSprop"
    assert m.optimizer.momentum == pytest.approx(0.5)
    assert np.isfinite(m.evaluate(K2["seq_x"], K2["seq_y"], verbose=0))


def test_tf_keras2_time_major_is_refused(tmp_path):
    import h5py
    path = tmp_path / "tm.h5"
    shutil.copy(REF / "tfkeras2_sequential.h5", path)
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = f.attrs["model_config"].replace(
            '"time_major": false', '"time_major": true', 1)
    with pytest.raises(ValueError, match="time_major=True"):
        load_model(path)


def test_save_h5_round_trip_and_atomic(tmp_path):
    pyfapi.utils.set_random_seed(0)
    i = pyfapi.Input((4,), name="inp")
    x = layers.Dense(6, activation="relu", name="d1")(i)
    x = layers.BatchNormalization(name="bn")(x)
    m = pyfapi.Model(i, layers.Dense(2, name="d2")(x))
    m.compile("sgd", "mse", metrics=["mae"])
    data = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    m.fit(data, data[:, :2], epochs=1, verbose=0)
    path = tmp_path / "m.h5"
    m.save(path)
    assert sorted(os.listdir(tmp_path)) == ["m.h5"]  # no temporary left behind
    m2 = load_model(path)
    np.testing.assert_array_equal(m2.predict(data, verbose=0), m.predict(data, verbose=0))
    assert m2.compiled
    m3 = pyfapi.Model.from_config(m.get_config())
    m3.load_weights(path)  # weights of a full legacy file, by layer name
    np.testing.assert_array_equal(m3.predict(data, verbose=0), m.predict(data, verbose=0))
    seq = pyfapi.Sequential([pyfapi.Input((4,)), layers.Dense(3, name="only")])
    seq.save(tmp_path / "s.hdf5")
    np.testing.assert_array_equal(load_model(tmp_path / "s.hdf5").predict(data, verbose=0),
                                  seq.predict(data, verbose=0))


def test_pyfapi_h5_is_read_by_real_keras(tmp_path):
    keras = keras_or_skip()
    m = load_model(REF / "tfkeras2_functional.h5")  # real Keras 3 cannot read this one itself
    m.save(tmp_path / "p.h5")
    km = keras.saving.load_model(tmp_path / "p.h5", compile=False)
    np.testing.assert_allclose(km.predict([K2["image"], K2["tokens"]], verbose=0),
                               K2["functional"], rtol=1e-5, atol=1e-6)


def test_bad_files_are_clear_errors(tmp_path):
    trunc = tmp_path / "t.h5"
    data = (REF / "keras3_legacy.h5").read_bytes()
    trunc.write_bytes(data[: len(data) // 3])
    with pytest.raises(ValueError, match="not a readable HDF5"):
        load_model(trunc)
    junk = tmp_path / "j.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        load_model(junk)
    import h5py
    with h5py.File(tmp_path / "w.h5", "w") as f:
        f.attrs["layer_names"] = np.array([b"d"])
    with pytest.raises(ValueError, match="No model config found"):
        load_model(tmp_path / "w.h5")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.h5")
    # weights that do not fit: nothing assigned
    shutil.copy(REF / "tfkeras2_sequential.h5", tmp_path / "k.h5")
    i = pyfapi.Input((6,))
    other = pyfapi.Model(i, layers.Dense(4, name="s_out")(i))
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError):
        other.load_weights(tmp_path / "k.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


# ---- optimizer state (optimizer_weights, as Keras 3's legacy format) ----------------------------
def _trained(tmp_path, opt="adam", loss="mse"):
    pyfapi.utils.set_random_seed(1)
    i = pyfapi.Input((4,), name="inp")
    x = layers.Dense(5, activation="relu", name="d1")(i)
    m = pyfapi.Model(i, layers.Dense(2, name="d2")(x))
    m.compile(opt, loss)
    data = np.random.default_rng(1).normal(size=(12, 4)).astype("float32")
    m.fit(data, data[:, :2], batch_size=4, epochs=1, verbose=0, shuffle=False)
    return m, data


def test_optimizer_state_saved_and_restored(tmp_path):
    import h5py
    m, data = _trained(tmp_path)
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        g = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        assert names == ["adam/iteration", "adam/learning_rate", "adam/d1_kernel_momentum",
                         "adam/d1_kernel_velocity", "adam/d1_bias_momentum",
                         "adam/d1_bias_velocity", "adam/d2_kernel_momentum",
                         "adam/d2_kernel_velocity", "adam/d2_bias_momentum",
                         "adam/d2_bias_velocity"]
        assert int(g["adam/iteration"][()]) == 3
        for n, v in zip(names, m.optimizer.variables):
            np.testing.assert_array_equal(g[n][()], v.numpy())
    m2 = load_model(tmp_path / "m.h5")
    for a, b in zip(m2.optimizer.variables, m.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for model in (m, m2):  # training resumes exactly where it stopped
        model.fit(data, data[:, :2], batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(m2.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    m.save(tmp_path / "n.h5", include_optimizer=False)
    with h5py.File(tmp_path / "n.h5") as f:
        assert "optimizer_weights" not in f
    assert int(load_model(tmp_path / "n.h5").optimizer.iterations.numpy()) == 0


def test_optimizer_state_of_keras_files_is_restored():
    import h5py
    m = load_model(REF / "keras3_legacy.h5")  # written by real Keras 3
    with h5py.File(REF / "keras3_legacy.h5") as f:
        g = f["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        assert len(names) == len(m.optimizer.variables) == 14
        for n, v in zip(names, m.optimizer.variables):
            np.testing.assert_array_equal(v.numpy(), g[n][()].astype(v.numpy().dtype))
    assert int(m.optimizer.iterations.numpy()) == 3
    # tf.keras 2.11+ (no learning-rate variable, "Adam/m/<path>:0" names): matched by name
    for fname, key, slot0 in (("tfkeras2_functional.h5", "functional_iterations", "Adam/m/"),
                              ("tfkeras2_sequential.h5", "sequential_iterations",
                               "RMSprop/velocity/")):
        m = load_model(REF / fname)
        assert int(m.optimizer.iterations.numpy()) == int(K2[key]) > 0
        with h5py.File(REF / fname) as f:
            g = f["optimizer_weights"]
            for var in m.trainable_variables:
                # Keras 2 names the slot without the Keras 3 path's enclosing model scope
                # ("sequential/s_lstm/lstm_cell/kernel" -> "s_lstm/lstm_cell/kernel")
                parts = var.path.split("/")
                keys = [f"{slot0}{'/'.join(parts[i:])}:0" for i in range(len(parts))]
                key = next(k for k in keys if k in g)
                np.testing.assert_array_equal(m.optimizer._slots[id(var)][0].numpy(), g[key][()])


def test_optimizer_state_that_does_not_fit_warns_and_starts_afresh(tmp_path):
    import h5py
    m, _ = _trained(tmp_path)
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        g = f["optimizer_weights"]
        g.attrs["weight_names"] = g.attrs["weight_names"][:-1]
    with pytest.warns(UserWarning, match="optimizer starts afresh"):
        m2 = load_model(tmp_path / "m.h5")
    assert int(m2.optimizer.iterations.numpy()) == 0
    np.testing.assert_array_equal(m2.get_weights()[0], m.get_weights()[0])


def test_real_keras_reads_pyfapi_optimizer_state(tmp_path):
    keras = keras_or_skip()
    # (not "mse": Keras 3.15 cannot compile its own legacy .h5 with loss="mse")
    m, _ = _trained(tmp_path, loss="mean_squared_error")
    m.save(tmp_path / "m.h5")
    km = keras.saving.load_model(tmp_path / "m.h5")
    assert int(km.optimizer.iterations.numpy()) == 3
    for a, b in zip(km.optimizer.variables[2:], m.optimizer.variables[2:]):
        np.testing.assert_array_equal(np.asarray(a.numpy()), b.numpy())
