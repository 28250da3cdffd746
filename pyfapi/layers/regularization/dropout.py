"""Dropout (Keras 3: keras/src/layers/regularization/dropout.py)."""
from __future__ import annotations

import numpy as np
from pyfapi import ops
from pyfapi.kernels.dropout import draw_seed, dropout_mask
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.utils.random import make_rng

__all__ = ['Dropout']


class Dropout(Layer):
    """Inverted dropout: in training, zero each entry with probability ``rate`` and scale the
    rest by ``1 / (1 - rate)``; identity when ``training`` is falsy (inference, the default).

    Each call draws one 64-bit seed from :func:`pyfapi.utils.random.global_rng` (or a per-layer
    generator seeded with ``seed``) for the mask (:func:`pyfapi.kernels.dropout.dropout_mask`,
    counter-based, made in C++). Output shape = input shape. No weights.

    Args:
        rate: float in [0, 1].
        noise_shape: optional shape of the keep mask, broadcast over the input (None entries take
            the input's size), as Keras.
        seed: optional int.

    Raises:
        ValueError: rate outside [0, 1].
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the input mask passes through (Keras 3)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) \
                or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)
        self.built = True

    def call(self, inputs, training=None):
        """Returns ``inputs * mask`` with mask = keep / (1 - rate) when ``training`` is truthy, else
        inputs. Shape-preserving. Raises ValueError if ``noise_shape`` rank differs from the
        input rank.
        """
        if not training or self.rate == 0.0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            if len(self.noise_shape) != len(shape):
                raise ValueError(f"Layer '{self.name}': noise_shape={self.noise_shape} must have "
                                 f"the rank of the inputs, received input shape {shape}")
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        if self.rate == 1.0:
            return ops.multiply(inputs, np.zeros(shape, np.float32))
        # one 64-bit draw from the generator seeds the C++ counter-based mask (csrc/dropout)
        return ops.multiply(inputs, dropout_mask(shape, self.rate, self._mask_seed()))

    def _mask_seed(self) -> int:
        """The stream seed of the next mask: one 64-bit draw from the layer's generator (seeded
        layers) or the global one (MultiHeadAttention draws it to drop inside its fused kernel)."""
        return draw_seed(self._rng if self._rng is not None else make_rng(None))

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus rate, noise_shape and seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config
