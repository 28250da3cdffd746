"""LeakyReLU layer (Keras 3: keras/src/layers/activations/leaky_relu.py)."""
from __future__ import annotations

import warnings

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["LeakyReLU"]


class LeakyReLU(Layer):
    """``f(x) = negative_slope * x if x < 0 else x``; output shape = input shape, no weights.

    Args:
        negative_slope: float >= 0 (Keras default 0.3). ``alpha`` is accepted with a warning
            (deprecated Keras 2 name).

    Raises:
        ValueError: negative_slope None or negative.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             f"negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Applies the leaky rectifier elementwise."""
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus negative_slope."""
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
