"""Identity (Keras 3: keras/src/layers/core/identity.py)."""
from __future__ import annotations

from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["Identity"]


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer). No weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """``inputs``."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)
