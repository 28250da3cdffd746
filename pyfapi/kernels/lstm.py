"""Python face of the whole-sequence LSTM kernel (csrc/lstm): checks, one-time conversion, workspace.

Semantics are Keras 3's ``keras.layers.LSTM`` / ``keras.ops.lstm`` with ``activation="tanh"``,
``recurrent_activation="sigmoid"`` and gate order i, f, c, o in the 4 * units columns::

    z_t = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias
    i = sigmoid(z_i); f = sigmoid(z_f); g = tanh(z_c); o = sigmoid(z_o)
    c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t)

(Hochreiter & Schmidhuber 1997; forget gate: Gers, Schmidhuber & Cummins 2000.)

``kernel=None``: ``inputs`` is already the input projection ``x @ kernel`` (N, T, 4 units), e.g.
with Keras's per-gate input-dropout masks applied by the caller; the backward then returns
``d_inputs = dL/dz`` and no kernel gradient. ``recurrent_masks`` (4, N, units): recurrent-dropout
multipliers, one per gate (Keras's ``implementation=1``)::

    z_t = x_t @ kernel + sum_q (h_{t-1} * m_q) @ recurrent_kernel[:, q-th block] + bias

Conversion policy: float32 C-contiguous arrays reach C++ without a copy; any other real dtype or
layout is converted ONCE here with ``np.ascontiguousarray(x, dtype=np.float32)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyfapi import _C

__all__ = ["lstm_forward", "lstm_backward", "LSTMWorkspace"]


def _as_f32(x, name: str, op: str = "lstm") -> np.ndarray:
    """``x`` as a C-contiguous float32 array (no copy when it already is one)."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {x.dtype}")
    # (np.ascontiguousarray alone would turn a 0-d array into 1-d: keep the shape)
    return np.ascontiguousarray(x, dtype=np.float32).reshape(x.shape)


@dataclass
class LSTMWorkspace:
    """What :func:`lstm_backward` needs from a training-mode :func:`lstm_forward`.

    Attributes:
        inputs (N, T, D), kernel (D, 4u), recurrent_kernel (u, 4u): the float32 arrays used.
        h0, c0: (N, u) initial state, or None for zeros.
        gates: (N, T, 4u) activated gates i, f, g, o of every step.
        hs, cs: (N, T, u) hidden and cell state of every step.
        return_sequences: how the forward was called (decides the shape of ``d_outputs``).
        mask: the (N, T) uint8 time mask or None; zero_output_for_mask: its output rule.
        rmask: the (4, N, u) recurrent-dropout multipliers or None. kernel is None for a
        projected input. acts: the (activation, recurrent_activation) codes.

    With ``return_sequences`` the forward's ``outputs`` IS ``hs`` (no copy): do not modify it in
    place before the backward.
    """
    inputs: np.ndarray
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    h0: np.ndarray | None
    c0: np.ndarray | None
    gates: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    return_sequences: bool
    mask: np.ndarray | None = None
    zero_output_for_mask: bool = False
    rmask: np.ndarray | None = None
    acts: tuple = (0, 1)


