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
from pyfapi.layers.conv_utils import (check_rank, conv_output_shape, normalize_data_format,
                                      normalize_padding, normalize_tuple)

__all__ = ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"]


class _Pooling(Layer):
    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", self.name)
        self.strides = normalize_tuple(pool_size if strides is None else strides, self.rank,
                                       "strides", self.name)
        self.padding = normalize_padding(padding, self.name)
        self.data_format = normalize_data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs, training=None):
        fn = ops.max_pool if self.mode == "max" else ops.average_pool
        return fn(inputs, self.pool_size, strides=self.strides, padding=self.padding)

    def compute_output_shape(self, input_shape):
        shape = check_rank(self, input_shape, ndim=self.rank + 2)
        return conv_output_shape(self, shape, self.pool_size, self.strides, self.padding,
                                 (1,) * self.rank, shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


_POOL_DOC = """{kind} pooling over {axes} windows.

    Input ``{inp}``, output ``{out}`` (channels kept). No weights.

    Args:
        pool_size: {ps_doc} (default {ps_default}).
        strides: same form, default ``pool_size``.
        padding: "valid" (default) or "same" (TF rule: out = ceil(n / stride){avg_note}).
        data_format: None / "channels_last" only.

    Raises:
        ValueError: non-positive pool_size / strides, unknown padding, "channels_first",
            input rank != {rank}, a 'valid' output of size <= 0.
"""


class MaxPooling1D(_Pooling):
    """1-D max pooling, ``(batch, steps, channels)`` -> ``(batch, pooled_steps, channels)``
    (full docstring set from ``_POOL_DOC`` below).
    """
    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """2-D max pooling, ``(batch, rows, cols, channels)`` -> ``(batch, pooled_rows, pooled_cols,
    channels)`` (full docstring set from ``_POOL_DOC`` below).
    """
    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """1-D average pooling, ``(batch, steps, channels)`` -> ``(batch, pooled_steps, channels)``
    (full docstring set from ``_POOL_DOC`` below).
    """
    rank, mode = 1, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """2-D average pooling, ``(batch, rows, cols, channels)`` -> ``(batch, pooled_rows, pooled_cols,
    channels)`` (full docstring set from ``_POOL_DOC`` below).
    """
    rank, mode = 2, "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


for _cls in (MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D):
    _one = _cls.rank == 1
    _cls.__doc__ = _POOL_DOC.format(
        kind="Max" if _cls.mode == "max" else "Average", axes="1-D" if _one else "2-D",
        inp="(batch, steps, channels)" if _one else "(batch, rows, cols, channels)",
        out="(batch, pooled_steps, channels)" if _one else
        "(batch, pooled_rows, pooled_cols, channels)",
        ps_doc="int" if _one else "int or 2-tuple",
        ps_default=("required, as in Keras 3" if _cls.mode != "max" else
                    "2" if _one else "(2, 2)"),
        avg_note="" if _cls.mode == "max" else "; the average counts only in-bounds elements",
        rank=_cls.rank + 2)


