"""Regenerate the legacy-HDF5 fixtures of tests/test_legacy_h5.py (not run by the suite):
    KERAS_BACKEND=jax python tests/references/gen_legacy_h5.py

* keras3_legacy.h5: written by real Keras 3 (`model.save("...h5")`, legacy format), a functional
  model Input(6) -> Dense(5, relu) -> BatchNormalization -> Dropout -> Dense(3, softmax),
  compiled (adam, categorical_crossentropy, accuracy) and trained a few steps;
* legacy_h5_expected.npz: its inputs and Keras 3's predictions.

The Keras 2 fixtures (tfkeras2_*.h5) are written by genuine tf.keras 2: gen_keras2_h5.py.
"""
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)
x = rng.normal(size=(7, 6)).astype("float32")
keras.utils.set_random_seed(0)
inp = keras.Input((6,), name="features")
h = keras.layers.Dense(5, activation="relu", name="hidden")(inp)
h = keras.layers.BatchNormalization(name="bn")(h)
h = keras.layers.Dropout(0.3, name="drop")(h)
out = keras.layers.Dense(3, activation="softmax", name="probs")(h)
m = keras.Model(inp, out)
m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
m.fit(x, np.eye(3)[rng.integers(0, 3, 7)], epochs=3, verbose=0)
m.save(os.path.join(HERE, "keras3_legacy.h5"))
p3 = m.predict(x, verbose=0)

np.savez(os.path.join(HERE, "legacy_h5_expected.npz"), x=x, keras3=p3)
print("wrote fixtures; keras3 predictions", p3.shape)