def _check(inputs, kernel, recurrent_kernel, bias, initial_state):
    x = _as_f32(inputs, "inputs")
    if x.ndim != 3:
        raise ValueError(f"lstm: inputs must be 3-D (batch, timesteps, features), got shape {x.shape}")
    n, t, d = x.shape
    if t == 0:
        raise ValueError(f"lstm: inputs must have at least one timestep, got shape {x.shape}")
    if kernel is None:  # projected input: features = 4 * units
        w = None
        if d % 4 or d == 0:
            raise ValueError(f"lstm: a projected input (kernel=None) must have 4 * units features, "
                             f"got shape {x.shape}")
        u = d // 4
    else:
        w = _as_f32(kernel, "kernel")
        if w.ndim != 2 or w.shape[1] % 4 or w.shape[1] == 0:
            raise ValueError(f"lstm: kernel must have shape (features, 4 * units) with units >= 1, "
                             f"got shape {w.shape}")
        u = w.shape[1] // 4
        if w.shape[0] != d:
            raise ValueError(f"lstm: kernel has shape {w.shape}, expected {(d, 4 * u)}: inputs of "
                             f"shape {x.shape} have {d} features")
    r = _as_f32(recurrent_kernel, "recurrent_kernel")
    if r.shape != (u, 4 * u):
        raise ValueError(f"lstm: recurrent_kernel has shape {r.shape}, expected {(u, 4 * u)} "
                         f"(units={u} from {'inputs' if w is None else 'kernel'} shape "
                         f"{x.shape if w is None else w.shape})")
    b = None
    if bias is not None:
        b = _as_f32(bias, "bias")
        if b.shape != (4 * u,):
            raise ValueError(f"lstm: bias has shape {b.shape}, expected {(4 * u,)} (units={u})")
    h0 = c0 = None
    if initial_state is not None:
        if isinstance(initial_state, np.ndarray) or len(initial_state) != 2:
            raise ValueError("lstm: initial_state must be a pair [h0, c0] of (batch, units) arrays")
        h0 = _as_f32(initial_state[0], "initial_state[0] (h0)")
        c0 = _as_f32(initial_state[1], "initial_state[1] (c0)")
        for name, s in (("initial_state[0] (h0)", h0), ("initial_state[1] (c0)", c0)):
            if s.shape != (n, u):
                raise ValueError(f"lstm: {name} has shape {s.shape}, expected {(n, u)} "
                                 f"(batch={n}, units={u})")
    return x, w, r, b, h0, c0


def lstm_forward(inputs, kernel, recurrent_kernel, bias=None, initial_state=None,
                 return_sequences: bool = False, training: bool = False, mask=None,
                 zero_output_for_mask: bool = False, recurrent_masks=None, activation="tanh",
                 recurrent_activation="sigmoid"):
    """Run a Keras LSTM over a whole sequence in one C++ call.

    Args:
        inputs: (N, T, D) float32 (other real dtypes converted once), T >= 1.
        kernel: (D, 4u), or None when ``inputs`` is the projection (D = 4u); recurrent_kernel:
            (u, 4u); bias: (4u,) or None (no bias).
        recurrent_masks: (4, N, u) recurrent-dropout multipliers (one per gate i, f, c, o) or
            None.
        activation / recurrent_activation: "tanh", "sigmoid", "relu", "linear" or
            "hard_sigmoid" (candidate and cell output / gates i, f, o).
        initial_state: None (zeros) or a pair ``(h0, c0)`` of (N, u) arrays.
        return_sequences: outputs of every step (N, T, u) instead of the last one (N, u).
        training: also return the :class:`LSTMWorkspace` for :func:`lstm_backward`.
        mask: (N, T) bool or None. A masked step keeps h and c; its output repeats the previous
            output (zeros before the first kept step), or is zero with zero_output_for_mask
            (keras.src.backend rnn()).

    Returns:
        ``(outputs, h, c, workspace)``: outputs (N, T, u) or (N, u); final h and c (N, u) float32;
        workspace is None unless ``training``. N == 0 gives empty arrays.

    Raises:
        TypeError: a non-real dtype. ValueError: wrong ranks, T == 0, feature / units mismatch
        (the message names the expected and received shapes).
    """
    from pyfapi.kernels.rnn import activation_codes
    acts = activation_codes("lstm", activation, recurrent_activation)
    x, w, r, b, h0, c0 = _check(inputs, kernel, recurrent_kernel, bias, initial_state)
    n, t, _ = x.shape
    u = r.shape[0]
    m = None
    if mask is not None:
        m = np.asarray(mask)
        if m.shape != (n, t):
            raise ValueError(f"lstm: mask has shape {m.shape}, expected (batch, timesteps) = "
                             f"{(n, t)}")
        m = np.ascontiguousarray(m.astype(bool), dtype=np.uint8)
    rm = None
    if recurrent_masks is not None:
        rm = _as_f32(recurrent_masks, "recurrent_masks")
        if rm.shape != (4, n, u):
            raise ValueError(f"lstm: recurrent_masks has shape {rm.shape}, expected {(4, n, u)} "
                             f"(one (batch, units) mask per gate)")
    ys = None
    if n == 0:
        gates = np.zeros((0, t, 4 * u), np.float32)
        hs = np.zeros((0, t, u), np.float32)
        cs = np.zeros((0, t, u), np.float32)
    else:
        gates, hs, cs, ys = _C.lstm_forward(x, w, r, b, h0, c0, m, bool(zero_output_for_mask),
                                            rm, *acts)
    seq = hs if ys is None else ys
    outputs = seq if return_sequences else seq[:, -1].copy()
    h = hs[:, -1].copy()
    c = cs[:, -1].copy()
    ws = (LSTMWorkspace(x, w, r, h0, c0, gates, hs, cs, bool(return_sequences), m,
                        bool(zero_output_for_mask), rm, acts) if training else None)
    return outputs, h, c, ws


