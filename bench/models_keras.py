"""The notebook's models in Keras 3 on TensorFlow CPU (peer of pyfapi in bench/compare_models.py).

The graphs are built by the same code as pyfapi's (:func:`models_pyfapi.build_keras_api_model`
with ``lib=keras``): identical layers, names and weight layouts, and pyfapi's initial weights are
copied in with ``set_weights``. Train step = ``model.train_on_batch`` (a compiled tf.function after
the first call; Keras 3 disables XLA on CPU-only machines with ``jit_compile='auto'``), inference =
``model.predict_on_batch``.

Threads: TensorFlow reads its pool sizes once, so :func:`setup` must run before TF executes any
op: intra-op = ``threads``, inter-op = 1 (ops run one at a time, as in pyfapi and eager PyTorch).
"""
from __future__ import annotations

import os

from models_pyfapi import KerasAPIRunner, bench_policy

NAME = "keras"


def setup(threads):
    """Import TensorFlow + Keras with ``threads`` intra-op threads; returns keras or raises."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(int(threads))
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.get_logger().setLevel("ERROR")  # one model per tf.function: retracing warnings are expected
    import keras
    if keras.backend.backend() != "tensorflow":
        raise ImportError(f"Keras backend is {keras.backend.backend()!r}, not tensorflow")
    return keras


def version():
    import keras
    import tensorflow as tf
    return f"keras {keras.__version__} on tensorflow {tf.__version__} " \
           f"(intra {tf.config.threading.get_intra_op_parallelism_threads()}, " \
           f"inter {tf.config.threading.get_inter_op_parallelism_threads()})"


def available(name):
    return True, ""


def make_runner(name, cfg, xs, ys, weights=None):
    import keras
    keras.mixed_precision.set_global_policy(bench_policy())
    try:
        return KerasAPIRunner(keras, name, cfg, xs, ys, weights)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def cleanup():
    import keras
    keras.backend.clear_session()
