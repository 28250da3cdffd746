"""InputSpec: the ranks / axis sizes a layer accepts (Keras 3 ``keras.layers.InputSpec``).

:func:`assert_input_compatibility` raises a ValueError naming the layer, the expected and the
received shapes. Used by :meth:`pyfapi.layers.base.Layer.__call__` on symbolic and eager inputs.
"""
from __future__ import annotations

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """Rank and axis constraints of one input of a layer.

    Args:
        dtype: expected dtype string (not enforced; informative).
        shape: full expected shape (None entries are free), implies ``ndim``.
        ndim / max_ndim / min_ndim: exact / maximal / minimal rank.
        axes: {axis: size} (negative axes allowed), e.g. ``{-1: 64}`` for a Dense built on 64.
        allow_last_axis_squeeze: accepted for Keras compatibility.
        name: name of the input.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        if shape is not None:
            self.ndim = len(shape)
            self.shape = tuple(shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim is not None else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim is not None else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim is not None else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        """``{"dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes"}``."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)


def _shape_of(x):
    s = getattr(x, "shape", None)
    if s is None:
        return None
    return tuple(s)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Check ``inputs`` (tensor, array, KerasTensor or a list of them) against ``input_spec``.

    Raises:
        ValueError: wrong number of inputs, rank, or axis size; the message names the layer, the
            expected value and the received shape.
    """
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    if isinstance(inputs, dict):
        inputs = list(inputs.values())
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(specs) != len(flat):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(flat)} input tensors. Inputs received: {flat}")
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        shape = _shape_of(x)
        if shape is None:
            continue
        rank = len(shape)
        where = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
            raise ValueError(f"{where}expected ndim={spec.ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(f"{where}expected max_ndim={spec.max_ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(f"{where}expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                             f"Full shape received: {shape}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if not -rank <= axis < rank:
                raise ValueError(f"{where}expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
            d = shape[axis]
            if d is not None and d != value:
                raise ValueError(f"{where}expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if spec.shape is not None:
            for a, b in zip(spec.shape, shape):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"{where}expected shape={spec.shape}, found shape={shape}")