def lstm_backward(workspace: LSTMWorkspace, d_outputs=None, d_h=None, d_c=None,
                  need_inputs_grad: bool = True):
    """Backward through time for a training-mode :func:`lstm_forward`, in one C++ call.

    Args:
        workspace: the :class:`LSTMWorkspace` returned by the forward.
        d_outputs: gradient of ``outputs`` ((N, T, u) with return_sequences, else (N, u)) or None.
        d_h, d_c: gradients of the final h and c, (N, u) each, or None.
        need_inputs_grad: False skips d_inputs (its (N*T, 4u) x (4u, D) GEMM, a third of the
            backward's GEMM work) and returns None in its place, e.g. for a first layer.

    Returns:
        ``(d_inputs, d_kernel, d_recurrent_kernel, d_bias, d_h0, d_c0)`` float32 arrays with the
        shapes of the forward's arguments (d_bias (4u,) even when the forward had no bias);
        d_inputs is None when ``need_inputs_grad`` is False; d_kernel is None for a projected
        input (kernel None).

    Raises:
        TypeError: workspace of the wrong type or a non-real gradient. ValueError: gradient shapes.
    """
    if not isinstance(workspace, LSTMWorkspace):
        raise TypeError(f"lstm_backward: workspace must be an LSTMWorkspace (from "
                        f"lstm_forward(..., training=True)), got {type(workspace).__name__}")
    ws = workspace
    n, t, d = ws.inputs.shape
    u = ws.recurrent_kernel.shape[0]
    out_shape = (n, t, u) if ws.return_sequences else (n, u)

    def grad(g, name, shape):
        if g is None:
            return None
        g = _as_f32(g, name, "lstm_backward")
        if g.shape != shape:
            raise ValueError(f"lstm_backward: {name} has shape {g.shape}, expected {shape}")
        return g

    dy = grad(d_outputs, "d_outputs", out_shape)
    dh = grad(d_h, "d_h", (n, u))
    dc = grad(d_c, "d_c", (n, u))
    dy_seq = dy if ws.return_sequences else None
    dy_last = None
    if not ws.return_sequences and dy is not None:
        if ws.mask is None:
            dh = dy if dh is None else dh + dy
        else:  # the last output differs from the last state under a mask
            dy_last = dy
    dw_none = ws.kernel is None
    if n == 0:
        z = np.zeros
        return (z((0, t, d), np.float32) if need_inputs_grad else None,
                None if dw_none else z((d, 4 * u), np.float32), z((u, 4 * u), np.float32),
                z((4 * u,), np.float32), z((0, u), np.float32), z((0, u), np.float32))
    dx, dw, dr, db, dh0, dc0 = _C.lstm_backward(
        ws.inputs, ws.kernel, ws.recurrent_kernel, ws.h0, ws.c0, ws.gates, ws.hs, ws.cs, dy_seq,
        dh, dc, bool(need_inputs_grad), ws.mask, ws.zero_output_for_mask, dy_last, ws.rmask,
        *ws.acts)
    return dx, (None if dw_none else dw), dr, db, dh0, dc0
