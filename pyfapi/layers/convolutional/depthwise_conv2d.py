"""DepthwiseConv2D (Keras 3: keras/src/layers/convolutional/depthwise_conv2d.py)."""
from __future__ import annotations

from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import (conv_output_shape, normalize_data_format,
                                      normalize_padding, normalize_tuple)
from pyfapi.layers.layer_utils import (add_bias_weight, serialize_activation, serialize_initializer,
                                       serialize_object)
from pyfapi.layers.convolutional.base_conv import (_bias_activation, _channels, _check_positive_int,
                                                   _check_strides_dilation)

__all__ = ['DepthwiseConv2D']


class DepthwiseConv2D(Layer):
    """Depthwise 2-D convolution: each input channel convolved with its own ``depth_multiplier``
    filters; output channel ``c * depth_multiplier + m``.

    Input ``(batch, rows, cols, channels)``, output ``(batch, new_rows, new_cols,
    channels * depth_multiplier)``.

    Weights: ``kernel`` (kh, kw, channels, depth_multiplier), ``bias``
    (channels * depth_multiplier,). Parameters: kh*kw*channels*dm + channels*dm.

    Args:
        kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
        dilation_rate=(1, 1), activation=None, use_bias=True,
        depthwise_initializer="glorot_uniform", bias_initializer="zeros".

    Raises:
        ValueError: bad arguments (as Conv2D), input rank != 4, undefined channels.
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depthwise_regularizer, self.bias_regularizer = depthwise_regularizer, bias_regularizer
        self.depthwise_constraint, self.bias_constraint = depthwise_constraint, bias_constraint
        self.depth_multiplier = _check_positive_int(depth_multiplier, "depth_multiplier",
                                                    "DepthwiseConv2D")
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 2, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        _check_strides_dilation(self.strides, self.dilation_rate, "DepthwiseConv2D")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        """Creates ``kernel`` (kh, kw, cin, depth_multiplier) and, if use_bias, ``bias`` (cin *
        depth_multiplier,). Input ``(batch, rows, cols, cin)``; ValueError if cin is None or rank
        != 4.
        """
        cin = _channels(self, input_shape, 2)
        self.kernel = self.add_weight(shape=self.kernel_size + (cin, self.depth_multiplier),
                                      initializer=self.depthwise_initializer, name="kernel",
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = add_bias_weight(self, cin * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=4, axes={-1: cin})
        self.built = True

    def call(self, inputs, training=None):
        """Depthwise convolution plus bias and activation:
        ``(batch, rows, cols, cin)`` -> ``(batch, out_rows, out_cols, cin * depth_multiplier)``.
        """
        y = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               dilation_rate=self.dilation_rate)
        return _bias_activation(y, self.bias, self.activation)

    def compute_output_shape(self, input_shape):
        """``(batch, rows, cols, cin)`` -> ``(batch, out_rows, out_cols, cin * depth_multiplier)``.
        Spatial sizes follow the TF "valid"/"same" rules for kernel_size, strides and dilation_rate.
        """
        shape = tuple(input_shape)
        cout = None if len(shape) != 4 or shape[-1] is None else shape[-1] * self.depth_multiplier
        return conv_output_shape(self, input_shape, self.kernel_size, self.strides, self.padding,
                                 self.dilation_rate, cout)

    def get_config(self):
        """Layer config plus kernel_size, strides, padding, depth_multiplier, dilation, activation,
        etc.
        """
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "depth_multiplier": self.depth_multiplier, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
            "depthwise_initializer": serialize_initializer(self.depthwise_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "depthwise_regularizer": serialize_object(self.depthwise_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "depthwise_constraint": serialize_object(self.depthwise_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
        })
        return config
