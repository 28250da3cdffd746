"""Plain numpy float64 references for dense and depthwise convolutions (channels_last), written
from the TensorFlow definitions, independent of pyfapi:

    y[n, o, f] = sum_{k, c} xpad[n, o * stride + k * dilation, c] * kernel[k, c, f]

where ``xpad`` is the input with ``pad_before`` zeros in front (TF 'same': total padding
``max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)``, ``total // 2`` before; 'causal':
``(k - 1) * dilation`` before; 'valid': none). The backward references are the exact adjoints of
the same loops (every tap's contribution sent back where it came from).
"""
import numpy as np


def tf_out_and_pad(n_in, k, stride, padding, dilation):
    """(output size, zeros before) along one axis, by the TensorFlow rule."""
    ext = (k - 1) * dilation + 1
    if padding == "valid":
        return (n_in - ext) // stride + 1, 0
    out = -(-n_in // stride)
    if padding == "causal":
        return out, ext - 1
    total = max((out - 1) * stride + ext - n_in, 0)
    return out, total // 2


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _geometry(x_shape, k_shape, strides, padding, dilation):
    rank = len(x_shape) - 2
    strides, dilation = _tuple(strides, rank), _tuple(dilation, rank)
    outs, pads = zip(*(tf_out_and_pad(x_shape[1 + i], k_shape[i], strides[i], padding, dilation[i])
                       for i in range(rank)))
    return rank, strides, dilation, outs, pads


def _padded(x, rank, k_shape, strides, dilation, outs, pads):
    """x with pads[i] zeros before and enough zeros after for every tap of every output."""
    widths = [(0, 0)]
    for i in range(rank):
        need = (outs[i] - 1) * strides[i] + (k_shape[i] - 1) * dilation[i] + 1
        widths.append((pads[i], max(need - pads[i] - x.shape[1 + i], 0)))
    widths.append((0, 0))
    return np.pad(x, widths)


def _taps(rank, k_shape, strides, dilation, outs):
    """Yield (kernel index, tuple of slices into the padded input) for every tap."""
    for idx in np.ndindex(*k_shape[:rank]):
        sl = tuple(slice(idx[i] * dilation[i], idx[i] * dilation[i] + (outs[i] - 1) * strides[i] + 1,
                         strides[i]) for i in range(rank))
        yield idx, (slice(None),) + sl


def conv_ref(x, k, strides=1, padding="valid", dilation=1):
    x, k = np.asarray(x, np.float64), np.asarray(k, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x.shape, k.shape, strides, padding, dilation)
    xp = _padded(x, rank, k.shape, strides, dilation, outs, pads)
    y = np.zeros((x.shape[0], *outs, k.shape[-1]))
    for idx, sl in _taps(rank, k.shape, strides, dilation, outs):
        y += xp[sl + (slice(None),)] @ k[idx]
    return y


def conv_backward_input_ref(dy, k, x_shape, strides=1, padding="valid", dilation=1):
    dy, k = np.asarray(dy, np.float64), np.asarray(k, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x_shape, k.shape, strides, padding, dilation)
    dxp = _padded(np.zeros(x_shape), rank, k.shape, strides, dilation, outs, pads)
    for idx, sl in _taps(rank, k.shape, strides, dilation, outs):
        dxp[sl + (slice(None),)] += dy @ k[idx].T
    crop = (slice(None),) + tuple(slice(pads[i], pads[i] + x_shape[1 + i]) for i in range(rank))
    return dxp[crop]


def conv_backward_kernel_ref(x, dy, k_shape, strides=1, padding="valid", dilation=1):
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x.shape, k_shape, strides, padding, dilation)
    xp = _padded(x, rank, k_shape, strides, dilation, outs, pads)
    dk = np.zeros(k_shape)
    for idx, sl in _taps(rank, k_shape, strides, dilation, outs):
        xs = xp[sl + (slice(None),)]
        dk[idx] = xs.reshape(-1, xs.shape[-1]).T @ dy.reshape(-1, dy.shape[-1])
    return dk


def depthwise_ref(x, k, strides=1, padding="valid", dilation=1):
    """Output channel c * M + m = input channel c convolved with k[..., c, m]."""
    x, k = np.asarray(x, np.float64), np.asarray(k, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x.shape, k.shape, strides, padding, dilation)
    xp = _padded(x, rank, k.shape, strides, dilation, outs, pads)
    C, M = k.shape[-2:]
    y = np.zeros((x.shape[0], *outs, C, M))
    for idx, sl in _taps(rank, k.shape, strides, dilation, outs):
        y += xp[sl + (slice(None),)][..., None] * k[idx]
    return y.reshape(*y.shape[:-2], C * M)


def depthwise_backward_input_ref(dy, k, x_shape, strides=1, padding="valid", dilation=1):
    dy, k = np.asarray(dy, np.float64), np.asarray(k, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x_shape, k.shape, strides, padding, dilation)
    C, M = k.shape[-2:]
    dy = dy.reshape(*dy.shape[:-1], C, M)
    dxp = _padded(np.zeros(x_shape), rank, k.shape, strides, dilation, outs, pads)
    for idx, sl in _taps(rank, k.shape, strides, dilation, outs):
        dxp[sl + (slice(None),)] += (dy * k[idx]).sum(-1)
    crop = (slice(None),) + tuple(slice(pads[i], pads[i] + x_shape[1 + i]) for i in range(rank))
    return dxp[crop]


def depthwise_backward_kernel_ref(x, dy, k_shape, strides=1, padding="valid", dilation=1):
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    rank, strides, dilation, outs, pads = _geometry(x.shape, k_shape, strides, padding, dilation)
    C, M = k_shape[-2:]
    dy = dy.reshape(*dy.shape[:-1], C, M)
    xp = _padded(x, rank, k_shape, strides, dilation, outs, pads)
    dk = np.zeros(k_shape)
    for idx, sl in _taps(rank, k_shape, strides, dilation, outs):
        xs = xp[sl + (slice(None),)]
        dk[idx] = (xs[..., None] * dy).reshape(-1, C, M).sum(axis=0)
    return dk
