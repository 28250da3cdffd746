"""Softmax layer (Keras 3: keras/src/layers/activations/softmax.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import activations, ops
from pyfapi.autodiff import Tensor
from pyfapi.ops.masked_softmax import masked_softmax as fused_masked_softmax
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["Softmax", "masked_softmax"]


def _large_negative(dtype):
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


def masked_softmax(inputs, axis=-1, mask=None, where="Softmax", zero_masked=True):
    """Keras's Softmax with a mask: masked positions (mask False, or <= 0.5 for numeric masks)
    get -1e9 before the softmax and exactly 0 after it (a fully masked row gives zeros; with
    ``zero_masked=False`` it stays uniform, as Keras's fused dot-product-attention path).
    ``axis`` may be a tuple of axes (softmax over them jointly).

    Raises:
        ValueError: a mask of higher rank than the inputs or not broadcastable to them (names
            both shapes).
    """
    if mask is not None:
        mshape, ishape = tuple(mask.shape), tuple(inputs.shape)
        if len(mshape) > len(ishape):
            raise ValueError(f"{where}: the `mask` must be broadcastable to `inputs` and must not "
                             f"have more dimensions. Received: inputs.shape={ishape}, "
                             f"mask.shape={mshape}")
        for m, i in zip(mshape[::-1], ishape[::-1]):
            if m is not None and i is not None and m != 1 and m != i:
                raise ValueError(f"{where}: the `mask` must be broadcastable to `inputs`. Each "
                                 "mask dimension must be 1 or match the corresponding input "
                                 f"dimension. Received: inputs.shape={ishape}, mask.shape={mshape}")
        mv = getattr(mask, "value", mask)
        mv = np.asarray(mv)
        if mv.dtype != np.bool_:
            mv = mv > 0.5
        ax = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
        if (len(ax) == 1 and isinstance(inputs, (Tensor, np.ndarray)) and inputs.ndim
                and ax[0] in (-1, inputs.ndim - 1) and inputs.dtype in (np.float32, np.float64)):
            # the fused kernel: the same numbers (masked entries 0; a fully masked row 0, or
            # uniform as Keras's fused attention) in one pass, no -1e9 / where temporaries
            return fused_masked_softmax(inputs, mv, uniform_if_all_masked=not zero_masked)
        inputs = ops.where(mv, inputs, _large_negative(getattr(inputs, "dtype", np.float32)))
    if isinstance(axis, (tuple, list)):
        if len(axis) > 1:
            out = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=tuple(axis),
                                                             keepdims=True)))
        else:
            out = activations.softmax(inputs, axis=axis[0])
    else:
        out = activations.softmax(inputs, axis=axis)
    if mask is not None and zero_masked:
        out = ops.where(mv, out, 0.0)
    return out


class Softmax(Layer):
    """Softmax along ``axis`` (an int or a tuple of axes), with an optional ``mask``; output
    shape = input shape, no weights.

    Args:
        axis: int or tuple of ints (default -1).

    Call args:
        inputs; mask: bool (or numeric: > 0.5 kept) broadcastable to inputs; masked positions
        are 0 in the output.

    Raises:
        ValueError: a mask not broadcastable to the inputs (names both shapes).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        """Softmax of inputs along axis; masked positions forced to 0."""
        return masked_softmax(inputs, self.axis, mask, where=f"Layer '{self.name}' (Softmax)")

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus axis."""
        config = super().get_config()
        config["axis"] = self.axis
        return config
