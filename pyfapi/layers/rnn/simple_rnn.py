"""SimpleRNN layer (Keras 3 semantics; source keras/src/layers/rnn/simple_rnn.py)::

    h_t = activation(x_t W + b + h_{t-1} R)

tanh / relu / linear activations run one whole-sequence C++ kernel (``pyfapi.ops.simple_rnn``,
sequence mask and recurrent-dropout mask inside); other activations a per-step loop of basic ops.
"""
from __future__ import annotations

from pyfapi import activations, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.rnn.base_rnn import BaseRNN

__all__ = ["SimpleRNN"]

_KERNEL_ACTIVATIONS = {activations.tanh: "tanh", activations.relu: "relu",
                       activations.linear: "linear"}


class SimpleRNN(BaseRNN):
    """Fully-connected RNN whose output is fed back as the next step's state.

    Output / return_state / masks / go_backwards / stateful as :class:`~pyfapi.layers.GRU`
    (state list ``[h]``). Weights (paths ``<name>/simple_rnn_cell/...``): ``kernel`` (features,
    units), ``recurrent_kernel`` (units, units), ``bias`` (units,) if use_bias.

    Args:
        units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal", bias_initializer="zeros", regularizers,
        constraints, dropout, recurrent_dropout, seed, return_sequences, return_state,
        go_backwards, stateful, unroll (as Keras).

    Raises:
        ValueError: as :class:`~pyfapi.layers.GRU`.
    """

    _cell_name = "simple_rnn_cell"
    _n_states = 1
    _gate_count = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        super().__init__(units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._set_cell_args(locals())

    def build(self, input_shape):
        """Creates kernel (features, u), recurrent_kernel (u, u), bias (u,)."""
        features = self._features(input_shape)
        u = self.units
        self.kernel = self._cell_weight("kernel", (features, u), self.kernel_initializer,
                                        self.kernel_regularizer, self.kernel_constraint)
        self.recurrent_kernel = self._cell_weight("recurrent_kernel", (u, u),
                                                  self.recurrent_initializer,
                                                  self.recurrent_regularizer,
                                                  self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self._cell_weight("bias", (u,), self.bias_initializer,
                                          self.bias_regularizer, self.bias_constraint)
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _run(self, x, states, m, in_masks, rec_masks):
        xp = self._project(x, self.kernel, self.bias, in_masks)
        h0 = states[0] if states else None
        rm = None if rec_masks is None else rec_masks[0]
        name = _KERNEL_ACTIVATIONS.get(self.activation)
        if name is not None:
            out, h = ops.simple_rnn(xp, self.recurrent_kernel, initial_state=h0, mask=m,
                                    recurrent_masks=rm, activation=name,
                                    zero_output_for_mask=self.zero_output_for_mask,
                                    return_sequences=self.return_sequences)
            return out, [h]
        n, t, u = xp.shape
        h = ops.zeros((n, u), dtype="float32") if h0 is None else h0
        outs = []
        for s in range(t):
            hp = h if rm is None else ops.multiply(h, rm)
            new = self.activation(ops.add(ops.get_item(xp, (slice(None), s)),
                                          ops.matmul(hp, self.recurrent_kernel)))
            outs.append(new)
            h = self._mask_step(m, s, new, h)
        outs = self._masked_outputs(outs, m, n)
        return (ops.stack(outs, axis=1) if self.return_sequences else outs[-1]), [h]

    def get_config(self):
        """Keras 3 SimpleRNN config (no ``seed`` key, as Keras)."""
        config = self._base_config()
        config.pop("seed")
        return config
