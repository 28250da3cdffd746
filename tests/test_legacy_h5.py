"""Keras's legacy single-file HDF5 models: a file written by real Keras 3 and tf.keras-2.x-layout
files (tests/references/gen_legacy_h5.py) load to the same predictions; pyfapi's save("m.h5")
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


@pytest.mark.parametrize("fname", ["keras3_legacy.h5", "keras2_legacy.h5", "keras2_sequential.h5"])
def test_keras_files_load_to_the_same_predictions(fname):
    m = load_model(REF / fname)
    np.testing.assert_allclose(m.predict(EXP["x"], verbose=0), EXP["keras3"], rtol=1e-5,
                               atol=1e-6)
    assert m.compiled and type(m.optimizer).__name__ == "Adam"
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2, 0]]
    res = m.evaluate(EXP["x"], y, return_dict=True, verbose=0)
    assert "accuracy" in res and np.isfinite(res["loss"])


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
    m = load_model(REF / "keras2_legacy.h5")
    m.save(tmp_path / "p.h5")
    km = keras.saving.load_model(tmp_path / "p.h5", compile=False)
    np.testing.assert_allclose(km.predict(EXP["x"], verbose=0), EXP["keras3"], rtol=1e-5,
                               atol=1e-6)


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
    shutil.copy(REF / "keras2_legacy.h5", tmp_path / "k.h5")
    i = pyfapi.Input((6,))
    other = pyfapi.Model(i, layers.Dense(4, name="dense")(i))
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError):
        other.load_weights(tmp_path / "k.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
