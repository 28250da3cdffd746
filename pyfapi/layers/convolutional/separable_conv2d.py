"""SeparableConv2D (Keras 3: keras/src/layers/convolutional/separable_conv2d.py)."""
from __future__ import annotations

from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import (conv_output_shape, normalize_data_format,
                                      normalize_padding, normalize_tuple)
from pyfapi.layers.layer_utils import (add_bias_weight, serialize_activation, serialize_initializer,
                                       serialize_object)
from pyfapi.layers.convolutional.base_conv import (_bias_activation, _channels, _check_positive_int,
                                                   _check_strides_dilation, _conv_bias_activation)

__all__ = ['SeparableConv2D']


class SeparableConv2D(Layer):
    """Depthwise 2-D convolution followed by a 1x1 (pointwise) convolution.

    Input ``(batch, rows, cols, channels)``, output ``(batch, new_rows, new_cols, filters)``.

    Weights (Keras order): ``depthwise_kernel`` (kh, kw, channels, depth_multiplier),
    ``pointwise_kernel`` (1, 1, channels * depth_multiplier, filters), ``bias`` (filters,).
    Parameters: kh*kw*channels*dm + channels*dm*filters + filters.

    Args:
        filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
        dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
        depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
        bias_initializer="zeros".

    Raises:
        ValueError: bad arguments (as Conv2D), input rank != 4, undefined channels.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint
        self.bias_constraint = bias_constraint
        self.filters = _check_positive_int(filters, "filters", "SeparableConv2D")
        self.depth_multiplier = _check_positive_int(depth_multiplier, "depth_multiplier",
                                                    "SeparableConv2D")
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, 2, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        _check_strides_dilation(self.strides, self.dilation_rate, "SeparableConv2D")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape):
        """Creates ``depthwise_kernel`` (kh, kw, cin, depth_multiplier), ``pointwise_kernel``
        (1, 1, cin * depth_multiplier, filters) and, if use_bias, ``bias`` (filters,).
        Input ``(batch, rows, cols, cin)``; ValueError if cin is None or rank != 4.
        """
        cin = _channels(self, input_shape, 2)
        dm = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(shape=self.kernel_size + (cin, dm),
                                                initializer=self.depthwise_initializer,
                                                name="depthwise_kernel",
                                                regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(shape=(1, 1, cin * dm, self.filters),
                                                initializer=self.pointwise_initializer,
                                                name="pointwise_kernel",
                                                regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self.bias = add_bias_weight(self, self.filters)
        self.input_spec = InputSpec(ndim=4, axes={-1: cin})
        self.built = True

    def call(self, inputs, training=None):
        """Depthwise conv, then 1x1 pointwise conv, bias and activation:
        ``(batch, rows, cols, cin)`` -> ``(batch, out_rows, out_cols, filters)``.
        """
        fused = getattr(ops, "separable_conv", None)
        if fused is not None:
            y = fused(inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
                      padding=self.padding, dilation_rate=self.dilation_rate)
        else:
            y = ops.depthwise_conv(inputs, self.depthwise_kernel, strides=self.strides,
                                   padding=self.padding, dilation_rate=self.dilation_rate)
            return _conv_bias_activation(y, self.pointwise_kernel, self.bias, self.activation,
                                         strides=1, padding="valid")
        return _bias_activation(y, self.bias, self.activation)

    def compute_output_shape(self, input_shape):
        """``(batch, rows, cols, cin)`` -> ``(batch, out_rows, out_cols, filters)``.
        Spatial sizes follow the TF "valid"/"same" rules for kernel_size, strides and dilation_rate.
        """
        return conv_output_shape(self, input_shape, self.kernel_size, self.strides, self.padding,
                                 self.dilation_rate, self.filters)

    def get_config(self):
        """Layer config plus filters, kernel_size, strides, padding, depth_multiplier, initializers,
        etc.
        """
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "depth_multiplier": self.depth_multiplier,
            "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
            "depthwise_initializer": serialize_initializer(self.depthwise_initializer),
            "pointwise_initializer": serialize_initializer(self.pointwise_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "depthwise_regularizer": serialize_object(self.depthwise_regularizer),
            "pointwise_regularizer": serialize_object(self.pointwise_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "depthwise_constraint": serialize_object(self.depthwise_constraint),
            "pointwise_constraint": serialize_object(self.pointwise_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
        })
        return config
