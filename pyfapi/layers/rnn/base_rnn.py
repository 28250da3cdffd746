"""What GRU, SimpleRNN and LSTM share (Keras 3 ``keras.layers.RNN`` semantics, source
keras/src/layers/rnn/rnn.py and dropout_rnn_cell.py): argument checks, ``initial_state``,
``stateful`` states and ``reset_states``, ``go_backwards``, the sequence mask (checked against
the inputs, reversed with them), dropout masks (one per sequence, Keras's count per gate),
``return_sequences`` / ``return_state``, ``compute_mask``, output shapes and the shared config.

A subclass defines ``_cell_name`` (Keras's cell name, used in weight paths such as
``gru/gru_cell/kernel``), ``_n_states``, ``_gate_count`` (dropout masks per sequence in Keras's
``implementation=1``), ``build`` and ``_run(x, states, mask, input_masks, recurrent_masks)``
returning ``(outputs, final_states)``.
"""
from __future__ import annotations

import numpy as np

from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import check_rank
from pyfapi.layers.layer_utils import (
    serialize_activation,
    serialize_initializer,
    serialize_object,
)
from pyfapi.utils.random import make_rng

__all__ = ["BaseRNN"]


#: activations the GRU / LSTM kernels run (pyfapi.kernels.rnn.ACTIVATION_CODES); others take the
#: layers' per-step loop of basic ops.
_KERNEL_ACTIVATIONS = {activations.tanh: "tanh", activations.sigmoid: "sigmoid",
                       activations.relu: "relu", activations.linear: "linear",
                       activations.hard_sigmoid: "hard_sigmoid"}


