"""Regenerate the legacy-HDF5 fixtures of tests/test_legacy_h5.py (not run by the suite):
    KERAS_BACKEND=jax python tests/references/gen_legacy_h5.py

* keras3_legacy.h5: written by real Keras 3 (`model.save("...h5")`, legacy format), a functional
  model Input(6) -> Dense(5, relu) -> BatchNormalization -> Dropout -> Dense(3, softmax),
  compiled (adam, categorical_crossentropy, accuracy) and trained a few steps;
* keras2_legacy.h5 / keras2_sequential.h5: the tf.keras 2.x layout (keras_version 2.13.1,
  `batch_input_shape`, list-style inbound_nodes, weight names with ":0", an Adam config with
  `decay`) written with h5py -- TensorFlow is not installed here, so the file is built to the
  byte layout tf.keras 2.x writes (keras/saving/legacy/hdf5_format.py), with Keras 3 computing
  the reference predictions from the same weights;
* legacy_h5_expected.npz: inputs and every model's expected predictions.
"""
import json
import os

import h5py
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

# ---- a tf.keras 2.x file with the same architecture (other layer names) and weights ----------
W = [w.numpy() for w in m.weights]  # hidden k, b; bn gamma, beta, mean, var; probs k, b
init = lambda n: {"class_name": n, "config": {"seed": None} if n == "GlorotUniform" else {}}  # noqa
dense = lambda name, units, act: {  # noqa: E731
    "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": act,
    "use_bias": True, "kernel_initializer": init("GlorotUniform"),
    "bias_initializer": init("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
bn = {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [1],
      "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
      "beta_initializer": init("Zeros"), "gamma_initializer": init("Ones"),
      "moving_mean_initializer": init("Zeros"), "moving_variance_initializer": init("Ones"),
      "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
      "gamma_constraint": None}
drop = {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.3,
        "noise_shape": None, "seed": None}
functional = {"class_name": "Functional", "config": {"name": "model", "trainable": True, "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6], "dtype": "float32",
                                            "sparse": False, "ragged": False, "name": "input_1"},
     "name": "input_1", "inbound_nodes": []},
    {"class_name": "Dense", "config": dense("dense", 5, "relu"), "name": "dense",
     "inbound_nodes": [[["input_1", 0, 0, {}]]]},
    {"class_name": "BatchNormalization", "config": bn, "name": "batch_normalization",
     "inbound_nodes": [[["dense", 0, 0, {}]]]},
    {"class_name": "Dropout", "config": drop, "name": "dropout",
     "inbound_nodes": [[["batch_normalization", 0, 0, {}]]]},
    {"class_name": "Dense", "config": dense("dense_1", 3, "softmax"), "name": "dense_1",
     "inbound_nodes": [[["dropout", 0, 0, {}]]]}],
    "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]},
    "keras_version": "2.13.1", "backend": "tensorflow"}
sequential = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6], "dtype": "float32",
                                            "sparse": False, "ragged": False,
                                            "name": "dense_input"}},
    {"class_name": "Dense", "config": {**dense("dense", 5, "relu"),
                                       "batch_input_shape": [None, 6]}},
    {"class_name": "BatchNormalization", "config": bn},
    {"class_name": "Dropout", "config": drop},
    {"class_name": "Dense", "config": dense("dense_1", 3, "softmax")}]},
    "keras_version": "2.13.1", "backend": "tensorflow"}
training = {"loss": "categorical_crossentropy",
            "metrics": [[{"class_name": "MeanMetricWrapper",
                          "config": {"name": "accuracy", "dtype": "float32",
                                     "fn": "categorical_accuracy"}}]],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Adam", "config": {
                "name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0,
                "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "epsilon": 1e-07,
                "amsgrad": False}}}
layer_weights = [("input_1", []), ("dense", [("kernel:0", W[0]), ("bias:0", W[1])]),
                 ("batch_normalization", [("gamma:0", W[2]), ("beta:0", W[3]),
                                          ("moving_mean:0", W[4]),
                                          ("moving_variance:0", W[5])]),
                 ("dropout", []), ("dense_1", [("kernel:0", W[6]), ("bias:0", W[7])])]
for fname, cfg, names in (("keras2_legacy.h5", functional, layer_weights),
                          ("keras2_sequential.h5", sequential,
                           [("dense_input", [])] + layer_weights[1:])):
    with h5py.File(os.path.join(HERE, fname), "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(cfg)
        f.attrs["training_config"] = json.dumps(training)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([n.encode() for n, _ in names])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.13.1"
        for lname, ws in names:
            lg = g.create_group(lname)
            lg.attrs["weight_names"] = np.array([f"{lname}/{w}".encode() for w, _ in ws])
            for wname, arr in ws:
                lg.create_dataset(f"{lname}/{wname}", data=arr)
np.savez(os.path.join(HERE, "legacy_h5_expected.npz"), x=x, keras3=p3)
print("wrote fixtures; keras3 predictions", p3.shape)
