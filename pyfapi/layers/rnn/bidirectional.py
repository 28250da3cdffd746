"""Bidirectional wrapper for RNNs (Keras 3: keras/src/layers/rnn/bidirectional.py)."""
from __future__ import annotations

import copy

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.rnn.wrapper_utils import (
    deserialize_sublayer,
    prefix_weight_paths,
    serialize_sublayer,
)

__all__ = ["Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _group(name, layer):
    sub = getattr(layer, "_keras_weights_subgroup", None)
    return f"{name}/{sub}" if sub else name


def _strip(name, prefix):
    return name.removeprefix(prefix)


class Bidirectional(Layer):
    """Runs an RNN forwards and a copy backwards and merges their outputs.

    The forward layer is a copy of ``layer`` named ``forward_<name>``; the backward layer is
    ``backward_layer`` or a copy of ``layer`` with ``go_backwards=True`` named
    ``backward_<name>``. With return_sequences the backward outputs are flipped back to the
    input order before merging; masked steps output zeros (Keras forces
    ``zero_output_for_mask=return_sequences`` on both).

    Output: ``merge_mode`` "concat" (last axis doubled), "sum", "mul", "ave", or None (a list
    ``[forward, backward]``); with return_state the states of both directions follow
    (``[output, *forward_states, *backward_states]``). Weights: the forward layer's, then the
    backward layer's.

    Args:
        layer: an RNN layer (GRU, LSTM, SimpleRNN). merge_mode: see above. backward_layer:
        optional RNN with ``go_backwards`` opposite to ``layer``'s and the same
        return_sequences / return_state / stateful. weights: optional initial weights list.

    Raises:
        ValueError: layer / backward_layer not a Layer, an unknown merge_mode, or mismatched
            forward / backward settings (named in the message).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a `Layer` instance. "
                             f"Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `Layer` instance. Received: "
                             f"{backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        config = copy.deepcopy(layer.get_config())
        config["name"] = f"forward_{_strip(layer.name, 'forward_')}"
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = copy.deepcopy(layer.get_config())
            config["go_backwards"] = not config.get("go_backwards", False)
            config["name"] = f"backward_{_strip(layer.name, 'backward_')}"
            self.backward_layer = type(layer).from_config(config)
        else:
            self.backward_layer = backward_layer
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {fwd.go_backwards}, "
                f"backward_layer.go_backwards={bwd.go_backwards} (layer '{self.name}')")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, a) != getattr(bwd, a):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{a}", got "{getattr(fwd, a)}" for forward layer and '
                    f'"{getattr(bwd, a)}" for backward layer (layer \'{self.name}\')')
        for sub in (fwd, bwd):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, sequences_shape, initial_state_shape=None):
        """Builds both directions on ``sequences_shape``."""
        if not self.forward_layer.built:
            self.forward_layer.build(sequences_shape)
            self.forward_layer.built = True
        if not self.backward_layer.built:
            self.backward_layer.build(sequences_shape)
            self.backward_layer.built = True
        prefix_weight_paths(self, self.forward_layer)
        prefix_weight_paths(self, self.backward_layer)
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Forward and backward passes, merged; see the class docstring for the outputs.

        ``initial_state``: the forward states then the backward states (e.g. 4 for an LSTM).
        """
        fwd_state = bwd_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            fwd_state, bwd_state = initial_state[:half], initial_state[half:]
        kwargs = {"mask": mask, "training": training}
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.get_item(y_rev, (slice(None), slice(None, None, -1)))
        mode = self.merge_mode
        if mode == "concat":
            out = ops.concatenate([y, y_rev], axis=-1)
        elif mode == "sum":
            out = ops.add(y, y_rev)
        elif mode == "ave":
            out = ops.divide(ops.add(y, y_rev), 2.0)
        elif mode == "mul":
            out = ops.multiply(y, y_rev)
        else:
            out = [y, y_rev]
        if self.return_state:
            return (list(out) if mode is None else [out]) + list(states)
        return out

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        """The forward layer's output shape, last axis doubled for concat; a pair for
        merge_mode=None; states appended with return_state."""
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:])
        shape = tuple(shape)
        if self.merge_mode == "concat":
            shape = shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)
            out = [shape]
        elif self.merge_mode is None:
            out = [shape, shape]
        else:
            out = [shape]
        if self.return_state:
            return out + state_shapes + state_shapes
        return out if self.merge_mode is None else out[0]

    def compute_mask(self, inputs, mask=None):
        """Keras 3: the time mask for sequence outputs (twice for merge_mode=None), None for
        states."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            out = [mask, mask] if not self.merge_mode else mask
        else:
            out = [None, None] if not self.merge_mode else None
        if self.return_state:
            n = 2 * getattr(self.forward_layer, "_n_states", 1)
            return (list(out) if isinstance(out, list) else [out]) + [None] * n
        return out

    def _keras_weight_subgroups(self):
        """Keras 3's .weights.h5 groups: ``forward_layer[/cell]`` then ``backward_layer[/cell]``
        (an RNN keeps its weights in its cell's group)."""
        return [(_group("forward_layer", self.forward_layer), self.forward_layer),
                (_group("backward_layer", self.backward_layer), self.backward_layer)]

    def reset_states(self):
        """Resets both directions' states (stateful layers only; ValueError otherwise)."""
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    @property
    def states(self):
        """The forward then backward states of stateful layers, or None."""
        f, b = getattr(self.forward_layer, "states", None), getattr(self.backward_layer,
                                                                     "states", None)
        return tuple(f + b) if f and b else None

    def get_config(self):
        """Layer config plus merge_mode, the serialized forward ``layer`` and backward_layer."""
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_sublayer(self.forward_layer)
        config["backward_layer"] = serialize_sublayer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the wrapper and its sub-layers from :meth:`get_config` (or Keras's)."""
        config = copy.deepcopy(config)
        config["layer"] = deserialize_sublayer(config["layer"], custom_objects)
        back = config.pop("backward_layer", None)
        if back is not None:
            config["backward_layer"] = deserialize_sublayer(back, custom_objects)
        return cls(**config)
