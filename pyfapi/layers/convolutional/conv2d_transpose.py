"""Conv2DTranspose (Keras 3: keras/src/layers/convolutional/conv2d_transpose.py)."""
from __future__ import annotations

from pyfapi.layers.convolutional.base_conv_transpose import _ConvTranspose

__all__ = ["Conv2DTranspose"]


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"): ``(batch, rows, cols, channels)`` ->
    ``(batch, new_rows, new_cols, filters)`` with Keras's output-size rule
    (:func:`pyfapi.kernels.conv_transpose.deconv_output_length`).

    Weights: ``kernel`` (kh, kw, filters, in_channels), ``bias`` (filters,).
    Parameters: kh * kw * filters * in_channels + filters.

    Args:
        filters, kernel_size, strides=(1, 1), padding="valid" | "same", output_padding=None
        (ints < strides), data_format=None (channels_last), dilation_rate=(1, 1),
        activation=None, use_bias=True, initializers, regularizers, constraints.

    Raises:
        ValueError: input rank != 4, undefined channels, output_padding >= strides, an output
            size <= 0 (at build / shape inference, naming the layer and the shapes).
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         **kwargs)
