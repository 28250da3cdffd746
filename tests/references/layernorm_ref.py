"""Plain numpy float64 references of layer normalization (Ba et al. 2016) and its gradients."""
import numpy as np


def ln_ref(x, gamma=None, beta=None, eps=1e-3):
    """Normalize the last axis; returns (y, mean, inv_std) in float64."""
    x = np.asarray(x, np.float64)
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    inv = 1.0 / np.sqrt(v + eps)
    y = (x - m) * inv
    if gamma is not None:
        y = y * np.asarray(gamma, np.float64)
    if beta is not None:
        y = y + np.asarray(beta, np.float64)
    return y, m[..., 0], inv[..., 0]


def ln_backward_ref(dy, x, gamma=None, eps=1e-3):
    """(dx, dgamma, dbeta) in float64, written out from the chain rule (no shortcuts shared with
    the kernel: the variance path and the mean path are summed separately)."""
    x = np.asarray(x, np.float64)
    dy = np.asarray(dy, np.float64)
    c = x.shape[-1]
    m = x.mean(-1, keepdims=True)
    xc = x - m
    v = (xc ** 2).mean(-1, keepdims=True)
    s = np.sqrt(v + eps)
    g = dy * (np.asarray(gamma, np.float64) if gamma is not None else 1.0)
    d_xc_direct = g / s
    d_v = np.sum(g * xc, -1, keepdims=True) * (-0.5) * (v + eps) ** -1.5
    d_xc = d_xc_direct + d_v * 2.0 * xc / c
    dx = d_xc - d_xc.mean(-1, keepdims=True)
    rows = dy.reshape(-1, c)
    dgamma = np.sum(rows * (xc / s).reshape(-1, c), 0)
    dbeta = rows.sum(0)
    return dx, dgamma, dbeta
