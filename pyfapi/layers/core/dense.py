"""Dense (Keras 3: keras/src/layers/core/dense.py)."""
from __future__ import annotations

import math
import numpy as np
from pyfapi import activations, initializers
from pyfapi.ops import _eager_ops as ops  # call() never sees KerasTensors
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import check_rank
from pyfapi.layers.layer_utils import (add_bias_weight, fused_activation_name, reject_unsupported,
                                       serialize_activation, serialize_initializer,
                                       serialize_object)

__all__ = ['Dense']


def _apply_activation(fn, y):
    return y if fn is activations.linear else fn(y)


class Dense(Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)``.

    Input shape ``(batch, ..., input_dim)`` (rank >= 2), output ``(batch, ..., units)``;
    the kernel acts on the last axis.

    Weights (Keras order): ``kernel`` (input_dim, units), ``bias`` (units,) if ``use_bias``.
    Parameters: input_dim * units + units.

    Args:
        units: positive int.
        activation: name or callable (None: linear).
        use_bias: bool (default True).
        kernel_initializer: default "glorot_uniform". bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint: optional
            callables (penalty in ``layer.losses`` / applied by optimizers; see Layer.add_weight).

    Raises:
        ValueError: units not a positive int; input rank < 2; last input axis undefined or
            different from the one the layer was built for.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        reject_unsupported("Dense", lora_rank=(lora_rank, None),
                           quantization_config=(quantization_config, None))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True  # the input mask passes through (Keras 3)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        """Creates ``kernel`` (input_dim, units) and, if use_bias, ``bias`` (units,), float32.
        Input shape ``(batch, ..., input_dim)`` (rank >= 2).
        Raises ValueError if the rank is < 2 or the last dimension is None.
        """
        shape = check_rank(self, input_shape, min_ndim=2)
        input_dim = shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}': the last dimension of the inputs to `Dense` "
                             f"should be defined. Found None. Full input shape: {shape}")
        self.kernel = self.add_weight(shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = add_bias_weight(self, self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs, training=None):
        """``activation(inputs @ kernel + bias)``: ``(batch, ..., input_dim)`` -> ``(batch, ...,
        units)``. Inputs of rank > 2 are flattened to 2-D for the GEMM and reshaped back.
        """
        x = inputs
        shape = tuple(x.shape)
        if len(shape) > 2:
            x = ops.reshape(x, (math.prod(shape[:-1]), shape[-1]))
        fused = fused_activation_name(self.activation)
        if fused is not None:  # bias and relu in the GEMM epilogue: one op on the tape
            y = ops.linear(x, self.kernel, self.bias, activation=fused)
        else:
            y = ops.matmul(x, self.kernel)
            if self.bias is not None:
                y = ops.add(y, self.bias)
        if len(shape) > 2:
            y = ops.reshape(y, shape[:-1] + (self.units,))
        return y if fused is not None else _apply_activation(self.activation, y)

    def compute_output_shape(self, input_shape):
        """``(batch, ..., input_dim)`` -> ``(batch, ..., units)``; ValueError if rank < 2."""
        shape = check_rank(self, input_shape, min_ndim=2)
        return shape[:-1] + (self.units,)

    def get_config(self):
        """Layer config plus units, activation, use_bias, initializers, regularizers, constraints.
        """
        config = super().get_config()
        config.update({
            "units": self.units, "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "quantization_config": None,
        })
        return config
