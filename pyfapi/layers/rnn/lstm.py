"""LSTM layer (Keras 3 semantics; source: keras/src/layers/rnn/lstm.py).

Per step t, with ``z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias`` split in four blocks
of ``units`` in Keras's gate order **i, f, c, o**::

    i = recurrent_activation(z_i)   f = recurrent_activation(z_f)   o = recurrent_activation(z_o)
    c_t = f * c_{t-1} + i * activation(z_c)        h_t = o * activation(c_t)

(Hochreiter & Schmidhuber 1997; defaults activation=tanh, recurrent_activation=sigmoid.)
The whole sequence runs in one ``pyfapi.ops.lstm`` call (C++ kernel) for activations among tanh,
sigmoid, relu, linear and hard_sigmoid (Keras's defaults on its vectorised path), the time mask
applied inside the kernel (input dropout is applied to the inputs
first); with recurrent dropout (Keras's implementation 1: one input and one recurrent mask per
gate) the input projection is computed first and the kernel applies the recurrent masks. Other
activations use a per-step loop of basic ops with Keras 3's semantics (masked steps keep h and
c).
"""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.rnn.base_rnn import BaseRNN

__all__ = ["LSTM"]


class LSTM(BaseRNN):
    """Long short-term memory layer over ``(batch, timesteps, features)``.

    Output: ``(batch, units)`` (last output), or ``(batch, timesteps, units)`` with
    ``return_sequences=True``; with ``return_state=True`` a list ``[output, h, c]`` where h and c
    are ``(batch, units)``. ``go_backwards=True`` processes the sequence in reverse and (as Keras)
    returns the sequence in that reversed order. A time mask skips steps (h and c carried over;
    the output of a masked step repeats the previous output, as Keras 3).

    Weights (Keras order and layout, paths ``<name>/lstm_cell/...``): ``kernel`` (features,
    4 units), ``recurrent_kernel`` (units, 4 units), ``bias`` (4 units,) if ``use_bias``; gate
    blocks i, f, c, o. Parameters: 4 * (units * (features + units) + units).

    Args:
        units: positive int.
        activation="tanh", recurrent_activation="sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True (forget-gate bias initialised to 1),
        regularizers / constraints, dropout / recurrent_dropout / seed (training only; one mask
        per sequence, per gate with recurrent_dropout), return_sequences=False,
        return_state=False, go_backwards=False, stateful=False (needs a fixed batch size;
        ``reset_states()``), unroll (accepted).

    Call args:
        inputs: (batch, timesteps, features) float.
        initial_state: optional ``[h0, c0]`` each (batch, units).
        mask: optional (batch, timesteps) bool. training: enables dropout.

    Raises:
        ValueError: units not a positive int; input rank != 3; undefined feature axis;
            initial_state not a list of two (batch, units) tensors; a mask not (batch,
            timesteps); stateful without a fixed batch size.
    """

    _cell_name = "lstm_cell"
    _n_states = 2
    _gate_count = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._set_cell_args(locals())
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn

    def build(self, input_shape):
        """Creates ``kernel`` (features, 4*units), ``recurrent_kernel`` (units, 4*units) and, if
        use_bias, ``bias`` (4*units,), gates ordered i, f, c, o (forget slice = 1 with
        unit_forget_bias). Input ``(batch, timesteps, features)``; ValueError if rank != 3,
        features is None, or stateful without a batch size.
        """
        features = self._features(input_shape)
        u = self.units
        self.kernel = self._cell_weight("kernel", (features, 4 * u), self.kernel_initializer,
                                        self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self._cell_weight(
            "recurrent_kernel", (u, 4 * u), self.recurrent_initializer,
            self.recurrent_regularizer, self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base = self.bias_initializer

                def bias_init(shape, dtype=None):
                    b = np.asarray(base((u,), dtype=dtype))
                    return np.concatenate([b, np.ones((u,), b.dtype),
                                           np.asarray(base((2 * u,), dtype=dtype))])
            else:
                bias_init = self.bias_initializer
            self.bias = self._cell_weight("bias", (4 * u,), bias_init, self.bias_regularizer,
                                          self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _run(self, x, states, m, in_masks, rec_masks):
        fused = getattr(ops, "lstm", None)  # (None: tests force the per-step loop)
        acts = self._kernel_activations()
        if fused is not None and acts is not None:
            kw = dict(acts) if m is None else {"mask": m, **acts,
                                               "zero_output_for_mask": self.zero_output_for_mask}
            if rec_masks is not None and rec_masks.shape[0] == 1:
                rec_masks = rec_masks.repeat(4, axis=0)
            if in_masks is None or in_masks.shape[0] == 1:
                if in_masks is not None:
                    x = ops.multiply(x, in_masks[0][:, None, :])
                seq, h, c = fused(x, self.kernel, self.recurrent_kernel, self.bias,
                                  initial_state=states, return_sequences=self.return_sequences,
                                  recurrent_masks=rec_masks, **kw)
            else:  # per-gate input masks (implementation 1): the projection outside the kernel
                xp = self._project(x, self.kernel, None, in_masks)
                seq, h, c = fused(xp, None, self.recurrent_kernel, self.bias,
                                  initial_state=states, return_sequences=self.return_sequences,
                                  recurrent_masks=rec_masks, **kw)
            return seq, [h, c]
        return self._loop(x, states, m, in_masks, rec_masks)

    def _loop(self, x, state, m, in_masks, rec_masks):
        """Per-step path with basic ops: any activations, masks, recurrent dropout."""
        n, t, _ = x.shape
        u = self.units
        if state is None:
            h = ops.zeros((n, u), dtype="float32")
            c = ops.zeros((n, u), dtype="float32")
        else:
            h, c = state
        xz = self._project(x, self.kernel, self.bias, in_masks)
        R = self.recurrent_kernel
        Rq = [ops.get_item(R, (slice(None), slice(q * u, (q + 1) * u))) for q in range(4)]
        outs = []
        act, ract = self.activation, self.recurrent_activation
        for s in range(t):
            xs = ops.get_item(xz, (slice(None), s))
            if rec_masks is None:
                z = ops.add(xs, ops.matmul(h, R))
                zi, zf, zc, zo = ops.split(z, 4, axis=-1)
            else:
                k = rec_masks.shape[0]
                xq = ops.split(xs, 4, axis=-1)
                zi, zf, zc, zo = (ops.add(xq[q], ops.matmul(
                    ops.multiply(h, rec_masks[q if k == 4 else 0]), Rq[q])) for q in range(4))
            c_new = ops.add(ops.multiply(ract(zf), c), ops.multiply(ract(zi), act(zc)))
            h_new = ops.multiply(ract(zo), act(c_new))
            outs.append(h_new)
            h = self._mask_step(m, s, h_new, h)
            c = self._mask_step(m, s, c_new, c)
        outs = self._masked_outputs(outs, m, n)
        seq = ops.stack(outs, axis=1) if self.return_sequences else outs[-1]
        return seq, [h, c]

    def get_config(self):
        """Keras 3 LSTM config: units, activations, use_bias, initializers, unit_forget_bias,
        regularizers, constraints, dropout, recurrent_dropout, seed, return_*, go_backwards,
        stateful, unroll, zero_output_for_mask."""
        config = self._base_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config
