"""Activation (Keras 3: keras/src/layers/activations/activation.py)."""
from __future__ import annotations

from pyfapi import activations
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import (serialize_activation)

__all__ = ['Activation']


class Activation(Layer):
    """Applies an activation function; output shape = input shape. No weights.

    Args:
        activation: a name of :mod:`pyfapi.activations` or a callable.

    Raises:
        ValueError: unknown activation name.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True  # the input mask passes through (Keras 3)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs, training=None):
        """Applies ``self.activation`` elementwise; output shape = input shape."""
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus the serialized ``activation``."""
        config = super().get_config()
        config["activation"] = serialize_activation(self.activation)
        return config
