"""Real Keras 3 on the JAX backend for reference values (tests skip when it is not installed).

``keras_or_skip()`` sets ``KERAS_BACKEND=jax`` unless a backend was chosen, imports keras once
and returns it; TensorFlow is never needed."""
import os

import pytest


def keras_or_skip():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    pytest.importorskip("jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax" and os.environ["KERAS_BACKEND"] == "jax":
        pytest.skip("keras was imported earlier with another backend")
    return keras
