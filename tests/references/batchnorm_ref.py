"""Plain numpy float64 reference of batch normalization over the last axis (Ioffe & Szegedy 2015).

Forward formulas as keras.ops.batch_normalization; the backward of the training form is derived
step by step (the chain rule through mean and variance), not with the compact closed form.
"""
import numpy as np


def _2d(x):
    x = np.asarray(x, np.float64)
    return x.reshape(-1, x.shape[-1])


def bn_train_ref(x, scale=None, offset=None, eps=1e-3):
    x2 = _2d(x)
    c = x2.shape[1]
    mean = x2.mean(axis=0)
    var = ((x2 - mean) ** 2).mean(axis=0)
    g = np.ones(c) if scale is None else np.asarray(scale, np.float64)
    b = np.zeros(c) if offset is None else np.asarray(offset, np.float64)
    y = g * (x2 - mean) / np.sqrt(var + eps) + b
    return y.reshape(np.shape(x)), mean, var


def bn_inference_ref(x, mean, var, scale=None, offset=None, eps=1e-3):
    x2 = _2d(x)
    c = x2.shape[1]
    g = np.ones(c) if scale is None else np.asarray(scale, np.float64)
    b = np.zeros(c) if offset is None else np.asarray(offset, np.float64)
    y = g * (x2 - np.asarray(mean, np.float64)) / np.sqrt(np.asarray(var, np.float64) + eps) + b
    return y.reshape(np.shape(x))


def bn_train_backward_ref(dy, x, scale=None, eps=1e-3):
    """Chain rule through mu = mean(x), var = mean((x - mu)^2), xhat = (x - mu) / sqrt(var + eps)."""
    x2 = _2d(x)
    dy2 = _2d(dy)
    m, c = x2.shape
    g = np.ones(c) if scale is None else np.asarray(scale, np.float64)
    mu = x2.mean(axis=0)
    var = ((x2 - mu) ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = (x2 - mu) / std
    dgamma = (dy2 * xhat).sum(axis=0)
    dbeta = dy2.sum(axis=0)
    dxhat = dy2 * g
    dvar = (dxhat * (x2 - mu) * -0.5 * std ** -3).sum(axis=0)
    dmu = (-dxhat / std).sum(axis=0) + dvar * (-2.0 * (x2 - mu)).mean(axis=0)
    dx = dxhat / std + dvar * 2.0 * (x2 - mu) / m + dmu / m
    return dx.reshape(np.shape(x)), dgamma, dbeta


def bn_inference_backward_ref(dy, x, mean, var, scale=None, eps=1e-3):
    """Returns dx, dmean, dvar, dscale, doffset for y = scale (x - mean) / sqrt(var + eps) + offset."""
    x2 = _2d(x)
    dy2 = _2d(dy)
    c = x2.shape[1]
    g = np.ones(c) if scale is None else np.asarray(scale, np.float64)
    mean = np.asarray(mean, np.float64)
    var = np.asarray(var, np.float64)
    std = np.sqrt(var + eps)
    dx = dy2 * g / std
    dmean = (-dy2 * g / std).sum(axis=0)
    dvar = (dy2 * g * (x2 - mean) * -0.5 * (var + eps) ** -1.5).sum(axis=0)
    dscale = (dy2 * (x2 - mean) / std).sum(axis=0)
    doffset = dy2.sum(axis=0)
    return dx.reshape(np.shape(x)), dmean, dvar, dscale, doffset
