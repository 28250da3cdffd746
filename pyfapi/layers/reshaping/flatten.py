"""Flatten (Keras 3: keras/src/layers/reshaping/flatten.py)."""
from __future__ import annotations

import math
from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import check_rank

__all__ = ['Flatten']


class Flatten(Layer):
    """Flattens every axis but the batch: ``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``
    (None when any di is unknown); a rank-1 input gives ``(batch, 1)``. No weights.

    Args:
        data_format: None or "channels_last" ("channels_first" is not supported).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten: only data_format='channels_last' is supported, "
                             f"received {data_format!r}")
        self.data_format = "channels_last"
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs, training=None):
        """Reshapes ``(batch, d1, ..., dn)`` to ``(batch, d1*...*dn)``."""
        shape = tuple(inputs.shape)
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        """``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``, None if any di is None; ValueError if
        rank < 1.
        """
        shape = check_rank(self, input_shape, min_ndim=1)
        rest = shape[1:]
        flat = None if any(d is None for d in rest) else math.prod(rest)
        return (shape[0], flat)

    def get_config(self):
        """Layer config plus ``data_format`` (always "channels_last")."""
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
