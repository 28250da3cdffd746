"""Shared base of Conv1DTranspose / Conv2DTranspose (Keras 3:
keras/src/layers/convolutional/base_conv_transpose.py)."""
from __future__ import annotations

from pyfapi import activations, constraints, initializers, ops, regularizers
from pyfapi.graph.input_spec import InputSpec
from pyfapi.kernels.conv_transpose import conv_transpose_geometry
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import normalize_data_format, normalize_padding, normalize_tuple
from pyfapi.layers.convolutional.base_conv import _channels, _check_positive_int
from pyfapi.layers.layer_utils import (add_bias_weight, serialize_activation,
                                       serialize_initializer, serialize_object)

__all__ = []


class _ConvTranspose(Layer):
    """Shared part of Conv1DTranspose / Conv2DTranspose (``rank`` spatial axes)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        cls = type(self).__name__
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.filters = _check_positive_int(filters, "filters", cls)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", self.name)
        self.padding = normalize_padding(padding, self.name, ("valid", "same"))
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = normalize_tuple(output_padding, self.rank, "output_padding",
                                                  self.name, allow_zero=True)
            for p, s in zip(self.output_padding, self.strides):
                if p >= s:
                    raise ValueError(f"{cls} '{self.name}': strides {self.strides} must be "
                                     f"greater than output padding {self.output_padding}")
        self.data_format = normalize_data_format(data_format, self.name)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        """Creates ``kernel`` (*kernel_size, filters, in_channels) and ``bias`` (filters,)."""
        cin = _channels(self, input_shape, self.rank)
        self.compute_output_shape(input_shape)  # output size <= 0: ValueError now
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, cin),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = add_bias_weight(self, self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: cin})
        self.built = True

    def call(self, inputs, training=None):
        """``activation(conv_transpose(inputs, kernel) + bias)``."""
        y = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                               output_padding=self.output_padding,
                               dilation_rate=self.dilation_rate)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        return y if self.activation is activations.linear else self.activation(y)

    def compute_output_shape(self, input_shape):
        """Keras's ``deconv_output_length`` per spatial axis; ValueError if any is <= 0."""
        shape = tuple(input_shape)
        _channels(self, shape, self.rank)
        ks = self.kernel_size + (self.filters, shape[-1])
        return conv_transpose_geometry(shape, ks, self.strides, self.padding, self.output_padding,
                                       self.dilation_rate,
                                       op=f"Layer '{self.name}' ({type(self).__name__})"
                                       ).output_shape

    def get_config(self):
        """Keras 3 keys: filters, kernel_size, strides, padding, output_padding, data_format,
        dilation_rate, activation, use_bias, initializers, regularizers, constraints."""
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "output_padding": self.output_padding,
        })
        return config
