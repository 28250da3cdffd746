"""GaussianNoise (Keras 3: keras/src/layers/regularization/gaussian_noise.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.regularization._noise import layer_rng

__all__ = ["GaussianNoise"]


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``stddev`` in training (identity
    otherwise). Randomness: the layer's ``seed`` or pyfapi's global generator. No weights.

    Raises:
        ValueError: stddev negative.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float "
                             f"value >= 0. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self._rng = None
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        """``inputs + N(0, stddev^2)`` when training."""
        if not training or self.stddev == 0:
            return inputs
        noise = layer_rng(self).standard_normal(tuple(inputs.shape)) * self.stddev
        return ops.add(inputs, noise.astype(np.float32))

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus stddev, seed."""
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
