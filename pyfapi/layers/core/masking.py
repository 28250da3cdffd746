"""Masking (Keras 3: keras/src/layers/core/masking.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["Masking"]


class Masking(Layer):
    """Masks timesteps whose features all equal ``mask_value``.

    For inputs ``(batch, timesteps, ...)``: ``mask = any(inputs != mask_value, axis=-1)``
    (shape (batch, timesteps)); the output is ``inputs * mask[..., None]`` (masked steps become
    zeros) and carries the mask, which downstream layers (RNNs, pooling, losses) use to skip the
    masked steps.

    Args:
        mask_value: float (default 0.0).
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)`` (bool)."""
        if isinstance(inputs, KerasTensor):
            return KerasTensor(inputs.shape[:-1], dtype="bool")
        x = np.asarray(getattr(inputs, "value", inputs))
        return ops.convert_to_tensor(np.any(x != self.mask_value, axis=-1))

    def call(self, inputs):
        """``inputs * mask[..., None]`` with the output's mask set (shape-preserving)."""
        mask = self.compute_mask(inputs)
        out = ops.multiply(inputs, ops.cast(ops.expand_dims(mask, -1), inputs.dtype))
        out._keras_mask = mask
        return out

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus mask_value."""
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
