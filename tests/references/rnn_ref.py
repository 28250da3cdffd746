"""Plain numpy float64 references of Keras 3's GRU and SimpleRNN recurrences (per-step loops,
independent of pyfapi), written from keras/src/layers/rnn/gru.py (GRUCell.call, implementation 1
with per-gate recurrent-dropout masks), simple_rnn.py and keras/src/backend/*/rnn.py (masking:
a masked step keeps the state; its output is the previous output, zeros before the first kept
step, or zeros with zero_output_for_mask).
"""
import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


#: Keras 3 activations by name (hard_sigmoid = relu6(x + 3) / 6), float64.
ACTS = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda v: np.maximum(v, 0.0),
        "linear": lambda v: v, "hard_sigmoid": lambda v: np.clip((v + 3.0) / 6.0, 0.0, 1.0),
        "softsign": lambda v: v / (np.abs(v) + 1.0)}


def _same(a):
    return a


def _masked_step(t, mask, h_new, h_prev, y_prev, zero_output):
    if mask is None:
        return h_new, h_new
    m = mask[:, t].astype(bool)[:, None]
    h = np.where(m, h_new, h_prev)
    y = np.where(m, h_new, 0.0 if zero_output else y_prev)
    return h, y


def gru_ref(x, kernel, recurrent_kernel, bias=None, h0=None, mask=None, reset_after=True,
            input_masks=None, recurrent_masks=None, zero_output_for_mask=False,
            activation="tanh", recurrent_activation="sigmoid", operand=None):
    """Returns (outputs (N, T, U), final state (N, U)) in float64.

    bias: (2, 3U) (reset_after) or (3U,) or None. input_masks (3, N, D) / recurrent_masks
    (3, N, U): dropout multipliers per gate z, r, h, or None. activation (candidate) /
    recurrent_activation (gates z, r): names of :data:`ACTS`. operand: applied to both operands
    of every matrix product (e.g. rounding to bfloat16), or None.
    """
    act, ract = ACTS[activation], ACTS[recurrent_activation]
    rd = operand or _same
    x = np.asarray(x, np.float64)
    W = rd(np.asarray(kernel, np.float64))
    R = rd(np.asarray(recurrent_kernel, np.float64))
    n, steps, _ = x.shape
    u = R.shape[0]
    if bias is None:
        b_in, b_rec = np.zeros(3 * u), np.zeros(3 * u)
    elif reset_after:
        b_in, b_rec = np.asarray(bias, np.float64)
    else:
        b_in, b_rec = np.asarray(bias, np.float64), np.zeros(3 * u)
    h = np.zeros((n, u)) if h0 is None else np.asarray(h0, np.float64)
    y = np.zeros((n, u))
    outs = np.zeros((n, steps, u))
    for t in range(steps):
        xt = x[:, t]
        xi = [rd(xt if input_masks is None else xt * input_masks[q]) for q in range(3)]
        hi = [h if recurrent_masks is None else h * recurrent_masks[q] for q in range(3)]
        hr = [rd(v) for v in hi]
        x_z = xi[0] @ W[:, :u] + b_in[:u]
        x_r = xi[1] @ W[:, u:2 * u] + b_in[u:2 * u]
        x_h = xi[2] @ W[:, 2 * u:] + b_in[2 * u:]
        z = ract(x_z + hr[0] @ R[:, :u] + b_rec[:u])
        r = ract(x_r + hr[1] @ R[:, u:2 * u] + b_rec[u:2 * u])
        if reset_after:
            hh = act(x_h + r * (hr[2] @ R[:, 2 * u:] + b_rec[2 * u:]))
        else:
            hh = act(x_h + rd(r * hi[2]) @ R[:, 2 * u:])
        h_new = z * h + (1.0 - z) * hh
        h, y = _masked_step(t, mask, h_new, h, y, zero_output_for_mask)
        outs[:, t] = y
    return outs, h


def simple_rnn_ref(x, kernel, recurrent_kernel, bias=None, h0=None, mask=None,
                   activation="tanh", input_mask=None, recurrent_mask=None,
                   zero_output_for_mask=False, operand=None):
    """Returns (outputs (N, T, U), final state (N, U)) in float64 (operand: as gru_ref)."""
    act = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0), "linear": lambda v: v,
           "sigmoid": _sigmoid}[activation]
    rd = operand or _same
    x = np.asarray(x, np.float64)
    W = rd(np.asarray(kernel, np.float64))
    R = rd(np.asarray(recurrent_kernel, np.float64))
    n, steps, _ = x.shape
    u = R.shape[0]
    b = np.zeros(u) if bias is None else np.asarray(bias, np.float64)
    h = np.zeros((n, u)) if h0 is None else np.asarray(h0, np.float64)
    y = np.zeros((n, u))
    outs = np.zeros((n, steps, u))
    for t in range(steps):
        xt = x[:, t] if input_mask is None else x[:, t] * input_mask
        hp = h if recurrent_mask is None else h * recurrent_mask
        h_new = act(rd(xt) @ W + b + rd(hp) @ R)
        h, y = _masked_step(t, mask, h_new, h, y, zero_output_for_mask)
        outs[:, t] = y
    return outs, h


def lstm_ref(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, mask=None,
             zero_output_for_mask=False, input_masks=None, recurrent_masks=None,
             activation="tanh", recurrent_activation="sigmoid", operand=None):
    """Keras LSTM (gates i, f, c, o) with the sequence-mask rule; returns (outputs, h, c).

    input_masks (4, N, D) / recurrent_masks (4, N, U): dropout multipliers per gate i, f, c, o
    (keras/src/layers/rnn/lstm.py LSTMCell.call, implementation 1: x_q = (x * dp_q) @ W_q + b_q,
    z_q = x_q + (h_{t-1} * rec_dp_q) @ R_q), or None. activation (candidate and cell output) /
    recurrent_activation (gates i, f, o): names of :data:`ACTS`. operand: as gru_ref.
    """
    act, ract = ACTS[activation], ACTS[recurrent_activation]
    rd = operand or _same
    x = np.asarray(x, np.float64)
    W = rd(np.asarray(kernel, np.float64))
    R = rd(np.asarray(recurrent_kernel, np.float64))
    n, steps, _ = x.shape
    u = R.shape[0]
    b = np.zeros(4 * u) if bias is None else np.asarray(bias, np.float64)
    h = np.zeros((n, u)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((n, u)) if c0 is None else np.asarray(c0, np.float64)
    y = np.zeros((n, u))
    outs = np.zeros((n, steps, u))
    for t in range(steps):
        if input_masks is None and recurrent_masks is None:
            z = rd(x[:, t]) @ W + rd(h) @ R + b
        else:
            z = np.zeros((n, 4 * u))
            for q in range(4):
                blk = slice(q * u, (q + 1) * u)
                xq = x[:, t] if input_masks is None else x[:, t] * input_masks[q]
                hq = h if recurrent_masks is None else h * recurrent_masks[q]
                z[:, blk] = rd(xq) @ W[:, blk] + b[blk] + rd(hq) @ R[:, blk]
        i, f = ract(z[:, :u]), ract(z[:, u:2 * u])
        g, o = act(z[:, 2 * u:3 * u]), ract(z[:, 3 * u:])
        c_new = f * c + i * g
        h_new = o * act(c_new)
        if mask is not None:
            c = np.where(mask[:, t].astype(bool)[:, None], c_new, c)
        else:
            c = c_new
        h, y = _masked_step(t, mask, h_new, h, y, zero_output_for_mask)
        outs[:, t] = y
    return outs, h, c
