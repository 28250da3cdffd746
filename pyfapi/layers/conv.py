"""Convolution layers: Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D (channels_last).

Keras 3 arguments, defaults, weight names, layouts and order (sources:
keras/src/layers/convolutional/base_conv.py, base_depthwise_conv.py, base_separable_conv.py).
Output sizes: see :mod:`pyfapi.layers.conv_utils` ('valid': floor((n - (k-1) d - 1) / s) + 1,
'same' / 'causal': ceil(n / s)).

The convolution itself is ``pyfapi.ops.conv`` / ``ops.depthwise_conv``; bias and activation go
through :func:`_conv_bias_activation`, which uses ``ops.conv_bias_activation`` (bias + relu in the
GEMM epilogue) when it can, else separate ops.
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

__all__ = ["Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D"]


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
