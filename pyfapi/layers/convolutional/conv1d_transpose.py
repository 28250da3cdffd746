"""Conv1DTranspose (Keras 3: keras/src/layers/convolutional/conv1d_transpose.py)."""
from __future__ import annotations

from pyfapi.layers.convolutional.base_conv_transpose import _ConvTranspose

__all__ = ["Conv1DTranspose"]


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution: ``(batch, steps, channels)`` -> ``(batch, new_steps,
    filters)`` with Keras's output-size rule.

    Weights: ``kernel`` (k, filters, in_channels), ``bias`` (filters,).

    Args:
        filters, kernel_size, strides=1, padding="valid" | "same", output_padding=None,
        data_format=None, dilation_rate=1, activation=None, use_bias=True, initializers,
        regularizers, constraints.

    Raises:
        ValueError: input rank != 3, output_padding >= strides, an output size <= 0.
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         **kwargs)
