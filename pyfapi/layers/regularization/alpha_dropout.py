"""AlphaDropout (Keras 3: keras/src/layers/regularization/alpha_dropout.py; Klambauer et al.
2017, self-normalizing networks)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.regularization._noise import check_rate, layer_rng

__all__ = ["AlphaDropout"]

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout that keeps SELU's self-normalizing mean and variance: in training, dropped
    entries become ``alpha' = -alpha * scale`` and the result is ``a * x + b`` with
    ``a = ((1 - rate) (1 + rate alpha'^2))^-1/2``, ``b = -a alpha' rate``. Identity otherwise.

    Args:
        rate: float in [0, 1). noise_shape: optional, broadcast over the input (None entries
        take the input's size). seed.

    Raises:
        ValueError: rate outside [0, 1).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, "AlphaDropout", upper_inclusive=False)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        """The alpha-dropped inputs when training and rate > 0."""
        if not training or self.rate <= 0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        alpha_p = -_ALPHA * _SCALE
        kept = (layer_rng(self).random(shape) >= self.rate).astype(np.float32)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), (1.0 - kept) * np.float32(alpha_p))
        return ops.add(ops.multiply(x, np.float32(a)), np.float32(b))

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus rate, noise_shape, seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config
