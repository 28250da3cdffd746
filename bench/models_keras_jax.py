"""The notebook's models in Keras 3 on the JAX backend (CPU) -- peer of pyfapi in
bench/compare_models.py (same graphs as :mod:`models_keras`, built by
:func:`models_pyfapi.build_keras_api_model`; pyfapi's initial weights copied in).

Train step = ``model.train_on_batch`` (a jitted XLA function after the first call), inference =
``model.predict_on_batch``. Threads: XLA's CPU client reads ``XLA_FLAGS`` once, when jax is first
imported: at 1 thread :func:`setup` sets ``--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1``; at N > 1 it leaves XLA's default pool (all usable cores).
Under ``--policy mixed_bfloat16`` the model is built under
``keras.mixed_precision.set_global_policy("mixed_bfloat16")``.
"""
from __future__ import annotations

import os

from models_pyfapi import KerasAPIRunner, bench_policy

NAME = "keras_jax"


def setup(threads):
    """Import Keras on JAX (``threads`` as described above); returns keras or raises."""
    os.environ["KERAS_BACKEND"] = "jax"
    if int(threads) == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (flags + " --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()
    import jax  # noqa: F401
    import keras
    if keras.backend.backend() != "jax":
        raise ImportError(f"Keras backend is {keras.backend.backend()!r}, not jax (keras was "
                          f"imported before with another backend)")
    return keras


def version():
    import jax
    import keras
    return f"keras {keras.__version__} on jax {jax.__version__} " \
           f"(XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}, policy {bench_policy()})"


def available(name):
    return True, ""


def make_runner(name, cfg, xs, ys, weights=None):
    import keras
    policy = bench_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        return KerasAPIRunner(keras, name, cfg, xs, ys, weights)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def cleanup():
    import keras
    keras.backend.clear_session()
