"""Regenerate tests/references/keras_fit_multi_output.npz from real Keras 3 (not run by the suite):
    KERAS_BACKEND=jax python tests/references/gen_keras_fit.py tests/references/keras_fit_multi_output.npz

The notebook's multi-output model (posts -> age / income / gender) trained by Keras for 3 epochs
with each of SGD(0.05, momentum=0.9), "rmsprop" and "adam", no shuffling, validation_split=0.25.
Stored per optimizer: the initial and final weights, every History entry and evaluate(). The data
and the compile/fit arguments are stored too, so tests/test_training_vs_keras.py repeats the run in
pyfapi without Keras (CI then needs Keras only to read, write and predict).
"""
import os
import sys

import numpy as np

N = 24
LOSS = {"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"}
LOSS_WEIGHTS = {"age": 0.25, "income": 1.0, "gender": 10.0}
METRICS = {"income": ["acc"], "gender": ["acc"]}
FIT = dict(epochs=3, batch_size=6, shuffle=False, verbose=0, validation_split=0.25)
OPTIMIZERS = ("sgd", "rmsprop", "adam")


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 6)).astype(np.float32)
    y = {"age": rng.normal(size=(N, 1)).astype(np.float32),
         "income": np.eye(4, dtype=np.float32)[rng.integers(0, 4, N)],
         "gender": rng.integers(0, 2, (N, 1)).astype(np.float32)}
    return x, y


def build(mod, inp_layer):
    inp = inp_layer(shape=(6,), name="posts")
    x = mod.Dense(8, activation="relu")(inp)
    outs = [mod.Dense(1, name="age")(x), mod.Dense(4, activation="softmax", name="income")(x),
            mod.Dense(1, activation="sigmoid", name="gender")(x)]
    return inp, outs


def main(path):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    x, y = data()
    out = {"x": x, **{f"y_{k}": v for k, v in y.items()},
           "about": np.array(f"keras {keras.__version__}, backend {keras.backend.backend()}")}
    for opt in OPTIMIZERS:
        keras.utils.set_random_seed(1)
        model = keras.Model(*build(keras.layers, keras.Input))
        out[f"{opt}/n_weights"] = np.array(len(model.get_weights()))
        for i, w in enumerate(model.get_weights()):
            out[f"{opt}/init/{i}"] = np.asarray(w)
        kopt = keras.optimizers.SGD(0.05, momentum=0.9) if opt == "sgd" else opt
        model.compile(optimizer=kopt, loss=LOSS, loss_weights=LOSS_WEIGHTS, metrics=METRICS)
        for key, values in model.fit(x, y, **FIT).history.items():
            out[f"{opt}/history/{key}"] = np.asarray(values, np.float64)
        for i, w in enumerate(model.get_weights()):
            out[f"{opt}/final/{i}"] = np.asarray(w)
        out[f"{opt}/evaluate"] = np.asarray(model.evaluate(x, y, verbose=0), np.float64)
    np.savez_compressed(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
