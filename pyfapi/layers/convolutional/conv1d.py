"""Conv1D (Keras 3: keras/src/layers/convolutional/conv1d.py)."""
from __future__ import annotations

from pyfapi.layers.convolutional.base_conv import _Conv

__all__ = ['Conv1D']


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` -> ``(batch, new_steps, filters)``.

    Weights: ``kernel`` (kernel_size, in_channels, filters), ``bias`` (filters,).
    Parameters: kernel_size * in_channels * filters + filters.

    Args:
        filters, kernel_size (int or 1-tuple), strides=1, padding="valid" ("valid", "same",
        "causal": left-padded by (k-1)*dilation), data_format=None (channels_last only),
        dilation_rate=1, groups=1 (only 1), activation=None, use_bias=True,
        kernel_initializer="glorot_uniform", bias_initializer="zeros".

    Raises:
        ValueError: non-positive filters / kernel_size / strides / dilation_rate, unknown
            padding, strides > 1 together with dilation_rate > 1, input rank != 3, undefined
            channels, a 'valid' output of size <= 0.
    """

    rank = 1
