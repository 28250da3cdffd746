"""PReLU layer (Keras 3: keras/src/layers/activations/prelu.py; He et al. 2015)."""
from __future__ import annotations

from pyfapi import constraints, initializers, ops, regularizers
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import serialize_initializer, serialize_object

__all__ = ["PReLU"]


class PReLU(Layer):
    """Parametric ReLU: ``f(x) = x if x >= 0 else alpha * x`` with a learned ``alpha``.

    Weights: ``alpha`` of shape ``input_shape[1:]``, size 1 along ``shared_axes`` (axes counted
    with the batch axis as 0, as Keras). Parameters: prod of that shape.

    Args:
        alpha_initializer="Zeros", alpha_regularizer, alpha_constraint, shared_axes (int or list).

    Raises:
        ValueError: an undefined non-shared input dimension, a shared axis out of range.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        """Creates ``alpha`` of shape input_shape[1:] (1 on shared axes)."""
        shape = as_shape(input_shape)
        param = list(shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i < len(shape):
                    raise ValueError(f"Layer '{self.name}': shared axis {i} is out of range for "
                                     f"input shape {shape} (axes start at 1 after the batch)")
                param[i - 1] = 1
        if any(d is None for d in param):
            raise ValueError(f"Layer '{self.name}': PReLU needs defined dimensions (or shared "
                             f"axes) for every non-batch axis, received input shape {shape}")
        self.alpha = self.add_weight(shape=tuple(param), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(shape)):
                if i not in self.shared_axes:
                    axes[i] = shape[i]
        self.input_spec = InputSpec(ndim=len(shape), axes=axes)
        self.built = True

    def call(self, inputs):
        """``relu(x) - alpha * relu(-x)``."""
        pos = ops.relu(inputs)
        neg = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(pos, neg)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus alpha initializer / regularizer / constraint and shared_axes."""
        config = super().get_config()
        config.update({
            "alpha_initializer": serialize_initializer(self.alpha_initializer),
            "alpha_regularizer": serialize_object(self.alpha_regularizer),
            "alpha_constraint": serialize_object(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
