"""``ops.gru`` / ``ops.simple_rnn``: whole-sequence GRU and SimpleRNN recurrences as registered
ops (forward and backward through time in one C++ call each, :mod:`pyfapi.kernels.rnn`).

They take the input projection ``xp = x @ kernel (+ input bias)`` (computed with ordinary ops,
so Keras's per-gate input-dropout masks and the projection's own gradient stay outside) and
apply the sequence mask and the recurrent-dropout masks inside the kernel.

Dtype policy: the kernels compute in float32; outputs and gradients take the float dtype of the
inputs (float64 if any float input is float64, else float32). Under a bfloat16 compute precision
(:mod:`pyfapi.kernels.precision`, set by mixed_bfloat16 layers) the recurrent products take
bfloat16 operands on the AVX512-BF16 path.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.elementwise import bias_act_backward as _bias_act_backward
from pyfapi.kernels.gemm import gemm as _gemm
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
                return_sequences=False, activation="tanh", recurrent_activation="sigmoid"):
        """xp (N, T, 3U), recurrent_kernel (U, 3U) -> (outputs (N, T, U) or (N, U), h (N, U))."""
        rest = list(rest)
        bias = rest.pop(0) if has_bias else None
        h0 = rest[0] if has_state else None
        ins = [xp, recurrent_kernel, *([bias] if has_bias else []), *([h0] if has_state else [])]
        dtype = _out_dtype(ins)
        outputs, h, ws = gru_forward(xp, recurrent_kernel, bias, h0, mask, recurrent_masks,
                                     reset_after, zero_output_for_mask, return_sequences,
                                     training=True, activation=activation,
                                     recurrent_activation=recurrent_activation)
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


@register
class GateProjection(Op):
    """Input projection of a recurrent layer with one input-dropout mask per gate (Keras's
    ``implementation=1``): ``out[..., q-th block] = (x * masks[q]) @ kernel[:, q-th block]
    (+ bias[q-th block])`` for q < K, one op instead of K (multiply, matmul) pairs and a
    concatenation. Positional inputs: x (N, T, D), kernel (D, K*U), then the bias (K*U,) when
    ``has_bias``; ``masks`` (K, N, D) is a constant."""
    name = "rnn_gate_projection"

    @staticmethod
    def forward(ctx, x, kernel, *rest, has_bias=False, masks=None):
        """-> (N, T, K*U), computed in float32 (float64 if an input is float64)."""
        bias = rest[0] if has_bias else None
        n, t, d = x.shape
        k = masks.shape[0]
        g = kernel.shape[1]
        if masks.shape != (k, n, d) or kernel.shape[0] != d or g % k:
            raise ValueError(f"rnn_gate_projection: x {x.shape}, kernel {kernel.shape} and masks "
                             f"{masks.shape} do not match (expected kernel (D, K*U) and masks "
                             f"(K, N, D))")
        u = g // k
        kern = np.asarray(kernel, np.float32)
        b = None if bias is None else np.asarray(bias, np.float32)
        out = np.empty((n * t, g), np.float32)
        xms = []
        for q in range(k):
            xm = np.multiply(x, masks[q][:, None, :], dtype=np.float32).reshape(n * t, d)
            blk = slice(q * u, (q + 1) * u)
            _gemm(xm, kern[:, blk], out=out[:, blk], bias=None if b is None else b[blk])
            xms.append(xm)
        ctx.saved = (xms, kern, masks)
        ctx.bias_dtype = bias.dtype if has_bias else None
        ctx.info = (x.shape, x.dtype, kernel.dtype, has_bias)
        dtype = _out_dtype([x, kernel] + ([bias] if has_bias else []))
        return out.reshape(n, t, g).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        """dx = sum_q (g_q @ W_q^T) * m_q, dW_q = (x * m_q)^T g_q, db = column sums of g."""
        xms, kern, masks = ctx.saved
        (n, t, d), xdt, kdt, has_bias = ctx.info
        needs = ctx.needs_input_grad
        k = masks.shape[0]
        g2 = np.ascontiguousarray(grad, dtype=np.float32).reshape(n * t, kern.shape[1])
        u = kern.shape[1] // k
        dx = dk = None
        if needs[0]:
            dx = np.zeros((n, t, d), np.float32)
            for q in range(k):
                blk = slice(q * u, (q + 1) * u)
                dx += _gemm(g2[:, blk], kern[:, blk], trans_b=True).reshape(n, t, d) * \
                    masks[q][:, None, :]
            dx = dx.astype(xdt, copy=False) if xdt.kind == "f" else dx
        if needs[1]:
            dk = np.empty(kern.shape, np.float32)
            for q in range(k):
                blk = slice(q * u, (q + 1) * u)
                _gemm(xms[q], g2[:, blk], trans_a=True, out=dk[:, blk])
            dk = dk.astype(kdt, copy=False)
        if not has_bias:
            return dx, dk
        db = None
        if needs[2]:  # column sums in C++ (one pass; numpy's float64 axis-0 sum is ~10x slower)
            db = _bias_act_backward(g2, None, bias_grad=True, op="rnn_gate_projection")[1]
            db = db.astype(ctx.bias_dtype, copy=False)
        return dx, dk, db


def gate_projection(x, kernel, bias, masks):
    """``concat_q((x * masks[q][:, None, :]) @ kernel[:, q-th block] + bias[q-th block])``: the
    per-gate input-dropout projection of GRU / LSTM in training (one registered op).

    Args:
        x: (N, T, D). kernel: (D, K*U). bias: (K*U,) or None. masks: (K, N, D) multipliers.

    Returns:
        (N, T, K*U) Tensor, differentiable w.r.t. x, kernel and bias.

    Raises:
        ValueError: shapes that do not match (names them).
    """
    args = [x, kernel] + ([bias] if bias is not None else [])
    return apply(GateProjection, *args, has_bias=bias is not None,
                 masks=np.ascontiguousarray(_mask_array(masks), dtype=np.float32))


def _mask_array(mask):
    if mask is None:
        return None
    from pyfapi.autodiff.tensor import as_array
    return as_array(mask)


def gru(xp, recurrent_kernel, recurrent_bias=None, initial_state=None, mask=None,
        recurrent_masks=None, reset_after=True, zero_output_for_mask=False,
        return_sequences=False, activation="tanh", recurrent_activation="sigmoid"):
    """GRU recurrence (``keras.layers.GRU`` math with tanh / sigmoid) over an input projection.

    Args:
        xp: (batch, timesteps, 3 * units) = ``inputs @ kernel (+ input bias)``, blocks z, r, h.
        recurrent_kernel: (units, 3 * units). recurrent_bias: (3 * units,) (the second row of
            Keras's (2, 3 * units) bias, reset_after only) or None.
        initial_state: (batch, units) or None. mask: (batch, timesteps) bool or None.
        recurrent_masks: (3, batch, units) recurrent-dropout multipliers or None.
        reset_after, zero_output_for_mask, return_sequences: as keras.layers.GRU / RNN.
        activation / recurrent_activation: "tanh", "sigmoid", "relu", "linear" or
            "hard_sigmoid" (candidate / gates; Keras's defaults tanh / sigmoid).

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
                 return_sequences=bool(return_sequences), activation=activation,
                 recurrent_activation=recurrent_activation)


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
