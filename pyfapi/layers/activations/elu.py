"""ELU layer (Keras 3: keras/src/layers/activations/elu.py)."""
from __future__ import annotations

from pyfapi import activations
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["ELU"]


class ELU(Layer):
    """``f(x) = alpha (exp(x) - 1) if x < 0 else x``; output shape = input shape, no weights.

    Args:
        alpha: float (default 1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Applies elu elementwise."""
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus alpha."""
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
