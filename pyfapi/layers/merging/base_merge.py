"""Shared base of the merge layers (Keras 3: keras/src/layers/merging/base_merge.py).

Shapes are checked when the graph is built (``build`` / ``compute_output_shape``), so an
incompatible merge raises a ValueError naming the layer and every input shape before any data
flows. Element-wise merges broadcast the non-batch shapes numpy-style (right-aligned, 1 or None
broadcast); inputs of lower rank get axes inserted after the batch axis, as Keras does.
"""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer, is_shape_tuple

__all__ = []


def _mask_list(layer, inputs, mask):
    """The merge's list of input masks (None when no input is masked); ValueError when the
    masks do not match the inputs."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"Layer '{layer.name}': `mask` should be a list of masks, one per "
                         f"input; received mask={mask!r}")
    if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        n = len(inputs) if isinstance(inputs, (list, tuple)) else 1
        raise ValueError(f"Layer '{layer.name}': the lists `inputs` and `mask` should have the "
                         f"same length; received {n} inputs and {len(mask)} masks")
    if all(m is None for m in mask):
        return None
    return list(mask)


def _shapes(layer, input_shape):
    """The list of input shapes (tuples), or a ValueError if not a list of >= 1 shapes."""
    if (not isinstance(input_shape, (list, tuple)) or is_shape_tuple(input_shape)
            or not all(is_shape_tuple(s) for s in input_shape)):
        raise ValueError(f"A merge layer should be called on a list of inputs. Layer "
                         f"'{layer.name}' received: input_shape={input_shape} (not a list of "
                         "shapes)")
    shapes = [tuple(s) for s in input_shape]
    if len(shapes) < 1:
        raise ValueError(f"A merge layer should be called on a list of at least 1 input. "
                         f"Layer '{layer.name}' got {len(shapes)} inputs. "
                         f"Full input_shape received: {input_shape}")
    return shapes


class _Merge(Layer):
    """Element-wise merge of a list of tensors (output shape: broadcast of the inputs)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _elemwise_shape(self, shape1, shape2, shapes):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            elif i != j:
                raise ValueError(
                    f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and "
                    f"{tuple(shape2)}. Layer '{self.name}' ({type(self).__name__}) received "
                    f"input_shape={shapes}")
            else:
                out.append(i)
        return tuple(out)

    def _check(self, input_shape):
        shapes = _shapes(self, input_shape)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Layer "
                             f"'{self.name}' received tensors with shapes {shapes}")
        out = shapes[0][1:] if shapes[0] else ()
        for s in shapes[1:]:
            out = self._elemwise_shape(out, s[1:] if s else (), shapes)
        batch = next(iter(batch_sizes)) if batch_sizes else None
        return shapes, (batch,) + tuple(out)

    def build(self, input_shape):
        self._check(input_shape)

    def compute_output_shape(self, input_shape):
        return self._check(input_shape)[1]

    def compute_mask(self, inputs, mask=None):
        """Keras 3 ``Merge.compute_mask``: the AND of the inputs' masks (None entries ignored;
        None if no input is masked). Raises ValueError for a mask list not matching the inputs.
        """
        masks = _mask_list(self, inputs, mask)
        if masks is None:
            return None
        ms = [m for m in masks if m is not None]
        if any(isinstance(m, KerasTensor) for m in ms):
            return KerasTensor(ms[0].shape, dtype="bool")
        out = np.asarray(getattr(ms[0], "value", ms[0])).astype(bool)
        for m in ms[1:]:
            out = out & np.asarray(getattr(m, "value", m)).astype(bool)
        return ops.convert_to_tensor(out)

    def _merge(self, inputs):  # pragma: no cover - abstract
        raise NotImplementedError

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Layer "
                             f"'{self.name}' received: inputs={inputs!r} (not a list)")
        self._check([tuple(x.shape) for x in inputs])
        max_ndim = max(len(x.shape) for x in inputs)
        xs = []
        for x in inputs:
            while len(x.shape) < max_ndim:
                x = ops.expand_dims(x, 1)
            xs.append(x)
        return self._merge(xs)
