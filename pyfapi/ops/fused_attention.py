"""Fused multi-head dot-product attention (MultiHeadAttention's rank-4 path), on the C++ kernels
of :mod:`pyfapi.kernels.attention` for float32 and numpy for float64.

``fused_attention(q, k, v, mask=None, uniform_if_all_masked=False)``: q (B, T, heads, H),
k (B, S, heads, H), v (B, S, heads, Hv), q already scaled; returns
``softmax_mask(q k^T) v`` (B, T, heads, Hv), the softmax over S per (batch, head) with a bool
mask broadcastable to (B, heads, T, S) (True = keep; see :mod:`pyfapi.ops.masked_softmax` for
the masked / fully masked rows). Differentiable w.r.t. q, k and v. The same numbers as
``einsum("abcd,aecd->acbe")`` -> masked softmax -> ``einsum("acbe,aecd->abcd")``, without
materialising the scores more than once. ``dropout_rate`` > 0 multiplies the softmax by
``dropout_mask((B, heads, T, S), dropout_rate, dropout_seed)`` (:mod:`pyfapi.kernels.dropout`;
the mask a Dropout layer drawing that seed would apply to the scores) before the product with v.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.attention import attention_backward, attention_forward
from pyfapi.kernels.dropout import dropout_mask
from pyfapi.kernels.softmax import prepare_mask
from pyfapi.ops._common import as_float
from pyfapi.ops.masked_softmax import _np_forward

__all__ = ["fused_attention"]

_F32 = np.dtype(np.float32)


@register
class FusedAttention(Op):
    """Inputs q, k, v; the bool mask and the fully-masked-row rule are attributes."""
    name = "fused_attention"

    @staticmethod
    def forward(ctx, q, k, v, mask=None, uniform_if_all_masked=False, dropout_rate=0.0,
                dropout_seed=0):
        """(B, T, heads, Hv) output. ValueError: shapes that do not match, a bad mask, a
        dropout rate outside [0, 1)."""
        q, k, v = as_float(q), as_float(k), as_float(v)
        dt = np.result_type(q, k, v)
        ctx.dtypes = (q.dtype, k.dtype, v.dtype)
        drop = (dropout_rate, dropout_seed) if dropout_rate else None
        ctx.drop = drop
        if dt == _F32:
            o, p = attention_forward(q, k, v, mask, uniform_if_all_masked, drop)
            ctx.save(q, k, v, p, mask)
            return o
        if q.ndim != 4 or k.ndim != 4 or v.ndim != 4 or k.shape[:3] != v.shape[:3] or \
                (k.shape[0], k.shape[2], k.shape[3]) != (q.shape[0], q.shape[2], q.shape[3]):
            raise ValueError(f"fused_attention: shapes do not match: q {q.shape} (B, T, heads, H), "
                             f"k {k.shape} (B, S, heads, H), v {v.shape} (B, S, heads, Hv)")
        q, k, v = (a.astype(dt, copy=False) for a in (q, k, v))
        pshape = (q.shape[0], q.shape[2], q.shape[1], k.shape[1])
        m = prepare_mask(mask, pshape, "fused_attention")
        if m is not None and m.dtype != np.bool_:
            raise TypeError("fused_attention: mask must be a bool array (True = keep)")
        p = _np_forward(np.einsum("btnh,bsnh->bnts", q, k), m, uniform_if_all_masked)
        ctx.save(q, k, v, p, m)
        if drop is not None:
            ctx.dmask = dropout_mask(pshape, *drop).astype(dt)
            return np.einsum("bnts,bsnh->btnh", p * ctx.dmask, v)
        return np.einsum("bnts,bsnh->btnh", p, v)

    @staticmethod
    def backward(ctx, g):
        """dq = dS k, dk = dS^T q, dv = P^T dO with dS the softmax VJP of dP = dO v^T."""
        q, k, v, p, m = ctx.saved
        if p.dtype == _F32:
            grads = attention_backward(g.astype(_F32, copy=False), q, k, v, p, m, ctx.drop)
        else:
            dm = ctx.dmask if ctx.drop is not None else None
            dp = np.einsum("btnh,bsnh->bnts", g, v)
            if dm is not None:
                dp = dp * dm
            ds = p * (dp - (dp * p).sum(-1, keepdims=True))
            if m is not None:
                ds = np.where(m, ds, 0.0)
            grads = (np.einsum("bnts,bsnh->btnh", ds, k), np.einsum("bnts,btnh->bsnh", ds, q),
                     np.einsum("bnts,btnh->bsnh", p if dm is None else p * dm, g))
        return tuple(gr.astype(dt, copy=False) for gr, dt in zip(grads, ctx.dtypes))


def fused_attention(q, k, v, mask=None, uniform_if_all_masked=False, dropout_rate=0.0,
                    dropout_seed=0):
    """Multi-head ``softmax(q k^T) v`` in Keras's (B, T, heads, dim) layout (module docstring).

    Args:
        q: (B, T, heads, H), already scaled. k: (B, S, heads, H). v: (B, S, heads, Hv).
        mask: None or a bool tensor (True = keep) broadcastable to (B, heads, T, S).
        uniform_if_all_masked: fully masked rows attend uniformly instead of giving zeros.
        dropout_rate: in [0, 1); > 0 applies dropout to the attention weights (module
            docstring) with the stream ``dropout_seed`` (an int in [0, 2**64)).

    Returns:
        A Tensor (B, T, heads, Hv).

    Raises:
        ValueError: shapes that do not match, a mask that does not broadcast, a dropout rate
            outside [0, 1) or seed outside [0, 2**64).
        TypeError: a non-bool mask.
    """
    rate = float(dropout_rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"fused_attention: dropout_rate must be in [0, 1), received {dropout_rate!r}")
    if mask is not None:
        mask = np.asarray(getattr(mask, "value", mask))
    return apply(FusedAttention, q, k, v, mask=mask,
                 uniform_if_all_masked=bool(uniform_if_all_masked), dropout_rate=rate,
                 dropout_seed=int(dropout_seed))
