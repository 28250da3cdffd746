"""LayerNormalization (Keras 3: keras/src/layers/normalization/layer_normalization.py; Ba et al.
2016, https://arxiv.org/abs/1607.06450).

Per example, over the axes ``axis``: ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``
(biased variance), on the fused C++ kernel (:func:`pyfapi.ops.layer_normalization`).
"""
from __future__ import annotations

import numpy as np

from pyfapi import constraints, initializers, ops, regularizers
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import serialize_initializer, serialize_object

__all__ = ["LayerNormalization"]


class LayerNormalization(Layer):
    """Layer normalization over the feature axis / axes of each example.

    Input: any rank >= 1; output: same shape.

    Weights (Keras order): ``gamma`` (if ``scale``), ``beta`` (if ``center``), both of shape
    ``tuple(input_shape[a] for a in sorted(axis))``. Parameters: 2 * features by default.

    Args:
        axis: int or list/tuple of ints (default -1). The config keeps ``axis`` as given (Keras 3
            turns it into a sorted list when building; both forms load in either library).
        epsilon: added to the variance (default 1e-3). center, scale: bool (default True).
        beta_initializer="zeros", gamma_initializer="ones", beta/gamma regularizers and
        constraints. ``rms_scaling`` (deprecated in Keras 3): only False.

    Raises:
        TypeError: axis not an int or list of ints.
        ValueError: axis out of range for the input rank (at build / shape inference), an
            undefined normalized dimension.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            raise NotImplementedError("LayerNormalization: rms_scaling=True (deprecated in Keras "
                                      "3) is not supported by pyfapi")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = False
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def _axes(self, shape):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        nd = len(shape)
        for a in axes:
            if a >= nd or a < -nd:
                raise ValueError(f"Layer '{self.name}': axis {a} is out of bounds for input "
                                 f"shape {tuple(shape)}. Received: axis={self.axis}")
        return axes

    def build(self, input_shape):
        """Creates ``gamma`` / ``beta`` of shape ``tuple(input_shape[a] for a in axis)``.
        Raises ValueError for an out-of-range axis or an undefined normalized dimension."""
        shape = as_shape(input_shape)
        axes = sorted(self._axes(shape))
        pshape = tuple(shape[a] for a in axes)
        if any(d is None for d in pshape):
            raise ValueError(f"Layer '{self.name}': the normalized axes {axes} of the input shape "
                             f"{shape} must be defined")
        self._norm_axes = axes
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=pshape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=pshape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs, training=None):
        """Normalizes ``inputs`` over ``axis``; output shape = input shape."""
        return ops.layer_normalization(inputs, self.gamma, self.beta, axis=self._norm_axes,
                                       epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape; ValueError if an axis is out of range for its rank."""
        shape = as_shape(input_shape)
        self._axes(shape)
        return shape

    def get_config(self):
        """Layer config plus axis, epsilon, center, scale, rms_scaling, initializers,
        regularizers and constraints (Keras 3 keys)."""
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": False,
            "beta_initializer": serialize_initializer(self.beta_initializer),
            "gamma_initializer": serialize_initializer(self.gamma_initializer),
            "beta_regularizer": serialize_object(self.beta_regularizer),
            "gamma_regularizer": serialize_object(self.gamma_regularizer),
            "beta_constraint": serialize_object(self.beta_constraint),
            "gamma_constraint": serialize_object(self.gamma_constraint),
        })
        return config
