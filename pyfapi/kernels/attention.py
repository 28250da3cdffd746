"""Python face of the fused multi-head attention kernels (csrc/attention).

Keras's layout (``keras.ops.dot_product_attention``, MultiHeadAttention's rank-4 path):
q (B, T, heads, H), k (B, S, heads, H), v (B, S, heads, Hv), q already scaled::

    P = softmax(q k^T) over S, per (batch, head), with an optional bool mask (True = keep)
    O = P v                                             (B, T, heads, Hv)

With ``dropout=(rate, seed)``: ``O = (P * M) v`` with M = ``dropout_mask(P's shape, rate, seed)``
(:mod:`pyfapi.kernels.dropout`), made on the fly in C++; ``p`` is returned without dropout.
Mask semantics are the softmax kernels' (:mod:`pyfapi.kernels.softmax`): masked entries give 0;
a fully masked row gives zeros or, with ``uniform_if_all_masked``, 1 / S; no gradient flows
through masked entries. Conversion policy: float32 C-contiguous inputs reach C++ without a copy;
other real dtypes / layouts are converted ONCE here.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C
from pyfapi.kernels.dropout import dropout_params
from pyfapi.kernels.softmax import _f32, prepare_mask  # _f32: the shared float32 conversion

__all__ = ["attention_forward", "attention_backward"]


def _check(q, k, v, op):
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"{op}: q, k and v must have rank 4 (batch, length, heads, dim), got "
                         f"shapes {q.shape}, {k.shape}, {v.shape}")
    if (k.shape[0], k.shape[2], k.shape[3]) != (q.shape[0], q.shape[2], q.shape[3]) or \
            v.shape[:3] != k.shape[:3]:
        raise ValueError(f"{op}: shapes do not match: q {q.shape} (B, T, heads, H), k {k.shape} "
                         f"(B, S, heads, H), v {v.shape} (B, S, heads, Hv)")


def _drop(dropout, op):
    if dropout is None:
        return None
    rate, seed = dropout
    return dropout_params(rate, seed, op) if rate > 0 else None


def attention_forward(q, k, v, mask=None, uniform_if_all_masked=False, dropout=None):
    """Fused attention forward.

    Args:
        q, k, v: real arrays (B, T, heads, H), (B, S, heads, H), (B, S, heads, Hv).
        mask: None or a bool array (True = keep) broadcastable to (B, heads, T, S).
        uniform_if_all_masked: fully masked rows attend uniformly (Keras's fused path).
        dropout: None or ``(rate, seed)``, rate in [0, 1), seed in [0, 2**64).

    Returns:
        ``(o, p)``: o float32 (B, T, heads, Hv); p float32 (B, heads, T, S), the softmax.

    Raises:
        ValueError: ranks / shapes that do not match (named), a mask that does not broadcast.
        TypeError: non-real dtypes, a non-bool mask.
    """
    op = "fused_attention"
    q, k, v = _f32(q, "q", op), _f32(k, "k", op), _f32(v, "v", op)
    _check(q, k, v, op)
    if mask is not None and np.asarray(getattr(mask, "value", mask)).dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool array (True = keep)")
    pshape = (q.shape[0], q.shape[2], q.shape[1], k.shape[1])
    return _C.attention_forward(q, k, v, prepare_mask(mask, pshape, op), bool(uniform_if_all_masked),
                                _drop(dropout, op))


def attention_backward(d_o, q, k, v, p, mask=None, dropout=None):
    """Gradients ``(dq, dk, dv)`` (float32, the shapes of q, k, v) of :func:`attention_forward`
    from the output gradient ``d_o``, the forward's ``p`` and its ``dropout``.

    Raises:
        ValueError: shapes that do not match.
    """
    op = "fused_attention_backward"
    q, k, v = _f32(q, "q", op), _f32(k, "k", op), _f32(v, "v", op)
    _check(q, k, v, op)
    d_o, p = _f32(d_o, "d_o", op), _f32(p, "p", op)
    pshape = (q.shape[0], q.shape[2], q.shape[1], k.shape[1])
    if d_o.shape != q.shape[:3] + v.shape[3:] or p.shape != pshape:
        raise ValueError(f"{op}: d_o {d_o.shape} / p {p.shape} do not match q {q.shape}, "
                         f"k {k.shape}, v {v.shape}")
    return _C.attention_backward(d_o, q, k, v, p, prepare_mask(mask, pshape, op),
                                 _drop(dropout, op))
