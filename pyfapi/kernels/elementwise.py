"""Python face of the C++ elementwise kernels (csrc/elementwise).

``bias_act_backward(grad, y=None, *, bias_grad=True, op=...)``: the backward of the fused
"+ bias, then relu" epilogue of :class:`pyfapi.ops.conv.ConvBiasActivation` and
:class:`pyfapi.ops.nn.Linear`, in one pass over ``grad``:

* ``g' = where(y > 0, grad, 0)`` (relu, ``y`` = the op's output; ``g' = grad`` without ``y``),
* ``dbias = sum(g', axis=all but the last)``.

The sum accumulates in float32 over fixed blocks of 128 rows (vectorised across the channels),
the block sums are added in block order in float64: results do not depend on the thread count.

Inputs are validated here (ValueError / TypeError naming the op) before C++ touches memory;
float32 C-contiguous arrays go to C++ without a copy, anything else is converted once here.
The kernel releases the GIL.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C
from pyfapi.kernels._shapes import as_float32

__all__ = ["bias_act_backward"]


def bias_act_backward(grad, y=None, *, bias_grad=True, op="bias_act_backward"):
    """Relu mask and bias gradient of ``y = relu(z + bias)`` (or ``z + bias`` when ``y`` is None).

    Args:
        grad: ``(..., N)`` upstream gradient (rank >= 1).
        y: None or the forward output, same shape as ``grad`` (the relu mask is ``y > 0``).
        bias_grad: compute ``dbias`` (else None is returned in its place).
        op: the calling op's name, for error messages.

    Returns:
        ``(g, dbias)``: ``g`` float32 of ``grad``'s shape (a NEW array when ``y`` is given,
        else ``grad`` itself as float32); ``dbias`` float32 ``(N,)`` or None.

    Raises:
        ValueError: ``grad`` of rank 0, ``y`` of another shape than ``grad``.
        TypeError: non-numeric inputs.
    """
    if np.ndim(grad) < 1:
        raise ValueError(f"{op}: grad must have rank >= 1 (..., channels), got shape "
                         f"{np.shape(grad)}")
    g = as_float32(grad, "grad", op)
    n = g.shape[-1]
    g2 = g.reshape(int(np.prod(g.shape[:-1])), n) if g.ndim != 2 else g
    out = None
    if y is not None:
        y = as_float32(y, "y (forward output)", op)
        if y.shape != g.shape:
            raise ValueError(f"{op}: the forward output y has shape {y.shape}, expected the "
                             f"gradient's shape {g.shape}")
        out = np.empty(g.shape, np.float32)
        y = y.reshape(g2.shape)
    db = np.empty((n,), np.float32) if bias_grad else None
    if out is not None or db is not None:
        _C.bias_act_backward(g2, y, None if out is None else out.reshape(g2.shape), db)
    return (g if out is None else out), db
