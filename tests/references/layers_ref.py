"""Plain numpy float64 references for the layers of pyfapi.layers (never imports pyfapi).

Conventions: channels_last; Keras 3 weight layouts; TensorFlow's 'same' padding
(pad_total = max((out - 1) * s + (k - 1) * d + 1 - n, 0), pad_before = pad_total // 2);
average pooling with 'same' padding divides by the number of in-bounds elements (TF).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["out_len", "pad_amounts", "dense", "conv", "depthwise_conv2d", "separable_conv2d",
           "pool", "lstm", "batch_norm", "embedding", "ACTIVATIONS"]


def out_len(n, k, s, d, padding):
    if padding in ("same", "causal"):
        return -(-n // s)
    return max(0, (n - (k - 1) * d - 1) // s + 1)


def pad_amounts(n, k, s, d, padding):
    """(before, after) padding of one axis."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return (k - 1) * d, 0
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True))
    / np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0.0))),
    "softplus": lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "exponential": np.exp,
}


def dense(x, kernel, bias=None, activation="linear"):
    y = np.asarray(x, np.float64) @ np.asarray(kernel, np.float64)
    if bias is not None:
        y = y + bias
    return ACTIVATIONS[activation](y)


def _windows(x, ksize, strides, dilation, padding, pad_value=0.0):
    """x (N, *spatial, C) -> padded x, output spatial sizes, per-axis pads."""
    spatial = x.shape[1:-1]
    pads = [pad_amounts(n, k, s, d, padding)
            for n, k, s, d in zip(spatial, ksize, strides, dilation)]
    outs = [out_len(n, k, s, d, padding) for n, k, s, d in zip(spatial, ksize, strides, dilation)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=pad_value)
    return xp, outs, pads


def conv(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, activation="linear"):
    """N-D convolution (1-D or 2-D), kernel (k..., cin, cout), channels_last; cross-correlation."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    nd = kernel.ndim - 2
    ks = kernel.shape[:nd]
    st = (strides,) * nd if isinstance(strides, int) else tuple(strides)
    dl = (dilation_rate,) * nd if isinstance(dilation_rate, int) else tuple(dilation_rate)
    xp, outs, _ = _windows(x, ks, st, dl, padding)
    y = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for idx in np.ndindex(*ks):
        sl = tuple(slice(i * d, i * d + (o - 1) * s + 1, s) if o > 0 else slice(0, 0)
                   for i, d, o, s in zip(idx, dl, outs, st))
        patch = xp[(slice(None),) + sl + (slice(None),)]
        y += patch @ kernel[idx]
    if bias is not None:
        y = y + bias
    return ACTIVATIONS[activation](y)


def depthwise_conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1,
                     activation="linear"):
    """kernel (kh, kw, cin, dm) -> output channel c*dm + m (TF/Keras order)."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    kh, kw, cin, dm = kernel.shape
    st = (strides,) * 2 if isinstance(strides, int) else tuple(strides)
    dl = (dilation_rate,) * 2 if isinstance(dilation_rate, int) else tuple(dilation_rate)
    xp, outs, _ = _windows(x, (kh, kw), st, dl, padding)
    y = np.zeros((x.shape[0], *outs, cin, dm))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i * dl[0]: i * dl[0] + (outs[0] - 1) * st[0] + 1: st[0],
                       j * dl[1]: j * dl[1] + (outs[1] - 1) * st[1] + 1: st[1], :]
            y += patch[..., None] * kernel[i, j]
    y = y.reshape(x.shape[0], *outs, cin * dm)
    if bias is not None:
        y = y + bias
    return ACTIVATIONS[activation](y)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias=None, strides=1,
                     padding="valid", dilation_rate=1, activation="linear"):
    y = depthwise_conv2d(x, depthwise_kernel, None, strides, padding, dilation_rate)
    y = y @ np.asarray(pointwise_kernel, np.float64)[0, 0]
    if bias is not None:
        y = y + bias
    return ACTIVATIONS[activation](y)


def pool(x, pool_size, strides, padding, mode):
    """Max / average pooling (1-D or 2-D), 'same' average excludes the padding (TF)."""
    x = np.asarray(x, np.float64)
    nd = x.ndim - 2
    ps = (pool_size,) * nd if isinstance(pool_size, int) else tuple(pool_size)
    st = ps if strides is None else ((strides,) * nd if isinstance(strides, int)
                                     else tuple(strides))
    spatial = x.shape[1:-1]
    outs = [out_len(n, k, s, 1, padding) for n, k, s in zip(spatial, ps, st)]
    pads = [pad_amounts(n, k, s, 1, padding) for n, k, s in zip(spatial, ps, st)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        sl = []
        for oi, s, k, (pb, _), n in zip(o, st, ps, pads, spatial):
            start = oi * s - pb
            sl.append(slice(max(start, 0), min(start + k, n)))
        win = x[(slice(None),) + tuple(sl) + (slice(None),)]
        axes = tuple(range(1, nd + 1))
        y[(slice(None),) + o + (slice(None),)] = win.max(axes) if mode == "max" else win.mean(axes)
    return y


def lstm(x, kernel, recurrent_kernel, bias, h0=None, c0=None, go_backwards=False):
    """Keras LSTM, gates i, f, c, o; sigmoid recurrent activation, tanh activation.

    Returns (all hidden states (N, T, u), last h, last c).
    """
    x = np.asarray(x, np.float64)
    n, t, _ = x.shape
    u = recurrent_kernel.shape[0]
    h = np.zeros((n, u)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((n, u)) if c0 is None else np.asarray(c0, np.float64)
    seq = []
    steps = range(t - 1, -1, -1) if go_backwards else range(t)
    for s in steps:
        z = x[:, s] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        seq.append(h)
    return np.stack(seq, 1) if seq else np.zeros((n, 0, u)), h, c


def batch_norm(x, gamma, beta, mean, var, epsilon=1e-3):
    return (np.asarray(x, np.float64) - mean) / np.sqrt(var + epsilon) * gamma + beta


def embedding(ids, table):
    return np.asarray(table, np.float64)[np.asarray(ids)]
