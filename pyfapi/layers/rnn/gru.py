"""GRU layer (Keras 3 semantics; source keras/src/layers/rnn/gru.py).

Per step t, with Keras's gate order **z, r, h** in the 3 * units columns (Cho et al. 2014)::

    z = recurrent_activation(x_z + h_{t-1} R_z + br_z)
    r = recurrent_activation(x_r + h_{t-1} R_r + br_r)
    reset_after=True:  hh = activation(x_h + r * (h_{t-1} R_h + br_h))
    reset_after=False: hh = activation(x_h + (r * h_{t-1}) R_h)
    h_t = z * h_{t-1} + (1 - z) * hh

where ``x_g = x_t W_g + bi_g``. The bias is (2, 3 units) with reset_after (input bias ``bi`` in
row 0, recurrent bias ``br`` in row 1), else (3 units,) added to the input projection.
Activations among tanh, sigmoid, relu, linear and hard_sigmoid run one whole-sequence C++ kernel
(``pyfapi.ops.gru``, the sequence mask and recurrent-dropout masks applied inside it; Keras's
defaults tanh / sigmoid on its vectorised path); other activations use a per-step loop of basic
ops with the same semantics.
"""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.rnn.base_rnn import BaseRNN

__all__ = ["GRU"]


class GRU(BaseRNN):
    """Gated recurrent unit over ``(batch, timesteps, features)``.

    Output: ``(batch, units)`` (last output) or ``(batch, timesteps, units)`` with
    ``return_sequences=True``; with ``return_state=True`` a list ``[output, h]``. ``go_backwards``
    processes (and returns) the sequence in reverse. A time mask (``mask=`` or propagated from
    ``Embedding(mask_zero=True)`` / ``Masking``) skips steps: the state is carried over and the
    output of a masked step repeats the previous output (Keras 3).

    Weights (Keras order, paths ``<name>/gru_cell/...``): ``kernel`` (features, 3 units),
    ``recurrent_kernel`` (units, 3 units), ``bias`` (2, 3 units) with reset_after else
    (3 units,), if use_bias. Gates z, r, h.

    Args:
        units: positive int. activation="tanh", recurrent_activation="sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", *_regularizer, *_constraint, activity_regularizer.
        dropout / recurrent_dropout: fractions in [0, 1] of the inputs / recurrent state dropped
            in training (one mask per sequence; with recurrent_dropout one mask per gate, as
            Keras's implementation 1); seed: int for the masks.
        return_sequences, return_state, go_backwards, stateful (needs a fixed batch size;
        ``reset_states()``), unroll (accepted, no effect), reset_after=True, use_cudnn (accepted).

    Call args:
        sequences: (batch, timesteps, features). initial_state: ``[h0]`` (batch, units).
        mask: (batch, timesteps) bool. training: enables dropout.

    Raises:
        ValueError: units not a positive int, input rank != 3, undefined features, stateful
            without a fixed batch size, mask / initial_state shape mismatch (names the shapes).
    """

    _cell_name = "gru_cell"
    _n_states = 1
    _gate_count = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        self._set_cell_args(locals())
        self.reset_after = bool(reset_after)
        self.use_cudnn = use_cudnn

    def build(self, input_shape):
        """Creates kernel (features, 3u), recurrent_kernel (u, 3u) and bias ((2, 3u) with
        reset_after, else (3u,)). ValueError for rank != 3, undefined features, or stateful
        without a batch size."""
        features = self._features(input_shape)
        u = self.units
        self.kernel = self._cell_weight("kernel", (features, 3 * u), self.kernel_initializer,
                                        self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self._cell_weight("recurrent_kernel", (u, 3 * u),
                                                  self.recurrent_initializer,
                                                  self.recurrent_regularizer,
                                                  self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self._cell_weight("bias", shape, self.bias_initializer,
                                          self.bias_regularizer, self.bias_constraint)
        from pyfapi.graph.input_spec import InputSpec
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _biases(self):
        if self.bias is None:
            return None, None
        if self.reset_after:
            return ops.get_item(self.bias, 0), ops.get_item(self.bias, 1)
        return self.bias, None

    def _run(self, x, states, m, in_masks, rec_masks):
        b_in, b_rec = self._biases()
        xp = self._project(x, self.kernel, b_in, in_masks)
        h0 = states[0] if states else None
        acts = self._kernel_activations()
        if acts is not None:
            if rec_masks is not None and rec_masks.shape[0] == 1:
                rec_masks = rec_masks.repeat(3, axis=0)
            out, h = ops.gru(xp, self.recurrent_kernel, b_rec, initial_state=h0, mask=m,
                             recurrent_masks=rec_masks, reset_after=self.reset_after,
                             zero_output_for_mask=self.zero_output_for_mask,
                             return_sequences=self.return_sequences, **acts)
            return out, [h]
        return self._loop(xp, b_rec, h0, m, rec_masks)

    def _loop(self, xp, b_rec, h, m, rec_masks):
        """Per-step path with basic ops (any activations)."""
        n, t, _ = xp.shape
        u = self.units
        if h is None:
            h = ops.zeros((n, u), dtype="float32")
        act, ract = self.activation, self.recurrent_activation
        R = self.recurrent_kernel
        Rz, Rr, Rh = (ops.get_item(R, (slice(None), slice(q * u, (q + 1) * u))) for q in range(3))
        br = [None] * 3 if b_rec is None else [ops.get_item(b_rec, slice(q * u, (q + 1) * u))
                                                for q in range(3)]
        outs = []
        for s in range(t):
            xs = ops.get_item(xp, (slice(None), s))
            xz, xr, xh = ops.split(xs, 3, axis=-1)
            hz = hr = hh_in = h
            if rec_masks is not None:
                k = rec_masks.shape[0]
                hz, hr, hh_in = (ops.multiply(h, rec_masks[q if k == 3 else 0]) for q in range(3))
            rz, rr = ops.matmul(hz, Rz), ops.matmul(hr, Rr)
            if br[0] is not None:
                rz, rr = ops.add(rz, br[0]), ops.add(rr, br[1])
            z = ract(ops.add(xz, rz))
            r = ract(ops.add(xr, rr))
            if self.reset_after:
                rh = ops.matmul(hh_in, Rh)
                if br[2] is not None:
                    rh = ops.add(rh, br[2])
                hh = act(ops.add(xh, ops.multiply(r, rh)))
            else:
                hh = act(ops.add(xh, ops.matmul(ops.multiply(r, hh_in), Rh)))
            new = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), hh))
            outs.append(new)
            h = self._mask_step(m, s, new, h)
        outs = self._masked_outputs(outs, m, n)
        seq = ops.stack(outs, axis=1) if self.return_sequences else outs[-1]
        return seq, [h]

    def get_config(self):
        """Keras 3 GRU config (units, activations, initializers, regularizers, constraints,
        dropout, recurrent_dropout, seed, return_*, go_backwards, stateful, unroll,
        reset_after)."""
        config = self._base_config()
        config["reset_after"] = self.reset_after
        return config
