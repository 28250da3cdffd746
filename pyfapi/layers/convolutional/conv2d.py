"""Conv2D (Keras 3: keras/src/layers/convolutional/conv2d.py)."""
from __future__ import annotations

from pyfapi.layers.convolutional.base_conv import _Conv

__all__ = ['Conv2D']


class Conv2D(_Conv):
    """2-D convolution over ``(batch, rows, cols, channels)`` -> ``(batch, new_rows, new_cols,
    filters)``.

    Weights: ``kernel`` (kh, kw, in_channels, filters), ``bias`` (filters,).
    Parameters: kh * kw * in_channels * filters + filters.

    Args:
        filters, kernel_size (int or 2-tuple), strides=(1, 1), padding="valid" ("valid" or
        "same"), data_format=None (channels_last only), dilation_rate=(1, 1), groups=1,
        activation=None, use_bias=True, kernel_initializer="glorot_uniform",
        bias_initializer="zeros".

    Raises:
        ValueError: as :class:`Conv1D` (input rank must be 4; no 'causal').
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias, **kwargs)
