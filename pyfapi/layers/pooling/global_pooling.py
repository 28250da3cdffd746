"""Pooling layers (channels_last): MaxPooling1D/2D, AveragePooling1D/2D and the global
GlobalMax/GlobalAveragePooling1D/2D (Keras 3 semantics; source:
keras/src/layers/pooling/base_pooling.py, base_global_pooling.py).

Window pooling uses ``pyfapi.ops.max_pool`` / ``ops.average_pool``; 'same' padding follows
TensorFlow (padding excluded from averages, never selected by max). Output length per spatial
axis: 'valid': floor((n - pool) / stride) + 1; 'same': ceil(n / stride); strides default to
pool_size.
"""
from __future__ import annotations

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import (check_rank, normalize_data_format)

__all__ = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D"]


class _GlobalPooling(Layer):
    rank = 1
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs, training=None):
        axes = tuple(range(1, self.rank + 1))
        fn = ops.max if self.mode == "max" else ops.mean
        return fn(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        shape = check_rank(self, input_shape, ndim=self.rank + 2)
        if self.keepdims:
            return (shape[0],) + (1,) * self.rank + (shape[-1],)
        return (shape[0], shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


_GLOBAL_DOC = """Global {kind} pooling over the {axes} axes.

    Input ``{inp}``, output ``(batch, channels)`` (``{kd}`` with ``keepdims=True``). No weights.
    A zero-length spatial axis is an error for max (no element to take).

    Args:
        data_format: None / "channels_last" only. keepdims: bool (default False).

    Raises:
        ValueError: input rank != {rank}, "channels_first".
"""


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis: ``(batch, steps, channels)`` -> ``(batch, channels)``
    (full docstring set from ``_GLOBAL_DOC`` below).
    """
    rank, mode = 1, "max"


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over rows and cols: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``
    (full docstring set from ``_GLOBAL_DOC`` below).
    """
    rank, mode = 2, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis: ``(batch, steps, channels)`` -> ``(batch, channels)``
    (full docstring set from ``_GLOBAL_DOC`` below). With a (batch, steps) mask (e.g. from
    ``Embedding(mask_zero=True)``), the mean of the unmasked steps (Keras 3; an all-masked row
    gives NaN, as Keras).
    """
    rank, mode = 1, "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        """Mean over steps; masked mean when ``mask`` is given."""
        if mask is None:
            return ops.mean(inputs, axis=1, keepdims=self.keepdims)
        m = ops.cast(ops.expand_dims(ops.convert_to_tensor(mask), 2), inputs.dtype)
        total = ops.sum(ops.multiply(inputs, m), axis=1, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(m, axis=1, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        """None: the steps axis is reduced."""
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and cols: ``(batch, rows, cols, channels)`` -> ``(batch, channels)``
    (full docstring set from ``_GLOBAL_DOC`` below).
    """
    rank, mode = 2, "average"


for _cls in (GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D,
             GlobalAveragePooling2D):
    _one = _cls.rank == 1
    _cls.__doc__ = _GLOBAL_DOC.format(
        kind="max" if _cls.mode == "max" else "average", axes="steps" if _one else "rows, cols",
        inp="(batch, steps, channels)" if _one else "(batch, rows, cols, channels)",
        kd="(batch, 1, channels)" if _one else "(batch, 1, 1, channels)", rank=_cls.rank + 2)
