"""GaussianDropout (Keras 3: keras/src/layers/regularization/gaussian_dropout.py)."""
from __future__ import annotations

import math

import numpy as np

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.regularization._noise import check_rate, layer_rng

__all__ = ["GaussianDropout"]


class GaussianDropout(Layer):
    """Multiplies by 1-centred Gaussian noise of stddev ``sqrt(rate / (1 - rate))`` in training
    (identity otherwise). No weights.

    Raises:
        ValueError: rate outside [0, 1].
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, "GaussianDropout")
        self.seed = seed
        self._rng = None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        """``inputs * N(1, rate / (1 - rate))`` when training and 0 < rate < 1."""
        if not training or not 0 < self.rate < 1:
            return inputs
        std = math.sqrt(self.rate / (1.0 - self.rate))
        noise = 1.0 + layer_rng(self).standard_normal(tuple(inputs.shape)) * std
        return ops.multiply(inputs, noise.astype(np.float32))

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus rate, seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
