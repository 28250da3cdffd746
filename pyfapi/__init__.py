"""pyfapi: the Keras functional API on our own C++/OpenMP CPU kernels.

Write Keras code with ``keras`` replaced by ``pyfapi``::

    import pyfapi
    from pyfapi import layers
    inputs = pyfapi.Input(shape=(64,))
    outputs = layers.Dense(10, activation="softmax")(inputs)
    model = pyfapi.Model(inputs, outputs)
"""
from __future__ import annotations

__version__ = "0.1.0"

from pyfapi import _C  # noqa: F401  (fails loudly if the extension is not built)
from pyfapi._config import config, get_num_threads, set_num_threads, show_config
from pyfapi import kernels

__all__ = ["__version__", "set_num_threads", "get_num_threads", "show_config", "config", "kernels"]
