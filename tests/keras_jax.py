"""Real Keras 3 on the JAX backend for live comparisons (tests skip otherwise).

``keras_or_skip()`` returns keras when ``KERAS_BACKEND=jax`` is set (CI and developers set it;
TensorFlow is never needed) and skips otherwise: importing keras changes what other test files'
``importorskip("keras")`` see, so the default run never imports it from here. The fast tests use
the results stored in tests/references/keras_api.json instead."""
import os

import pytest


def keras_or_skip():
    if os.environ.get("KERAS_BACKEND") != "jax":
        pytest.skip("set KERAS_BACKEND=jax to compare with real Keras 3 (JAX backend)")
    pytest.importorskip("jax")
    return pytest.importorskip("keras")
