"""A SeedGenerator held by a layer, as Keras 3.15 treats it where files and weights lists are
concerned: its state is not a weight (not in ``weights`` / ``get_weights()``) and is not
written to ``.weights.h5``, so weights files of layers drawing random numbers move between
pyfapi and real Keras (JAX backend) unchanged."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

import pyfapi


def _noisy(api):
    class Noisy(api.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_gen = api.random.SeedGenerator(3)

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), name="w")

        def call(self, x):
            return x * self.w + 0.0 * api.random.normal((1,), seed=self.seed_gen)

    inp = api.Input((3,))
    # explicit names: automatic ones count every Dense the test process made so far
    return api.Model(inp, api.layers.Dense(2, name="head")(Noisy(name="noisy")(inp)))


def _datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def test_seed_state_is_not_a_weight_and_weights_files_match_keras(tmp_path):
    keras = pytest.importorskip("keras")
    ours, theirs = _noisy(pyfapi), _noisy(keras)
    assert len(ours.get_weights()) == len(theirs.get_weights()) == 3
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.save_weights(tmp_path / "p.weights.h5")
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    mine, keras_own = _datasets(tmp_path / "p.weights.h5"), _datasets(tmp_path / "k.weights.h5")
    assert sorted(mine) == sorted(keras_own)  # no seed state in either file
    theirs.load_weights(str(tmp_path / "p.weights.h5"))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
