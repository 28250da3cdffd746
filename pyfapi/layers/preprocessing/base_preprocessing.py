"""PreprocessingLayer: the base of pyfapi's preprocessing layers (Keras 3 ``DataLayer``).

Dtype handling, explicit on purpose (so a mixed-precision policy in the Layer base never touches
it): preprocessing layers are NOT autocast (``autocast=False``) and ignore a global dtype policy
(``_ignore_dtype_policy = True``); numeric ones compute in float32 unless their ``dtype`` says
otherwise, lookup / text / hashing layers work on numpy string, object or integer arrays and never
through a float path. They hold no trainable weights; gradients do not flow through lookup layers.

:func:`iter_adapt_batches` turns what ``adapt`` accepts (an array, a list of strings, or an iterable
of batches such as a generator or a ``PyDataset``, with optional ``(x, y)`` tuples) into numpy
batches, honouring ``batch_size`` (arrays only) and ``steps`` (at most that many batches).
"""
from __future__ import annotations

import numpy as np

from pyfapi.layers.base import Layer

__all__ = ["PreprocessingLayer", "iter_adapt_batches", "to_numpy"]


def to_numpy(x):
    """A Tensor / Variable / array-like as a numpy array (no copy for arrays)."""
    if isinstance(x, np.ndarray):
        return x
    v = getattr(x, "value", None)
    if isinstance(v, np.ndarray):
        return v
    f = getattr(x, "numpy", None)
    if callable(f):
        return np.asarray(f())
    return np.asarray(x)


def _extract(batch):
    if isinstance(batch, tuple):
        return batch[0]
    return batch


def iter_adapt_batches(layer, data, batch_size=None, steps=None):
    """Yield numpy batches of ``data`` for ``layer.adapt``.

    Args:
        data: numpy array / Tensor / list (one batch, or split in ``batch_size`` rows), or an
            iterable of batches (generator, list of arrays, PyDataset); ``(x, y[, w])`` tuples keep x.
        batch_size: rows per batch for array data (None: the whole array at once).
        steps: maximum number of batches (None: all).

    Raises:
        ValueError: an empty iterable, or a non-positive batch_size / steps (names the layer).
        TypeError: data that is neither an array nor an iterable.
    """
    name = f"{type(layer).__name__} '{layer.name}'"
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"{name}: adapt() batch_size must be a positive int, received "
                         f"{batch_size!r}")
    if steps is not None and (not isinstance(steps, (int, np.integer)) or steps < 1):
        raise ValueError(f"{name}: adapt() steps must be a positive int, received {steps!r}")
    if isinstance(data, (str, bytes)):
        data = [data]
    is_array = isinstance(data, np.ndarray) or hasattr(data, "numpy") or (
        isinstance(data, list) and (not data or not (hasattr(data[0], "shape") or isinstance(
            data[0], tuple))))
    if is_array:
        arr = to_numpy(data) if not isinstance(data, list) else _list_to_array(data)
        if batch_size is None or arr.ndim == 0:
            yield arr
            return
        n = 0
        for start in range(0, max(arr.shape[0], 1), batch_size):
            if steps is not None and n >= steps:
                return
            yield arr[start:start + batch_size]
            n += 1
        return
    if not hasattr(data, "__iter__") and not hasattr(data, "__getitem__"):
        raise TypeError(f"{name}: adapt() expects an array or an iterable of batches, received "
                        f"{type(data).__name__}")
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not hasattr(data, "__iter__"):
        it = (data[i] for i in range(len(data)))
    else:
        it = iter(data)
    n = 0
    for batch in it:
        if steps is not None and n >= steps:
            break
        yield to_numpy(_extract(batch)) if not isinstance(_extract(batch), list) else \
            _list_to_array(_extract(batch))
        n += 1
    if n == 0:
        raise ValueError(f"{name}: adapt() received an empty iterable (no batches).")


def _list_to_array(data):
    if data and all(isinstance(v, (str, bytes)) for v in data):
        return np.array(data, dtype=object)
    arr = np.asarray(data)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    return arr


class PreprocessingLayer(Layer):
    """Base of the preprocessing layers: no autocast, no dtype policy, optional ``adapt``.

    Subclasses that learn state implement ``adapt(data, batch_size=None, steps=None)`` and
    ``is_adapted``; ``call`` before the state exists raises ValueError naming the layer.
    """

    #: a global (mixed) dtype policy never applies to preprocessing layers
    _ignore_dtype_policy = True

    def __init__(self, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)

    def _err(self, msg):
        return ValueError(f"{type(self).__name__} '{self.name}': {msg}")
