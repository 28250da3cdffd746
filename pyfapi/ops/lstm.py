"""``ops.lstm``: a whole-sequence Keras LSTM as one registered op (forward + backward through time
in one C++ call each, :mod:`pyfapi.kernels.lstm`).

Dtype policy: the C++ kernel computes in float32 (float64 / integer inputs are converted once by
:mod:`pyfapi.kernels.lstm`); outputs and gradients take the float dtype of the inputs (float64 if
any float input is float64, else float32), so float64 callers get float64 arrays of float32
precision. Under a bfloat16 compute precision (:mod:`pyfapi.kernels.precision`, set by
mixed_bfloat16 layers) the products take bfloat16 operands on the AVX512-BF16 path.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.lstm import lstm_backward, lstm_forward

__all__ = ["lstm"]


def _out_dtype(arrays):
    return np.dtype(np.float64) if any(a.dtype == np.float64 for a in arrays) else np.dtype(np.float32)


@register
class LSTM(Op):
    """Whole-sequence LSTM (Keras gate order i, f, c, o; tanh / sigmoid), three outputs
    ``(outputs, h, c)``. Positional inputs: inputs, kernel (unless ``has_kernel`` is False: the
    inputs are then the projection), recurrent_kernel, then the bias when ``has_bias`` and h0, c0
    when ``has_state``."""
    name = "lstm"

    @staticmethod
    def forward(ctx, inputs, *rest, has_kernel=True, has_bias=True, has_state=False,
                return_sequences=False, mask=None, zero_output_for_mask=False,
                recurrent_masks=None, activation="tanh", recurrent_activation="sigmoid"):
        """``inputs`` (batch, T, F), kernel (F, 4U), recurrent_kernel (U, 4U) -> ``(outputs, h,
        c)``; outputs (batch, T, U) if return_sequences else (batch, U); h, c (batch, U).
        """
        rest = list(rest)
        kernel = rest.pop(0) if has_kernel else None
        recurrent_kernel = rest.pop(0)
        bias = rest.pop(0) if has_bias else None
        state = (rest[0], rest[1]) if has_state else None
        ins = [inputs, *([kernel] if has_kernel else []), recurrent_kernel,
               *([bias] if has_bias else []), *(state or ())]
        dtype = _out_dtype(ins)
        outputs, h, c, ws = lstm_forward(inputs, kernel, recurrent_kernel, bias, initial_state=state,
                                         return_sequences=return_sequences, training=True,
                                         mask=mask, zero_output_for_mask=zero_output_for_mask,
                                         recurrent_masks=recurrent_masks, activation=activation,
                                         recurrent_activation=recurrent_activation)
        ctx.ws = ws
        ctx.in_dtypes = [a.dtype for a in ins]
        ctx.has_kernel, ctx.has_bias, ctx.has_state = has_kernel, has_bias, has_state
        return outputs.astype(dtype, copy=False), h.astype(dtype, copy=False), c.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        """Backpropagation through time (C++): one gradient per positional input, in the input
        dtypes.
        """
        needs = getattr(ctx, "needs_input_grad", None)
        need_dx = needs is None or bool(needs[0])  # e.g. a first layer: no gradient for the data
        dx, dw, dr, db, dh0, dc0 = lstm_backward(ctx.ws, g_out, g_h, g_c, need_inputs_grad=need_dx)
        grads = [dx, dw, dr] if ctx.has_kernel else [dx, dr]
        if ctx.has_bias:
            grads.append(db)
        if ctx.has_state:
            grads += [dh0, dc0]
        return tuple(g.astype(d, copy=False) if g is not None and d.kind == "f" else g
                     for g, d in zip(grads, ctx.in_dtypes))


def lstm(inputs, kernel, recurrent_kernel, bias, initial_state=None, return_sequences=False,
         mask=None, zero_output_for_mask=False, recurrent_masks=None, activation="tanh",
         recurrent_activation="sigmoid"):
    """Run a Keras LSTM over a whole sequence (``keras.layers.LSTM`` math, one C++ call).

    Args:
        inputs: (batch, timesteps, features), timesteps >= 1.
        kernel: (features, 4 * units), or None when ``inputs`` is already the input projection
            ``x @ kernel`` (batch, timesteps, 4 * units) (e.g. with per-gate input dropout);
            recurrent_kernel: (units, 4 * units), gate order i, f, c, o.
        bias: (4 * units,) or None (``use_bias=False``).
        initial_state: None (zeros) or ``[h0, c0]``, each (batch, units).
        return_sequences: return every step's output (batch, timesteps, units) instead of the
            last one (batch, units).
        mask: (batch, timesteps) bool or None: masked steps keep h and c and repeat the previous
            output (zeros with ``zero_output_for_mask``), as keras.layers.LSTM.
        recurrent_masks: (4, batch, units) recurrent-dropout multipliers, one per gate
            (keras.layers.LSTM's implementation 1 in training), or None.
        activation / recurrent_activation: "tanh", "sigmoid", "relu", "linear" or
            "hard_sigmoid" (candidate and cell output / gates; Keras's defaults tanh / sigmoid).

    Returns:
        ``(outputs, h, c)`` Tensors; h and c are the final states (batch, units). Differentiable
        w.r.t. inputs, both kernels, the bias and the initial state.

    Raises:
        ValueError: wrong ranks, zero timesteps, features / units mismatches (names the shapes).
        TypeError: non-numeric inputs.
    """
    args = [inputs, *([] if kernel is None else [kernel]), recurrent_kernel]
    if bias is not None:
        args.append(bias)
    if initial_state is not None:
        if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
            raise ValueError("lstm: initial_state must be a list [h0, c0] of two (batch, units) "
                             f"tensors, got {type(initial_state).__name__}")
        args += list(initial_state)
    if mask is not None:
        from pyfapi.autodiff.tensor import as_array
        mask = as_array(mask)
    if recurrent_masks is not None:
        from pyfapi.autodiff.tensor import as_array
        recurrent_masks = as_array(recurrent_masks)
    return apply(LSTM, *args, has_kernel=kernel is not None, has_bias=bias is not None,
                 has_state=initial_state is not None, return_sequences=bool(return_sequences),
                 mask=mask, zero_output_for_mask=bool(zero_output_for_mask),
                 recurrent_masks=recurrent_masks, activation=activation,
                 recurrent_activation=recurrent_activation)
