"""Plain numpy float64 reference of the Keras LSTM (gate order i, f, c, o), forward and BPTT.

Readable per-step loops; independent of pyfapi. Formulas: keras.layers.LSTM with tanh activation
and sigmoid recurrent activation (Hochreiter & Schmidhuber 1997; Gers et al. 2000).
"""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_forward_ref(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None):
    """Returns (hs (N, T, u), cs (N, T, u), cache) in float64."""
    x = np.asarray(x, np.float64)
    W = np.asarray(kernel, np.float64)
    R = np.asarray(recurrent_kernel, np.float64)
    n, t_steps, _ = x.shape
    u = R.shape[0]
    b = np.zeros(4 * u) if bias is None else np.asarray(bias, np.float64)
    h = np.zeros((n, u)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((n, u)) if c0 is None else np.asarray(c0, np.float64)
    hs = np.zeros((n, t_steps, u))
    cs = np.zeros((n, t_steps, u))
    cache = []
    for t in range(t_steps):
        z = x[:, t] @ W + h @ R + b
        i = _sigmoid(z[:, 0 * u:1 * u])
        f = _sigmoid(z[:, 1 * u:2 * u])
        g = np.tanh(z[:, 2 * u:3 * u])
        o = _sigmoid(z[:, 3 * u:4 * u])
        c_prev, h_prev = c, h
        c = f * c_prev + i * g
        h = o * np.tanh(c)
        cache.append((h_prev, c_prev, i, f, g, o, c))
        hs[:, t] = h
        cs[:, t] = c
    return hs, cs, cache


def lstm_backward_ref(x, kernel, recurrent_kernel, cache, dhs=None, dh_last=None, dc_last=None):
    """BPTT in float64. dhs: (N, T, u) gradient of every step's h (or None); dh_last / dc_last:
    gradients of the final h / c. Returns dx, dW, dR, db, dh0, dc0."""
    x = np.asarray(x, np.float64)
    W = np.asarray(kernel, np.float64)
    R = np.asarray(recurrent_kernel, np.float64)
    n, t_steps, _ = x.shape
    u = R.shape[0]
    dx = np.zeros_like(x)
    dW = np.zeros_like(W)
    dR = np.zeros_like(R)
    db = np.zeros(4 * u)
    dh = np.zeros((n, u)) if dh_last is None else np.asarray(dh_last, np.float64).copy()
    dc = np.zeros((n, u)) if dc_last is None else np.asarray(dc_last, np.float64).copy()
    for t in reversed(range(t_steps)):
        if dhs is not None:
            dh = dh + dhs[:, t]
        h_prev, c_prev, i, f, g, o, c = cache[t]
        tc = np.tanh(c)
        do = dh * tc
        dc = dc + dh * o * (1 - tc ** 2)
        di = dc * g
        df = dc * c_prev
        dg = dc * i
        dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2),
                             do * o * (1 - o)], axis=1)
        dx[:, t] = dz @ W.T
        dW += x[:, t].T @ dz
        dR += h_prev.T @ dz
        db += dz.sum(axis=0)
        dh = dz @ R.T
        dc = dc * f
    return dx, dW, dR, db, dh, dc
