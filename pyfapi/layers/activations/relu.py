"""ReLU layer (Keras 3: keras/src/layers/activations/relu.py)."""
from __future__ import annotations

from pyfapi import activations
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["ReLU"]


class ReLU(Layer):
    """Rectified linear unit with Keras's options; output shape = input shape, no weights::

        f(x) = max_value                 if x >= max_value
        f(x) = x                         if threshold <= x < max_value
        f(x) = negative_slope (x - threshold) otherwise

    Args:
        max_value: None or float >= 0. negative_slope: float >= 0 (default 0).
        threshold: float >= 0 (default 0).

    Raises:
        ValueError: negative max_value, negative_slope or threshold (Keras messages).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. "
                             f"Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        """Applies the rectifier elementwise."""
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus max_value, negative_slope, threshold."""
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
