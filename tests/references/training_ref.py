"""Plain numpy float64 references for losses, metrics and optimizer update rules.

Written from the published formulas (Keras 3 docs and backend code for clipping/normalisation;
Kingma & Ba 2015 for Adam; Hinton's lecture 6e for RMSprop; Loshchilov & Hutter 2019 for AdamW;
Duchi et al. 2011 for Adagrad), independently of pyfapi.
"""
import numpy as np

EPS = 1e-7
# Keras clips in the compute dtype (float32): the bounds are the float32 values of eps, 1 - eps.
LO, HI = float(np.float32(EPS)), float(np.float32(1 - EPS))


# ---- losses (per sample, float64) ----------------------------------------------------------------
def mse(y, p):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    return np.mean((y - p) ** 2, axis=-1)


def mae(y, p):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    return np.mean(np.abs(y - p), axis=-1)


def bce(y, p, from_logits=False):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if from_logits:
        # log sigmoid(x) = -log1p(exp(-x)), computed stably
        log_p = -np.logaddexp(0.0, -p)
        log_1mp = -np.logaddexp(0.0, p)
    else:
        pc = np.clip(p, LO, HI)
        log_p, log_1mp = np.log(pc), np.log(1 - pc)
    return -np.mean(y * log_p + (1 - y) * log_1mp, axis=-1)


def cce(y, p, from_logits=False):
    y, p = np.asarray(y, np.float64), np.asarray(p, np.float64)
    if from_logits:
        m = p.max(axis=-1, keepdims=True)
        log_p = p - m - np.log(np.sum(np.exp(p - m), axis=-1, keepdims=True))
    else:
        q = p / p.sum(axis=-1, keepdims=True)
        log_p = np.log(np.clip(q, LO, HI))
    return -np.sum(y * log_p, axis=-1)


def sparse_cce(labels, p, from_logits=False):
    labels = np.asarray(labels).reshape(np.asarray(p).shape[:-1]).astype(int)
    onehot = np.eye(np.asarray(p).shape[-1])[labels]
    return cce(onehot, p, from_logits)


def reduce_sum_over_batch(values, sample_weight=None):
    values = np.asarray(values, np.float64)
    if sample_weight is not None:
        values = values * np.asarray(sample_weight, np.float64)
    return values.sum() / values.size


# ---- optimizers: one step, float64, returns new (w, state) --------------------------------------
def sgd(w, g, state, lr=0.01, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g, state
    m = state.get("m", np.zeros_like(w))
    m = momentum * m - lr * g
    w = w + (momentum * m - lr * g if nesterov else m)
    return w, {"m": m}


def rmsprop(w, g, state, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    v = state.get("v", np.zeros_like(w))
    v = rho * v + (1 - rho) * g * g
    new = {"v": v}
    if centered:
        a = state.get("a", np.zeros_like(w))
        a = rho * a + (1 - rho) * g
        new["a"] = a
        denom = v - a * a + eps
    else:
        denom = v + eps
    inc = lr * g / np.sqrt(denom)
    if momentum > 0:
        m = state.get("m", np.zeros_like(w))
        m = momentum * m + inc
        new["m"] = m
        return w - m, new
    return w - inc, new


def adam(w, g, state, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=None):
    t = state.get("t", 0) + 1
    if weight_decay:
        w = w - w * weight_decay * lr
    m = state.get("m", np.zeros_like(w))
    v = state.get("v", np.zeros_like(w))
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    new = {"t": t, "m": m, "v": v}
    vv = v
    if amsgrad:
        vh = np.maximum(state.get("vh", np.zeros_like(w)), v)
        new["vh"] = vh
        vv = vh
    alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return w - alpha * m / (np.sqrt(vv) + eps), new


def adagrad(w, g, state, lr=0.001, init=0.1, eps=1e-7):
    acc = state.get("acc", np.full_like(w, init)) + g * g
    return w - lr * g / np.sqrt(acc + eps), {"acc": acc}
