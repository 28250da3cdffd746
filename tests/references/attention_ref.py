"""Plain numpy float64 references of multi-head attention (Vaswani et al. 2017) with Keras's
weight layouts, and of Keras's Attention / AdditiveAttention."""
import numpy as np


def _softmax(s, mask=None, zero_masked=True):
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    if mask is not None and zero_masked:
        p = np.where(mask, p, 0.0)
    return p


def mha(query, value, key, w, num_heads, key_dim, mask=None, causal=False, zero_masked=False):
    """w: dict of query/key/value/attention_output kernels and biases (Keras shapes).
    query (B, T, D), value/key (B, S, *). Returns (output, scores (B, N, T, S))."""
    q = np.einsum("btd,dnh->btnh", query, w["q_k"]) + w.get("q_b", 0)
    k = np.einsum("bsd,dnh->bsnh", key, w["k_k"]) + w.get("k_b", 0)
    v = np.einsum("bsd,dnh->bsnh", value, w["v_k"]) + w.get("v_b", 0)
    scores = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(key_dim)
    m = None
    if mask is not None:
        m = np.asarray(mask, bool)[:, None]
    if causal:
        t, s = scores.shape[-2:]
        c = np.tril(np.ones((t, s), bool))[None, None]
        m = c if m is None else m & c
    p = _softmax(scores, m, zero_masked)
    ctx = np.einsum("bnts,bsnh->btnh", p, v)
    out = np.einsum("btnh,nhd->btd", ctx, w["o_k"]) + w.get("o_b", 0)
    return out, p


def dot_attention(q, v, k, scale=None, q_mask=None, v_mask=None, causal=False):
    """Keras Attention (score_mode='dot')."""
    s = q @ np.swapaxes(k, -1, -2)
    if scale is not None:
        s = s * scale
    m = None if v_mask is None else np.asarray(v_mask, bool)[:, None, :]
    if causal:
        c = np.tril(np.ones(s.shape[-2:], bool))[None]
        m = c if m is None else m & c
    if m is not None:
        s = np.where(m, s, s - 1e9)
    p = _softmax(s)
    out = p @ v
    if q_mask is not None:
        out = np.where(np.asarray(q_mask, bool)[..., None], out, 0.0)
    return out, p


def additive_attention(q, v, k, scale=None, q_mask=None, v_mask=None):
    """Keras AdditiveAttention."""
    t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
    s = np.sum((scale if scale is not None else 1.0) * t, -1)
    if v_mask is not None:
        s = np.where(np.asarray(v_mask, bool)[:, None, :], s, s - 1e9)
    out = _softmax(s) @ v
    if q_mask is not None:
        out = np.where(np.asarray(q_mask, bool)[..., None], out, 0.0)
    return out
