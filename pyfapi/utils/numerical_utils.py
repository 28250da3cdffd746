"""Array helpers of ``keras.utils``: :func:`to_categorical`, :func:`normalize`."""
from __future__ import annotations

import numpy as np

__all__ = ["to_categorical", "normalize"]


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels (Keras 3 ``keras.utils.to_categorical``).

    Args:
        x: array-like of integer class ids in ``[0, num_classes)``, any shape; a trailing axis
            of size 1 (when ``x.ndim > 1``) is dropped, as Keras does.
        num_classes: number of classes; default ``max(x) + 1``.

    Returns:
        numpy float64 array (Keras's dtype) of shape ``x.shape + (num_classes,)``
        (trailing 1 dropped), with a 1.0 at each label.

    Raises:
        ValueError: non-integral values, negative labels or labels >= num_classes, or a
            num_classes that is not a positive integer.
    """
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.floor(arr)):
            raise ValueError("to_categorical: x must hold integer class ids; received "
                             f"non-integral values of dtype {arr.dtype}")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"to_categorical: x must hold integer class ids; received dtype "
                         f"{arr.dtype}")
    arr = arr.astype(np.int64)
    input_shape = arr.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    flat = arr.reshape(-1)
    if num_classes is None or num_classes == 0:
        if flat.size == 0:
            raise ValueError("to_categorical: num_classes is required for an empty x")
        num_classes = int(flat.max()) + 1
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or \
            num_classes < 1:
        raise ValueError(f"to_categorical: num_classes must be a positive integer, received "
                         f"{num_classes!r}")
    num_classes = int(num_classes)
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        bad = flat[(flat < 0) | (flat >= num_classes)][0]
        raise ValueError(f"to_categorical: class id {int(bad)} is outside [0, {num_classes}) "
                         f"(num_classes={num_classes})")
    out = np.zeros((flat.size, num_classes))
    out[np.arange(flat.size), flat] = 1.0
    return out.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (Keras 3 ``keras.utils.normalize``).

    Args:
        x: array-like (float; integers are converted to float32 as Keras's backend does).
        axis: axis along which to normalize.
        order: norm order (``2`` for L2, ``1`` for L1, any value ``numpy.linalg.norm`` accepts).

    Returns:
        numpy array of ``x``'s shape; a zero-norm slice stays zero (the norm is replaced by 1).

    Raises:
        ValueError: ``axis`` out of range for ``x``.
    """
    arr = np.asarray(x)
    if arr.dtype.kind not in "f":
        arr = arr.astype(np.float32)
    if arr.ndim == 0 or not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"normalize: axis {axis} is out of range for an array of shape "
                         f"{arr.shape}")
    norm = np.linalg.norm(arr, ord=order, axis=axis, keepdims=True)
    norm = np.where(norm == 0, np.ones_like(norm), norm)
    return (arr / norm).astype(arr.dtype, copy=False)
