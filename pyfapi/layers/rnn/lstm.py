"""LSTM layer (Keras 3 semantics; source: keras/src/layers/rnn/lstm.py).

Per step t, with ``z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias`` split in four blocks
of ``units`` in Keras's gate order **i, f, c, o**::

    i = recurrent_activation(z_i)   f = recurrent_activation(z_f)   o = recurrent_activation(z_o)
    c_t = f * c_{t-1} + i * activation(z_c)        h_t = o * activation(c_t)

(Hochreiter & Schmidhuber 1997; defaults activation=tanh, recurrent_activation=sigmoid.)
The whole sequence runs in one ``pyfapi.ops.lstm`` call (C++ kernel) for the default
activations; other activations use a per-step loop of basic ops.
"""
from __future__ import annotations

import numpy as np

from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import check_rank
from pyfapi.layers.layer_utils import (reject_unsupported, serialize_activation,
                                       serialize_initializer, serialize_object)

__all__ = ["LSTM"]


class LSTM(Layer):
    """Long short-term memory layer over ``(batch, timesteps, features)``.

    Output: ``(batch, units)`` (last hidden state), or ``(batch, timesteps, units)`` with
    ``return_sequences=True``; with ``return_state=True`` a list ``[output, h, c]`` where h and c
    are ``(batch, units)``. ``go_backwards=True`` processes the sequence in reverse and (as Keras)
    returns the sequence in that reversed order.

    Weights (Keras order and layout): ``kernel`` (features, 4 units), ``recurrent_kernel``
    (units, 4 units), ``bias`` (4 units,) if ``use_bias``; gate blocks i, f, c, o.
    Parameters: 4 * (units * (features + units) + units).

    Args:
        units: positive int.
        activation="tanh", recurrent_activation="sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True (forget-gate bias initialised to 1),
        return_sequences=False, return_state=False, go_backwards=False.
        dropout / recurrent_dropout: only 0. stateful / unroll: only False.

    Call args:
        inputs: (batch, timesteps, features) float.
        initial_state: optional ``[h0, c0]`` each (batch, units).
        training: ignored (no dropout).

    Raises:
        ValueError: units not a positive int; input rank != 3; undefined feature axis;
            initial_state not a list of two (batch, units) tensors.
        NotImplementedError: dropout, recurrent_dropout, stateful, unroll, masks.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", zero_output_for_mask=False, **kwargs):
        reject_unsupported("LSTM", dropout=(dropout, 0.0),
                           recurrent_dropout=(recurrent_dropout, 0.0),
                           stateful=(stateful, False), unroll=(unroll, False))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = kernel_regularizer
        self.recurrent_regularizer = recurrent_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout, self.recurrent_dropout, self.seed = 0.0, 0.0, seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = False
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        """Creates ``kernel`` (features, 4*units), ``recurrent_kernel`` (units, 4*units) and, if
        use_bias, ``bias`` (4*units,), gates ordered i, f, c, o (forget slice = 1 with
        unit_forget_bias). Input ``(batch, timesteps, features)``; ValueError if rank != 3 or
        features is None.
        """
        shape = check_rank(self, input_shape, ndim=3)
        features = shape[-1]
        if features is None:
            raise ValueError(f"Layer '{self.name}': the feature (last) dimension of the inputs "
                             f"to LSTM should be defined. Found None. Full shape: {shape}")
        u = self.units
        self.kernel = self.add_weight(shape=(features, 4 * u), initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(u, 4 * u), initializer=self.recurrent_initializer, name="recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base = self.bias_initializer

                def bias_init(shape, dtype=None):
                    b = np.asarray(base((u,), dtype=dtype))
                    return np.concatenate([b, np.ones((u,), b.dtype),
                                           np.asarray(base((2 * u,), dtype=dtype))])
            else:
                bias_init = self.bias_initializer
            self.bias = self.add_weight(shape=(4 * u,), initializer=bias_init, name="bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _initial_state(self, initial_state, batch):
        if initial_state is None:
            return None
        if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
            raise ValueError(f"Layer '{self.name}': initial_state must be a list [h, c] of two "
                             f"tensors, received {initial_state!r}")
        for s in initial_state:
            if tuple(s.shape) != (batch, self.units):
                raise ValueError(f"Layer '{self.name}': each initial state must have shape "
                                 f"{(batch, self.units)}, received {tuple(s.shape)}")
        return list(initial_state)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """Runs the LSTM over ``(batch, timesteps, features)``. Returns ``(batch, timesteps,
        units)`` if return_sequences else ``(batch, units)``; with return_state, ``[output, h,
        c]``. Raises NotImplementedError if ``mask`` is given, ValueError for a malformed
        ``initial_state``.
        """
        if mask is not None:
            raise NotImplementedError(f"Layer '{self.name}': masks are not supported by pyfapi")
        x = inputs
        batch = x.shape[0]
        state = self._initial_state(initial_state, batch)
        if self.go_backwards:
            x = ops.get_item(x, (slice(None), slice(None, None, -1)))
        fused = getattr(ops, "lstm", None)
        if (fused is not None and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid and x.shape[1] > 0):
            seq, h, c = fused(x, self.kernel, self.recurrent_kernel, self.bias,
                              initial_state=state, return_sequences=self.return_sequences)
        else:
            seq, h, c = self._loop(x, self.bias, state)
        output = seq if self.return_sequences else h
        return [output, h, c] if self.return_state else output

    def _loop(self, x, bias, state):
        """Per-step path with basic ops: any activations, and zero-length sequences (h = c =
        initial state, or zeros)."""
        n, t, d = x.shape
        u = self.units
        if state is None:
            h = ops.zeros((n, u), dtype="float32")
            c = ops.zeros((n, u), dtype="float32")
        else:
            h, c = state
        xz = ops.matmul(ops.reshape(x, (n * t, d)), self.kernel)
        if bias is not None:
            xz = ops.add(xz, bias)
        xz = ops.reshape(xz, (n, t, 4 * u))
        outs = []
        act, ract = self.activation, self.recurrent_activation
        for s in range(t):
            z = ops.add(ops.get_item(xz, (slice(None), s)), ops.matmul(h, self.recurrent_kernel))
            zi, zf, zc, zo = ops.split(z, 4, axis=-1)
            c = ops.add(ops.multiply(ract(zf), c), ops.multiply(ract(zi), act(zc)))
            h = ops.multiply(ract(zo), act(c))
            outs.append(h)
        seq = ops.stack(outs, axis=1) if outs else ops.zeros((n, 0, u), dtype="float32")
        return seq, h, c

    def compute_output_shape(self, input_shape):
        """``(batch, timesteps, features)`` -> ``(batch, timesteps, units)`` or ``(batch, units)``;
        with return_state, a list ``[output, (batch, units), (batch, units)]``.
        """
        shape = check_rank(self, input_shape, ndim=3)
        state = (shape[0], self.units)
        out = (shape[0], shape[1], self.units) if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    def get_config(self):
        """Layer config plus units, activations, use_bias, initializers, return_sequences, etc."""
        config = super().get_config()
        config.update({
            "units": self.units, "activation": serialize_activation(self.activation),
            "recurrent_activation": serialize_activation(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "recurrent_initializer": serialize_initializer(self.recurrent_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "recurrent_regularizer": serialize_object(self.recurrent_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "recurrent_constraint": serialize_object(self.recurrent_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed, "return_sequences": self.return_sequences,
            "return_state": self.return_state, "go_backwards": self.go_backwards,
            "stateful": self.stateful, "unroll": self.unroll, "zero_output_for_mask": False,
            "activity_regularizer": serialize_object(self.activity_regularizer),
        })
        return config
