"""Python face of the GRU and SimpleRNN recurrence kernels (csrc/rnn): checks, one-time
conversion, workspace.

The kernels run the recurrence only: the caller passes the input projection
``xp = x @ kernel (+ input bias)`` of shape (N, T, 3U) (GRU, blocks z, r, h in Keras's order)
or (N, T, U) (SimpleRNN) and receives ``dL/dxp`` from the backward. Semantics are Keras 3's
``GRUCell`` / ``SimpleRNNCell`` and ``keras.src.backend``'s ``rnn()`` masking rule (see
csrc/rnn/rnn.h for the formulas):

* ``mask`` (N, T) bool: a masked step keeps the state; its output repeats the previous output
  (zeros before the first kept step), or is zero with ``zero_output_for_mask``.
* ``recurrent_masks``: recurrent-dropout multipliers, (3, N, U) for the GRU (one per gate z, r,
  h, Keras's ``implementation=1``), (1, N, U) or (N, U) for SimpleRNN.

Conversion policy: float32 C-contiguous arrays reach C++ without a copy; other real dtypes or
layouts are converted once here (``np.ascontiguousarray(x, dtype=np.float32)``); the mask once
to uint8.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyfapi import _C

__all__ = [
    "ACTIVATION_CODES",
    "SIMPLE_RNN_ACTIVATIONS",
    "RNNWorkspace",
    "gru_backward",
    "gru_forward",
    "simple_rnn_backward",
    "simple_rnn_forward",
]

#: SimpleRNN activations run by the kernel (others use the layer's per-step path).
SIMPLE_RNN_ACTIVATIONS = {"tanh": 0, "relu": 1, "linear": 2}
#: GRU / LSTM activations the kernels run (codes of csrc/lstm/lstm_math.h act_f); hard_sigmoid is
#: Keras 3's relu6(x + 3) / 6.
ACTIVATION_CODES = {"tanh": 0, "sigmoid": 1, "relu": 2, "linear": 3, "hard_sigmoid": 4}


def activation_codes(op, activation, recurrent_activation):
    """(act, ract) codes of :data:`ACTIVATION_CODES`; ValueError naming the op otherwise."""
    for name, a in (("activation", activation), ("recurrent_activation", recurrent_activation)):
        if a not in ACTIVATION_CODES:
            raise ValueError(f"{op}: {name} must be one of {sorted(ACTIVATION_CODES)}, got {a!r}")
    return ACTIVATION_CODES[activation], ACTIVATION_CODES[recurrent_activation]


def _f32(x, name, op):
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32).reshape(x.shape)


@dataclass
class RNNWorkspace:
    """What the backward needs from a forward (arrays as the kernel wrote them).

    Attributes:
        kind: "gru" or "simple_rnn". gates / aux: GRU workspace (None for SimpleRNN).
        hs: (N, T, U) state of every step. recurrent_kernel, h0, mask (uint8), rmask: the
        forward's arguments. reset_after / act / zero_output_for_mask / return_sequences: flags;
        act (and gate_act for the GRU): activation codes.
    """
    kind: str
    gates: np.ndarray | None
    aux: np.ndarray | None
    hs: np.ndarray
    recurrent_kernel: np.ndarray
    h0: np.ndarray | None
    mask: np.ndarray | None
    rmask: np.ndarray | None
    reset_after: bool
    act: int
    zero_output_for_mask: bool
    return_sequences: bool
    gate_act: int = 1


def _common(op, xp, recurrent_kernel, gates_per_unit, initial_state, mask, recurrent_masks,
            n_rmasks):
    x = _f32(xp, "xp (input projection)", op)
    if x.ndim != 3:
        raise ValueError(f"{op}: the input projection must be 3-D (batch, timesteps, "
                         f"{gates_per_unit} * units), got shape {x.shape}")
    n, t, g = x.shape
    if t == 0:
        raise ValueError(f"{op}: inputs must have at least one timestep, got shape {x.shape}")
    r = _f32(recurrent_kernel, "recurrent_kernel", op)
    if r.ndim != 2 or r.shape[0] == 0 or r.shape[1] != gates_per_unit * r.shape[0]:
        raise ValueError(f"{op}: recurrent_kernel must have shape (units, {gates_per_unit} * "
                         f"units), got {r.shape}")
    u = r.shape[0]
    if g != gates_per_unit * u:
        raise ValueError(f"{op}: input projection has shape {x.shape}, expected (batch, "
                         f"timesteps, {gates_per_unit * u}) for units={u}")
    h0 = None
    if initial_state is not None:
        h0 = _f32(initial_state, "initial_state", op)
        if h0.shape != (n, u):
            raise ValueError(f"{op}: initial_state has shape {h0.shape}, expected {(n, u)} "
                             f"(batch={n}, units={u})")
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != (n, t):
            raise ValueError(f"{op}: mask has shape {m.shape}, expected (batch, timesteps) = "
                             f"{(n, t)}")
        m = np.ascontiguousarray(m.astype(bool), dtype=np.uint8)
    rm = None
    if recurrent_masks is not None:
        rm = _f32(recurrent_masks, "recurrent_masks", op)
        if n_rmasks == 1 and rm.shape == (n, u):
            rm = rm.reshape(1, n, u)
        if rm.shape != (n_rmasks, n, u):
            raise ValueError(f"{op}: recurrent_masks has shape {rm.shape}, expected "
                             f"{(n_rmasks, n, u)}")
    return x, r, h0, m, rm


def gru_forward(xp, recurrent_kernel, recurrent_bias=None, initial_state=None, mask=None,
                recurrent_masks=None, reset_after=True, zero_output_for_mask=False,
                return_sequences=False, training=False, activation="tanh",
                recurrent_activation="sigmoid"):
    """GRU recurrence over a whole sequence in one C++ call.

    Args:
        xp: (N, T, 3U) input projection ``x @ kernel + input_bias`` (blocks z, r, h), T >= 1.
        recurrent_kernel: (U, 3U). recurrent_bias: (3U,) (reset_after only) or None.
        initial_state: (N, U) or None (zeros). mask: (N, T) bool or None.
        recurrent_masks: (3, N, U) recurrent-dropout multipliers or None.
        reset_after: Keras's GRU convention (True: reset gate after the recurrent product).
        zero_output_for_mask: masked steps output zeros instead of the previous output.
        return_sequences: outputs (N, T, U) instead of the last output (N, U).
        training: also return the workspace for :func:`gru_backward`.
        activation / recurrent_activation: names in :data:`ACTIVATION_CODES` (candidate / gates).

    Returns:
        ``(outputs, h, workspace)``: h is the final state (N, U); workspace None unless training.

    Raises:
        TypeError: non-real dtype. ValueError: shapes (named), recurrent_bias with
        reset_after=False.
    """
    op = "gru"
    act, ract = activation_codes(op, activation, recurrent_activation)
    x, r, h0, m, rm = _common(op, xp, recurrent_kernel, 3, initial_state, mask, recurrent_masks, 3)
    n, t, _ = x.shape
    u = r.shape[0]
    b = None
    if recurrent_bias is not None:
        if not reset_after:
            raise ValueError("gru: recurrent_bias is only used with reset_after=True")
        b = _f32(recurrent_bias, "recurrent_bias", op)
        if b.shape != (3 * u,):
            raise ValueError(f"gru: recurrent_bias has shape {b.shape}, expected {(3 * u,)}")
    if n == 0:
        gates = np.zeros((0, t, 3 * u), np.float32)
        aux = hs = np.zeros((0, t, u), np.float32)
        ys = None if m is None else hs
    else:
        gates, aux, hs, ys = _C.gru_forward(x, r, b, h0, m, rm, bool(reset_after),
                                            bool(zero_output_for_mask), act, ract)
    seq = hs if ys is None else ys
    outputs = seq if return_sequences else seq[:, -1].copy()
    h = hs[:, -1].copy()
    ws = None
    if training:
        ws = RNNWorkspace("gru", gates, aux, hs, r, h0, m, rm, bool(reset_after), act,
                          bool(zero_output_for_mask), bool(return_sequences), ract)
    return outputs, h, ws


def _grads(ws, d_outputs, d_h, op):
    n, t, u = ws.hs.shape
    out_shape = (n, t, u) if ws.return_sequences else (n, u)

    def grad(g, name, shape):
        if g is None:
            return None
        g = _f32(g, name, op)
        if g.shape != shape:
            raise ValueError(f"{op}: {name} has shape {g.shape}, expected {shape}")
        return g

    dy = grad(d_outputs, "d_outputs", out_shape)
    dh = grad(d_h, "d_h", (n, u))
    return (dy, None) if ws.return_sequences else (None, dy), dh


def gru_backward(workspace, d_outputs=None, d_h=None):
    """Backward through time of a training-mode :func:`gru_forward`, in one C++ call.

    Args:
        workspace: the forward's :class:`RNNWorkspace`. d_outputs: gradient of the outputs
            (shape as returned) or None. d_h: gradient of the final state (N, U) or None.

    Returns:
        ``(d_xp (N, T, 3U), d_recurrent_kernel (U, 3U), d_recurrent_bias (3U,), d_h0 (N, U))``.

    Raises:
        TypeError: wrong workspace. ValueError: gradient shapes.
    """
    if not isinstance(workspace, RNNWorkspace) or workspace.kind != "gru":
        raise TypeError("gru_backward: workspace must be the RNNWorkspace of "
                        "gru_forward(..., training=True)")
    ws = workspace
    (dys, dyl), dh = _grads(ws, d_outputs, d_h, "gru_backward")
    n, t, u = ws.hs.shape
    if n == 0:
        z = np.zeros
        return (z((0, t, 3 * u), np.float32), z((u, 3 * u), np.float32), z((3 * u,), np.float32),
                z((0, u), np.float32))
    return _C.gru_backward(ws.gates, ws.aux, ws.hs, ws.recurrent_kernel, ws.h0, ws.mask, ws.rmask,
                           ws.reset_after, ws.zero_output_for_mask, dys, dyl, dh, ws.act,
                           ws.gate_act)


def simple_rnn_forward(xp, recurrent_kernel, initial_state=None, mask=None, recurrent_masks=None,
                       activation="tanh", zero_output_for_mask=False, return_sequences=False,
                       training=False):
    """SimpleRNN recurrence ``h_t = act(xp_t + h_{t-1} R)`` over a whole sequence (one C++ call).

    Args:
        xp: (N, T, U) input projection ``x @ kernel + bias``; recurrent_kernel (U, U);
        initial_state (N, U) or None; mask (N, T) or None; recurrent_masks (N, U) / (1, N, U)
        or None; activation: "tanh", "relu" or "linear"; other flags as :func:`gru_forward`.

    Returns:
        ``(outputs, h, workspace)``.

    Raises:
        TypeError / ValueError as :func:`gru_forward`; ValueError for another activation.
    """
    op = "simple_rnn"
    if activation not in SIMPLE_RNN_ACTIVATIONS:
        raise ValueError(f"simple_rnn: activation must be one of {sorted(SIMPLE_RNN_ACTIVATIONS)}, "
                         f"got {activation!r}")
    act = SIMPLE_RNN_ACTIVATIONS[activation]
    x, r, h0, m, rm = _common(op, xp, recurrent_kernel, 1, initial_state, mask, recurrent_masks, 1)
    n, t, u = x.shape
    if n == 0:
        hs = np.zeros((0, t, u), np.float32)
        ys = None if m is None else hs
    else:
        hs, ys = _C.simple_rnn_forward(x, r, h0, m, rm, act, bool(zero_output_for_mask))
    seq = hs if ys is None else ys
    outputs = seq if return_sequences else seq[:, -1].copy()
    h = hs[:, -1].copy()
    ws = None
    if training:
        ws = RNNWorkspace("simple_rnn", None, None, hs, r, h0, m, rm, False, act,
                          bool(zero_output_for_mask), bool(return_sequences))
    return outputs, h, ws


def simple_rnn_backward(workspace, d_outputs=None, d_h=None):
    """Backward through time of a training-mode :func:`simple_rnn_forward`.

    Returns:
        ``(d_xp (N, T, U), d_recurrent_kernel (U, U), d_h0 (N, U))``.
    """
    if not isinstance(workspace, RNNWorkspace) or workspace.kind != "simple_rnn":
        raise TypeError("simple_rnn_backward: workspace must be the RNNWorkspace of "
                        "simple_rnn_forward(..., training=True)")
    ws = workspace
    (dys, dyl), dh = _grads(ws, d_outputs, d_h, "simple_rnn_backward")
    n, t, u = ws.hs.shape
    if n == 0:
        z = np.zeros
        return z((0, t, u), np.float32), z((u, u), np.float32), z((0, u), np.float32)
    return _C.simple_rnn_backward(ws.hs, ws.recurrent_kernel, ws.h0, ws.mask, ws.rmask, ws.act,
                                  ws.zero_output_for_mask, dys, dyl, dh)