def _rate(layer_cls, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{layer_cls}: `{name}` must be a float in [0, 1], received {value!r}")
    return min(1.0, max(0.0, float(value)))


class BaseRNN(Layer):
    """Base of the recurrent layers (see the module docstring). Not used directly."""

    _cell_name = "rnn_cell"
    _n_states = 1
    _gate_count = 1
    _keras_weights_subgroup = "cell"  # .weights.h5: <layer>/cell/vars, as Keras's cell

    def __init__(self, units, *, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, implementation=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.")
        self.units = int(units)
        self.dropout = _rate(cls, "dropout", dropout)
        self.recurrent_dropout = _rate(cls, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted (Keras compatibility): the kernel runs the loop
        self.zero_output_for_mask = bool(zero_output_for_mask)
        impl = 2 if implementation is None else int(implementation)
        if impl not in (1, 2):
            raise ValueError(f"{cls}: `implementation` must be 1 or 2, received {implementation!r}")
        # Keras: recurrent dropout switches the cell to implementation 1 (one mask per gate)
        self.implementation = 1 if self.recurrent_dropout else impl
        self.supports_masking = True
        self.states = None
        self.input_spec = InputSpec(ndim=3)

    def _set_cell_args(self, args):
        """The cell arguments the RNN layers share, from the subclass ``__init__``'s
        ``locals()``: ``activation`` (and ``recurrent_activation`` where the layer has one),
        ``use_bias``, and the ``kernel`` / ``recurrent`` / ``bias`` initializers, regularizers
        and constraints (Keras's names and defaults are the subclass's signature)."""
        self.activation = activations.get(args["activation"])
        if "recurrent_activation" in args:
            self.recurrent_activation = activations.get(args["recurrent_activation"])
        self.use_bias = bool(args["use_bias"])
        for w in ("kernel", "recurrent", "bias"):
            setattr(self, f"{w}_initializer", initializers.get(args[f"{w}_initializer"]))
            setattr(self, f"{w}_regularizer", args[f"{w}_regularizer"])
            setattr(self, f"{w}_constraint", args[f"{w}_constraint"])

    def _kernel_activations(self):
        """``{"activation": name, "recurrent_activation": name}`` when the fused kernels run
        both activations, else None (the per-step loop)."""
        a = _KERNEL_ACTIVATIONS.get(self.activation)
        ra = _KERNEL_ACTIVATIONS.get(self.recurrent_activation)
        if a is None or ra is None:
            return None
        return {"activation": a, "recurrent_activation": ra}

    # ---- build helpers ---------------------------------------------------------------------
    def _features(self, input_shape):
        shape = check_rank(self, input_shape, ndim=3)
        if shape[-1] is None:
            raise ValueError(f"Layer '{self.name}': the feature (last) dimension of the inputs "
                             f"to {type(self).__name__} should be defined. Found None. Full "
                             f"shape: {shape}")
        if self.stateful:
            if shape[0] is None:
                raise ValueError(
                    f"Layer '{self.name}': a stateful {type(self).__name__} needs a fixed batch "
                    f"size; received input shape {shape}. Pass `batch_size=` to Input (or "
                    f"`batch_shape=`), e.g. Input(shape={shape[1:]}, batch_size=32).")
            self._state_batch = shape[0]
            self.reset_states()
        return shape[-1]

    def _cell_weight(self, name, shape, initializer, regularizer=None, constraint=None):
        """add_weight with Keras's path ``<layer path>/<cell>/<name>``."""
        w = self.add_weight(shape=shape, initializer=initializer, name=name,
                            regularizer=regularizer, constraint=constraint)
        w.path = f"{w.path.rsplit('/', 1)[0]}/{self._cell_name}/{name}"  # in the layer's scope
        return w

    # ---- states ----------------------------------------------------------------------------
    def reset_states(self, states=None):
        """Stateful layers: set the carried states to zeros (or to ``states``, a list of
        ``(batch, units)`` arrays). Raises ValueError for a layer that is not stateful or states
        of the wrong shape."""
        if not self.stateful:
            raise ValueError(f"Layer '{self.name}' is not stateful (stateful=False): it has no "
                             f"states to reset.")
        batch = getattr(self, "_state_batch", None)
        if batch is None:
            return  # not built yet: states are created at build
        if states is None:
            self.states = [np.zeros((batch, self.units), np.float32)
                           for _ in range(self._n_states)]
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(states) != self._n_states:
            raise ValueError(f"Layer '{self.name}' expects {self._n_states} state(s), received "
                             f"{len(states)}")
        new = []
        for s in states:
            s = np.asarray(s, np.float32)
            if s.shape != (batch, self.units):
                raise ValueError(f"Layer '{self.name}': states must have shape "
                                 f"{(batch, self.units)}, received {s.shape}")
            new.append(s.copy())
        self.states = new

    reset_state = reset_states

    def _initial_states(self, initial_state, batch):
        if initial_state is None:
            if self.stateful and self.states is not None:
                if self.states[0].shape[0] != batch:
                    raise ValueError(
                        f"Layer '{self.name}' is stateful with batch size "
                        f"{self.states[0].shape[0]}, received a batch of {batch}")
                return list(self.states)
            return None
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != self._n_states:
            raise ValueError(f"Layer '{self.name}': initial_state must be a list of "
                             f"{self._n_states} tensor(s) of shape (batch, units), received "
                             f"{len(states)}")
        for s in states:
            if tuple(s.shape) != (batch, self.units):
                raise ValueError(f"Layer '{self.name}': each initial state must have shape "
                                 f"{(batch, self.units)} (batch, units), received "
                                 f"{tuple(s.shape)}")
        return states

    # ---- masks -----------------------------------------------------------------------------
    def _check_mask(self, mask, shape):
        if mask is None:
            return None
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
            if mask is None:
                return None
        m = np.asarray(getattr(mask, "value", mask))
        if m.shape != tuple(shape[:2]):
            raise ValueError(f"Layer '{self.name}': the mask has shape {m.shape}, which does not "
                             f"match the inputs of shape {tuple(shape)} (expected (batch, "
                             f"timesteps) = {tuple(shape[:2])})")
        return m.astype(bool)

    def _dropout_masks(self, rate, batch, size, count):
        """Keras ``DropoutRNNCell``: ``count`` masks of shape (batch, size), values keep / (1 -
        rate), drawn once per call from the layer's seeded generator (or the global one)."""
        rng = self._rng if self._rng is not None else make_rng(None)
        if rate >= 1.0:
            return np.zeros((count, batch, size), np.float32)
        keep = rng.random((count, batch, size)) >= rate
        return (keep * np.float32(1.0 / (1.0 - rate))).astype(np.float32)

    def compute_mask(self, inputs, mask=None):
        """The input's time mask when ``return_sequences`` (else None); with ``return_state``,
        ``[output_mask] + [None] * n_states`` (Keras 3 ``RNN.compute_mask``)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        out = mask if self.return_sequences else None
        return [out] + [None] * self._n_states if self.return_state else out

    # ---- call ------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        """Runs the layer over ``(batch, timesteps, features)``.

        Returns ``(batch, timesteps, units)`` with return_sequences, else ``(batch, units)`` (the
        last output); with return_state, ``[output, *final_states]``.

        Raises:
            ValueError: mask / initial_state shapes that do not match the inputs (names the
                layer and both shapes).
        """
        x = sequences
        shape = tuple(x.shape)
        batch = shape[0]
        m = self._check_mask(mask, shape)
        states = self._initial_states(initial_state, batch)
        training = bool(training)
        in_masks = rec_masks = None
        count = self._gate_count if self.implementation == 1 else 1
        if training and 0.0 < self.dropout:
            in_masks = self._dropout_masks(self.dropout, batch, shape[-1], count)
        if training and 0.0 < self.recurrent_dropout:
            rec_masks = self._dropout_masks(self.recurrent_dropout, batch, self.units, count)
        if self.go_backwards:
            x = ops.get_item(x, (slice(None), slice(None, None, -1)))
            if m is not None:
                m = m[:, ::-1]
        if shape[1] == 0:
            outputs, final = self._empty(x, states)
        else:
            outputs, final = self._run(x, states, m, in_masks, rec_masks)
        if self.stateful:
            self.states = [np.array(getattr(s, "value", s), np.float32) for s in final]
        return [outputs, *final] if self.return_state else outputs

    def _empty(self, x, states):
        """Zero timesteps: states unchanged (zeros by default), outputs empty / zero."""
        n = x.shape[0]
        if states is None:
            states = [ops.zeros((n, self.units), dtype="float32") for _ in range(self._n_states)]
        out = (ops.zeros((n, 0, self.units), dtype="float32") if self.return_sequences
               else ops.zeros((n, self.units), dtype="float32"))
        return out, list(states)

    def _project(self, x, kernel, bias, in_masks):
        """``x @ kernel + bias`` (N, T, G); with input-dropout masks: x * mask (one mask, or one
        per gate block of the kernel as Keras's implementation 1)."""
        if in_masks is None:
            return ops.linear(x, kernel, bias)
        if in_masks.shape[0] == 1:
            return ops.linear(ops.multiply(x, in_masks[0][:, None, :]), kernel, bias)
        from pyfapi.ops.rnn import gate_projection
        return gate_projection(x, kernel, bias, in_masks)

    def _mask_step(self, m, t, new, old):
        """Per-step masking for the basic-op paths: keep ``old`` where step t is masked."""
        if m is None:
            return new
        keep = m[:, t][:, None]
        return ops.where(keep, new, old)

    def _masked_outputs(self, outs, m, n):
        """Outputs of the basic-op paths under a mask (keras backend rnn()): a masked step
        repeats the previous output (zeros at first), or is zero with zero_output_for_mask."""
        if m is None:
            return outs
        res = []
        prev = ops.zeros((n, self.units), dtype="float32")
        for t, o in enumerate(outs):
            keep = m[:, t][:, None]
            y = ops.where(keep, o, ops.zeros_like(o) if self.zero_output_for_mask else prev)
            res.append(y)
            prev = y
        return res

    # ---- shapes / config -------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        """``(batch, timesteps, features)`` -> ``(batch, timesteps, units)`` or ``(batch,
        units)``; with return_state a list ``[output, (batch, units) per state]``."""
        shape = check_rank(self, input_shape, ndim=3)
        state = (shape[0], self.units)
        out = (shape[0], shape[1], self.units) if self.return_sequences else state
        return [out] + [state] * self._n_states if self.return_state else out

    def _base_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "recurrent_regularizer": serialize_object(self.recurrent_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "recurrent_constraint": serialize_object(self.recurrent_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed, "return_sequences": self.return_sequences,
            "return_state": self.return_state, "go_backwards": self.go_backwards,
            "stateful": self.stateful, "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": serialize_initializer(self.recurrent_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
        })
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = serialize_activation(self.recurrent_activation)
        return config
