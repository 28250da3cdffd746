"""TimeDistributed wrapper (Keras 3: keras/src/layers/rnn/time_distributed.py)."""
from __future__ import annotations

import copy

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.rnn.wrapper_utils import (
    deserialize_sublayer,
    prefix_weight_paths,
    serialize_sublayer,
)

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    """Applies ``layer`` to every temporal slice of an input ``(batch, timesteps, ...)``.

    Output ``(batch, timesteps, *layer_output[1:])``. The wrapped layer (any layer, a nested
    Model included) sees ``(batch * timesteps, ...)`` in one call (the same result as Keras's
    per-step loop for per-sample layers); a BatchNormalization in training runs per step, as
    Keras, so its batch statistics are those of each step. A (batch, timesteps) mask is passed to
    the wrapped layer per sample when its call takes ``mask`` and propagates unchanged. Weights:
    the wrapped layer's.

    Raises:
        ValueError: ``layer`` not a Layer; an input with fewer than 3 dimensions (no time axis);
            a mask whose (batch, timesteps) differ from the input's (names the shapes).
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a `Layer` "
                             f"instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer '{self.name}' should be passed an "
                             f"`input_shape` with at least 3 dimensions (batch, timesteps, ...), "
                             f"received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        """Builds the wrapped layer on ``(batch, *input_shape[2:])``."""
        child = self._child_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child)
            self.layer.built = True
        prefix_weight_paths(self, self.layer)

    def compute_output_shape(self, input_shape):
        """``(batch, timesteps, *layer.compute_output_shape((batch, ...))[1:])``."""
        input_shape = tuple(input_shape)
        out = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (out[0], input_shape[1], *out[1:])

    def call(self, inputs, training=None, mask=None):
        """Runs the wrapped layer on ``(batch * timesteps, ...)`` and restores the time axis."""
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer '{self.name}' needs inputs with at least "
                             f"3 dimensions (batch, timesteps, ...), received shape {shape}")
        n, t = shape[:2]
        if mask is not None:
            mshape = tuple(mask.shape)
            if len(mshape) < 2 or mshape[:2] != (n, t):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer '{self.name}' has a "
                    f"shape {mshape} that is incompatible with the input shape {shape}. "
                    f"Expected mask shape prefix: ({n}, {t}).")
        kwargs = {}
        if self.layer._call_has_training_arg:
            kwargs["training"] = training
        per_step = (type(self.layer).__name__ == "BatchNormalization" and training)
        if per_step:
            outs = []
            for s in range(t):
                x = ops.get_item(inputs, (slice(None), s))
                if mask is not None and self.layer._call_has_mask_arg:
                    kwargs["mask"] = ops.get_item(mask, (slice(None), s))
                outs.append(self.layer.call(x, **kwargs))
            return ops.stack(outs, axis=1)
        x = ops.reshape(inputs, (n * t,) + shape[2:])
        if mask is not None and self.layer._call_has_mask_arg:
            m = ops.convert_to_tensor(mask)
            kwargs["mask"] = ops.reshape(m, (n * t,) + tuple(m.shape[2:]))
        y = self.layer.call(x, **kwargs)
        return ops.reshape(y, (n, t) + tuple(y.shape[1:]))

    def _keras_weight_subgroups(self):
        """Keras 3's .weights.h5 group of the wrapped layer: ``layer`` (``layer/cell`` for an
        RNN)."""
        sub = getattr(self.layer, "_keras_weights_subgroup", None)
        return [(f"layer/{sub}" if sub else "layer", self.layer)]

    def compute_mask(self, inputs, mask=None):
        """The input mask, unchanged."""
        return mask

    def get_config(self):
        """Layer config plus the serialized wrapped ``layer``."""
        config = super().get_config()
        config["layer"] = serialize_sublayer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the wrapper and its layer from :meth:`get_config` (or Keras's)."""
        config = copy.deepcopy(config)
        config["layer"] = deserialize_sublayer(config["layer"], custom_objects)
        return cls(**config)
