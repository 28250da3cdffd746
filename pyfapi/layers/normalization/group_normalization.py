"""GroupNormalization (Keras 3: keras/src/layers/normalization/group_normalization.py; Wu & He
2018, https://arxiv.org/abs/1803.08494)."""
from __future__ import annotations


from pyfapi import constraints, initializers, ops, regularizers
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import serialize_initializer, serialize_object

__all__ = ["GroupNormalization"]


class GroupNormalization(Layer):
    """Group normalization: the channels (``axis``) are split into ``groups``; each example's
    group is normalized over its channels and every other non-batch axis, then
    ``* gamma + beta`` per channel. On the fused layer-norm kernel.

    Weights (Keras order): ``gamma``, ``beta`` (channels,).

    Args:
        groups=32 (-1: one group per channel, instance norm), axis=-1, epsilon=1e-3,
        center=True, scale=True, initializers / regularizers / constraints as Keras.

    Raises:
        ValueError: channels undefined, fewer channels than groups, channels not a multiple of
            groups (names the layer and the shapes).
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def build(self, input_shape):
        """Creates gamma / beta of shape (channels,); validates groups against channels."""
        shape = as_shape(input_shape)
        if not -len(shape) <= self.axis < len(shape):
            raise ValueError(f"Layer '{self.name}': axis {self.axis} is out of range for input "
                             f"shape {shape}")
        dim = shape[self.axis]
        if dim is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of input tensor should have "
                             f"a defined dimension but the layer received an input with shape "
                             f"{shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Layer '{self.name}': number of groups ({self.groups}) cannot be "
                             f"more than the number of channels ({dim}); input shape {shape}.")
        if dim % self.groups:
            raise ValueError(f"Layer '{self.name}': number of groups ({self.groups}) must be a "
                             f"multiple of the number of channels ({dim}); input shape {shape}.")
        self.input_spec = InputSpec(ndim=len(shape), axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        """Group-normalized inputs, same shape."""
        shape = tuple(inputs.shape)
        nd = len(shape)
        axis = self.axis % nd
        c = shape[axis]
        g = self.groups
        x = inputs
        if axis != nd - 1:
            x = ops.moveaxis(x, axis, -1)
        moved = tuple(x.shape)
        x = ops.reshape(x, moved[:-1] + (g, c // g))
        axes = list(range(1, nd - 1)) + [nd]  # every non-batch axis but the group axis
        y = ops.layer_normalization(x, axis=axes, epsilon=self.epsilon)
        y = ops.reshape(y, moved)
        if self.gamma is not None:
            y = ops.multiply(y, self.gamma)
        if self.beta is not None:
            y = ops.add(y, self.beta)
        if axis != nd - 1:
            y = ops.moveaxis(y, -1, axis)
        return y

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config with Keras 3's keys."""
        config = super().get_config()
        config.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": serialize_initializer(self.beta_initializer),
            "gamma_initializer": serialize_initializer(self.gamma_initializer),
            "beta_regularizer": serialize_object(self.beta_regularizer),
            "gamma_regularizer": serialize_object(self.gamma_regularizer),
            "beta_constraint": serialize_object(self.beta_constraint),
            "gamma_constraint": serialize_object(self.gamma_constraint),
        })
        return config
