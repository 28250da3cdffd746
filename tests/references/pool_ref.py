"""Plain numpy float64 references for max / average pooling (channels_last), from the TensorFlow
definitions, independent of pyfapi. Windows are clipped to the input (padding never counts);
max backward sends each window's gradient to the first maximal element in row-major order."""
import itertools

import numpy as np

from references.conv_ref import tf_out_and_pad


def _windows(x_shape, pool, strides, padding):
    rank = len(x_shape) - 2
    pool = tuple(pool) if isinstance(pool, (tuple, list)) else (pool,) * rank
    strides = pool if strides is None else (tuple(strides) if isinstance(strides, (tuple, list))
                                           else (strides,) * rank)
    outs, pads = zip(*(tf_out_and_pad(x_shape[1 + i], pool[i], strides[i], padding, 1)
                       for i in range(rank)))
    for o in itertools.product(*(range(n) for n in outs)):
        sl = []
        for i in range(rank):
            start = o[i] * strides[i] - pads[i]
            sl.append(slice(max(start, 0), min(start + pool[i], x_shape[1 + i])))
        yield o, tuple(sl)
    return


def _out_shape(x_shape, pool, strides, padding):
    rank = len(x_shape) - 2
    pool = tuple(pool) if isinstance(pool, (tuple, list)) else (pool,) * rank
    strides = pool if strides is None else (tuple(strides) if isinstance(strides, (tuple, list))
                                           else (strides,) * rank)
    outs = [tf_out_and_pad(x_shape[1 + i], pool[i], strides[i], padding, 1)[0] for i in range(rank)]
    return (x_shape[0], *outs, x_shape[-1])


def max_pool_ref(x, pool, strides=None, padding="valid"):
    x = np.asarray(x, np.float64)
    y = np.zeros(_out_shape(x.shape, pool, strides, padding))
    for o, sl in _windows(x.shape, pool, strides, padding):
        win = x[(slice(None),) + sl + (slice(None),)]
        y[(slice(None),) + o] = win.reshape(x.shape[0], int(np.prod(win.shape[1:-1])), x.shape[-1]).max(axis=1)
    return y


def avg_pool_ref(x, pool, strides=None, padding="valid"):
    x = np.asarray(x, np.float64)
    y = np.zeros(_out_shape(x.shape, pool, strides, padding))
    for o, sl in _windows(x.shape, pool, strides, padding):
        win = x[(slice(None),) + sl + (slice(None),)]
        y[(slice(None),) + o] = win.reshape(x.shape[0], int(np.prod(win.shape[1:-1])), x.shape[-1]).mean(axis=1)
    return y


def max_pool_backward_ref(x, dy, pool, strides=None, padding="valid"):
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    dx = np.zeros_like(x)
    for o, sl in _windows(x.shape, pool, strides, padding):
        win = x[(slice(None),) + sl + (slice(None),)]
        wshape = win.shape[1:-1]
        first = win.reshape(x.shape[0], int(np.prod(win.shape[1:-1])), x.shape[-1]).argmax(axis=1)  # first maximum
        for n in range(x.shape[0]):
            for c in range(x.shape[-1]):
                pos = np.unravel_index(first[n, c], wshape)
                idx = (n,) + tuple(s.start + p for s, p in zip(sl, pos)) + (c,)
                dx[idx] += dy[(n,) + o + (c,)]
    return dx


def avg_pool_backward_ref(dy, x_shape, pool, strides=None, padding="valid"):
    dy = np.asarray(dy, np.float64)
    dx = np.zeros(x_shape)
    for o, sl in _windows(x_shape, pool, strides, padding):
        count = np.prod([s.stop - s.start for s in sl])
        g = dy[(slice(None),) + o][(slice(None),) + (None,) * len(sl)]
        dx[(slice(None),) + sl + (slice(None),)] += g / count
    return dx
