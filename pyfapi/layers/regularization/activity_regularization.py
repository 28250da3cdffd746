"""ActivityRegularization (Keras 3: keras/src/layers/regularization/
activity_regularization.py)."""
from __future__ import annotations

from pyfapi import regularizers
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["ActivityRegularization"]


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x^2)`` (divided by the batch size, as every
    Keras activity regularizer) to ``layer.losses``. No weights.

    Raises:
        ValueError: negative l1 / l2.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.built = True

    def call(self, inputs):
        """``inputs`` (the penalty is added by the Layer base)."""
        return inputs

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """name, trainable, dtype, l1, l2 (Keras keys; no activity_regularizer entry)."""
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
