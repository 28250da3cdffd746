"""Shape arithmetic shared by the convolution and pooling kernels and by the Conv / Pooling
layers' ``compute_output_shape`` (Keras / TensorFlow rules, channels_last).

Formulas (TensorFlow ``nn_ops`` / Keras ``conv_utils.conv_output_length``), with the dilated
kernel extent ``k' = (k - 1) * dilation + 1``:

* ``'valid'``:  ``out = floor((in - k') / stride) + 1`` (no padding; ``out < 1`` is an error).
* ``'same'``:   ``out = ceil(in / stride)``; total padding ``max((out - 1) * stride + k' - in, 0)``,
  ``total // 2`` before, the odd pixel after (bottom / right).
* ``'causal'`` (1-D only): ``out = ceil(in / stride)``, ``k' - 1`` zeros before, none after.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["normalize_tuple", "normalize_padding", "conv_output_size", "same_padding",
           "padding_before", "as_float32"]

PADDINGS = ("valid", "same", "causal")


def normalize_tuple(value, n: int, name: str, op: str) -> tuple:
    """``value`` (an int or a sequence of ``n`` ints, each >= 1) as a tuple of ``n`` Python ints.

    Raises:
        ValueError: wrong length, non-integer or non-positive entries (message names ``op``,
            ``name`` and the value received).
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
        if len(values) != n:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r} "
                             f"(length {len(values)})")
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            raise ValueError(f"{op}: {name} must contain integers, got {value!r}")
        values = tuple(int(v) for v in values)
    if any(v < 1 for v in values):
        raise ValueError(f"{op}: {name} must be positive integers, got {value!r}")
    return values


def normalize_padding(padding, op: str, allow_causal: bool = False) -> str:
    """``padding`` lower-cased and checked: 'valid', 'same' (and 'causal' when allowed)."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        extra = " ('causal' is only defined for 1-D convolutions)" if p == "causal" else ""
        raise ValueError(f"{op}: padding must be one of {allowed}, got {padding!r}{extra}")
    return p


def conv_output_size(in_size, kernel_size: int, stride: int, padding: str, dilation: int = 1):
    """Output length along one spatial axis (``None`` stays ``None``).

    May return a value < 1 for ``'valid'`` when the dilated kernel is larger than the input;
    the kernels raise ``ValueError`` for that case, ``compute_output_shape`` callers should too.
    """
    if in_size is None:
        return None
    extent = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        return (in_size - extent) // stride + 1
    if padding in ("same", "causal"):
        return -(-in_size // stride)
    raise ValueError(f"unknown padding {padding!r}")


def same_padding(in_size: int, kernel_size: int, stride: int, dilation: int = 1) -> tuple:
    """TensorFlow 'same' padding along one axis: ``(before, after)``, the odd pixel after."""
    out = -(-in_size // stride)
    total = max((out - 1) * stride + (kernel_size - 1) * dilation + 1 - in_size, 0)
    return total // 2, total - total // 2


def padding_before(in_size: int, kernel_size: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Zeros added before the first input element along one axis for ``padding``."""
    if padding == "valid":
        return 0
    if padding == "same":
        return same_padding(in_size, kernel_size, stride, dilation)[0]
    if padding == "causal":
        return (kernel_size - 1) * dilation
    raise ValueError(f"unknown padding {padding!r}")


def as_float32(x, name: str, op: str) -> np.ndarray:
    """``x`` as a C-contiguous float32 ndarray: no copy when it already is one, otherwise ONE
    conversion here (``np.ascontiguousarray(x, dtype=np.float32)``), never in C++.

    Raises:
        TypeError: non-numeric dtype (strings, objects, ...).
    """
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.flags.c_contiguous:
        return x
    a = np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a float32 array, got dtype {a.dtype}")
    return np.ascontiguousarray(a, dtype=np.float32)
