"""Shared base of the convolution layers: ``_Conv`` and the bias / activation helpers.

Keras 3 arguments, defaults, weight names, layouts and order (sources:
keras/src/layers/convolutional/base_conv.py, base_depthwise_conv.py, base_separable_conv.py).
Output sizes: see :mod:`pyfapi.layers.convolutional.conv_utils`. The convolution itself is
``pyfapi.ops.conv``; bias + relu go into the GEMM epilogue through ``ops.conv_bias_activation``
when they can, else separate ops.
"""
from __future__ import annotations

import numpy as np
from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import (conv_output_shape, normalize_data_format,
                                      normalize_padding, normalize_tuple)
from pyfapi.layers.layer_utils import (add_bias_weight, fused_activation_name, reject_unsupported,
                                       serialize_activation, serialize_initializer,
                                       serialize_object)

__all__ = []


def _conv_bias_activation(x, kernel, bias, activation, **conv_args):
    """``activation(ops.conv(x, kernel, **conv_args) + bias)``.

    With a bias and a linear or relu activation this is one ``ops.conv_bias_activation`` call:
    the bias add and the relu run in the convolution's GEMM epilogue. Otherwise separate ops.
    """
    name = fused_activation_name(activation)
    if name is not None and bias is not None:
        return ops.conv_bias_activation(x, kernel, bias, activation=name, **conv_args)
    return _bias_activation(ops.conv(x, kernel, **conv_args), bias, activation)


def _bias_activation(y, bias, activation):
    """``activation(y + bias)`` as separate ops."""
    if bias is not None:
        y = ops.add(y, bias)
    return y if activation is activations.linear else activation(y)


def _check_positive_int(value, arg, cls):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{cls}: invalid value for argument `{arg}`. Expected a strictly "
                         f"positive integer. Received {arg}={value!r}.")
    return int(value)


def _check_strides_dilation(strides, dilation, cls):
    if max(strides) > 1 and max(dilation) > 1:
        raise ValueError(f"{cls}: `strides > 1` not supported in conjunction with "
                         f"`dilation_rate > 1`. Received: strides={strides} and "
                         f"dilation_rate={dilation}")


def _channels(layer, input_shape, rank):
    shape = tuple(input_shape)
    if len(shape) != rank + 2:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected ndim={rank + 2}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    if shape[-1] is None:
        raise ValueError(f"Layer '{layer.name}': the channel dimension of the inputs should be "
                         f"defined. Found None. Full input shape received: {shape}")
    return int(shape[-1])


class _Conv(Layer):
    """Shared part of Conv1D / Conv2D (``rank`` spatial axes)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        cls = type(self).__name__
        reject_unsupported(cls, groups=(groups, 1), lora_rank=(lora_rank, None))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.filters = _check_positive_int(filters, "filters", cls)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", self.name)
        self.strides = normalize_tuple(strides, self.rank, "strides", self.name)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", self.name)
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, self.name, allowed)
        self.data_format = normalize_data_format(data_format, self.name)
        _check_strides_dilation(self.strides, self.dilation_rate, cls)
        self.groups = 1
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        cin = _channels(self, input_shape, self.rank)
        self.kernel = self.add_weight(shape=self.kernel_size + (cin, self.filters),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = add_bias_weight(self, self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: cin})
        self.built = True

    def call(self, inputs, training=None):
        return _conv_bias_activation(inputs, self.kernel, self.bias, self.activation,
                                     strides=self.strides, padding=self.padding,
                                     dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(self, input_shape, self.kernel_size, self.strides, self.padding,
                                 self.dilation_rate, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "groups": self.groups,
            "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "activity_regularizer": serialize_object(self.activity_regularizer),
        })
        return config
