"""``ops.gru`` / ``ops.simple_rnn``: whole-sequence GRU and SimpleRNN recurrences as registered
ops (forward and backward through time in one C++ call each, :mod:`pyfapi.kernels.rnn`).

They take the input projection ``xp = x @ kernel (+ input bias)`` (computed with ordinary ops,
so Keras's per-gate input-dropout masks and the projection's own gradient stay outside) and
apply the sequence mask and the recurrent-dropout masks inside the kernel.

Dtype policy: the kernels compute in float32; outputs and gradients take the float dtype of the
inputs (float64 if any float input is float64, else float32).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.rnn import (
    gru_backward,
    gru_forward,
    simple_rnn_backward,
    simple_rnn_forward,
)

__all__ = ["gru", "simple_rnn"]


def _out_dtype(arrays):
    return np.dtype(np.float64) if any(a.dtype == np.float64 for a in arrays) else np.dtype(np.float32)


def _cast_grads(grads, dtypes):
    return tuple(g.astype(d, copy=False) if g is not None and d.kind == "f" else g
                 for g, d in zip(grads, dtypes))


@register
class GRU(Op):
    """Whole-sequence GRU recurrence; outputs ``(outputs, h)``. Positional inputs: xp,
    recurrent_kernel, then recurrent_bias when ``has_bias`` and h0 when ``has_state``."""
    name = "gru"

    @staticmethod
    def forward(ctx, xp, recurrent_kernel, *rest, has_bias=False, has_state=False, mask=None,
                recurrent_masks=None, reset_after=True, zero_output_for_mask=False,
                return_sequences=False):
        """xp (N, T, 3U), recurrent_kernel (U, 3U) -> (outputs (N, T, U) or (N, U), h (N, U))."""
        rest = list(rest)
        bias = rest.pop(0) if has_bias else None
        h0 = rest[0] if has_state else None
        ins = [xp, recurrent_kernel, *([bias] if has_bias else []), *([h0] if has_state else [])]
        dtype = _out_dtype(ins)
        outputs, h, ws = gru_forward(xp, recurrent_kernel, bias, h0, mask, recurrent_masks,
                                     reset_after, zero_output_for_mask, return_sequences,
                                     training=True)
        ctx.ws, ctx.in_dtypes = ws, [a.dtype for a in ins]
        ctx.has_bias, ctx.has_state = has_bias, has_state
        return outputs.astype(dtype, copy=False), h.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g_out, g_h):
        """BPTT (C++): gradients of xp, recurrent_kernel, [recurrent_bias], [h0]."""
        dxp, dr, db, dh0 = gru_backward(ctx.ws, g_out, g_h)
        grads = [dxp, dr]
        if ctx.has_bias:
            grads.append(db)
        if ctx.has_state:
            grads.append(dh0)
        return _cast_grads(grads, ctx.in_dtypes)


@register
class SimpleRNN(Op):
    """Whole-sequence SimpleRNN recurrence; outputs ``(outputs, h)``. Positional inputs: xp,
    recurrent_kernel, then h0 when ``has_state``."""
    name = "simple_rnn"

    @staticmethod
    def forward(ctx, xp, recurrent_kernel, *rest, has_state=False, mask=None,
                recurrent_masks=None, activation="tanh", zero_output_for_mask=False,
                return_sequences=False):
        """xp (N, T, U), recurrent_kernel (U, U) -> (outputs, h)."""
        h0 = rest[0] if has_state else None
        ins = [xp, recurrent_kernel, *([h0] if has_state else [])]
        dtype = _out_dtype(ins)
        outputs, h, ws = simple_rnn_forward(xp, recurrent_kernel, h0, mask, recurrent_masks,
                                            activation, zero_output_for_mask, return_sequences,
                                            training=True)
        ctx.ws, ctx.in_dtypes, ctx.has_state = ws, [a.dtype for a in ins], has_state
        return outputs.astype(dtype, copy=False), h.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g_out, g_h):
        """BPTT (C++): gradients of xp, recurrent_kernel, [h0]."""
        dxp, dr, dh0 = simple_rnn_backward(ctx.ws, g_out, g_h)
        grads = [dxp, dr] + ([dh0] if ctx.has_state else [])
        return _cast_grads(grads, ctx.in_dtypes)


def _mask_array(mask):
    if mask is None:
        return None
    from pyfapi.autodiff.tensor import as_array
    return as_array(mask)


def gru(xp, recurrent_kernel, recurrent_bias=None, initial_state=None, mask=None,
        recurrent_masks=None, reset_after=True, zero_output_for_mask=False,
        return_sequences=False):
    """GRU recurrence (``keras.layers.GRU`` math with tanh / sigmoid) over an input projection.

    Args:
        xp: (batch, timesteps, 3 * units) = ``inputs @ kernel (+ input bias)``, blocks z, r, h.
        recurrent_kernel: (units, 3 * units). recurrent_bias: (3 * units,) (the second row of
            Keras's (2, 3 * units) bias, reset_after only) or None.
        initial_state: (batch, units) or None. mask: (batch, timesteps) bool or None.
        recurrent_masks: (3, batch, units) recurrent-dropout multipliers or None.
        reset_after, zero_output_for_mask, return_sequences: as keras.layers.GRU / RNN.

    Returns:
        ``(outputs, h)`` Tensors, differentiable w.r.t. xp, the recurrent kernel and bias and
        the initial state.

    Raises:
        ValueError / TypeError: shapes or dtypes (see :func:`pyfapi.kernels.rnn.gru_forward`).
    """
    args = [xp, recurrent_kernel]
    if recurrent_bias is not None:
        args.append(recurrent_bias)
    if initial_state is not None:
        args.append(initial_state)
    return apply(GRU, *args, has_bias=recurrent_bias is not None,
                 has_state=initial_state is not None, mask=_mask_array(mask),
                 recurrent_masks=_mask_array(recurrent_masks), reset_after=bool(reset_after),
                 zero_output_for_mask=bool(zero_output_for_mask),
                 return_sequences=bool(return_sequences))


def simple_rnn(xp, recurrent_kernel, initial_state=None, mask=None, recurrent_masks=None,
               activation="tanh", zero_output_for_mask=False, return_sequences=False):
    """SimpleRNN recurrence ``h_t = activation(xp_t + h_{t-1} @ recurrent_kernel)``.

    Args:
        xp: (batch, timesteps, units) = ``inputs @ kernel + bias``; recurrent_kernel (units,
        units); initial_state (batch, units) or None; mask (batch, timesteps) or None;
        recurrent_masks (batch, units) or None; activation "tanh" / "relu" / "linear".

    Returns:
        ``(outputs, h)`` Tensors.
    """
    args = [xp, recurrent_kernel] + ([initial_state] if initial_state is not None else [])
    return apply(SimpleRNN, *args, has_state=initial_state is not None, mask=_mask_array(mask),
                 recurrent_masks=_mask_array(recurrent_masks), activation=activation,
                 zero_output_for_mask=bool(zero_output_for_mask),
                 return_sequences=bool(return_sequences))
