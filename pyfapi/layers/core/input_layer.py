"""InputLayer and Input: the entry points of a functional graph (Keras 3 semantics).

``Input(shape=(64,))`` creates an ``InputLayer`` (named ``input_layer``, ``input_layer_1``, ...
unless named) and returns its output KerasTensor of shape ``(None, 64)`` (batch first).
"""
from __future__ import annotations

from pyfapi.graph.keras_tensor import KerasTensor, standardize_dtype, standardize_shape
from pyfapi.graph.node import Node
from pyfapi.layers.base import Layer

__all__ = ["InputLayer", "Input"]


class InputLayer(Layer):
    """The layer behind ``Input``: no weights, one node without inputs, one output tensor.

    Args:
        shape: shape without the batch axis (tuple of int/None).
        batch_size: optional fixed batch size.
        dtype: dtype of the input ("float32" by default; "int32" for token ids).
        batch_shape: full shape including the batch axis (instead of shape/batch_size).
        input_tensor: an existing KerasTensor to wrap (Keras compatibility).
        name: layer (and tensor) name.

    Raises:
        ValueError: both or neither of shape / batch_shape, or an invalid shape.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        # Keras 2 spellings
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, **kwargs)
        if sparse:
            raise ValueError(f"InputLayer '{self.name}': sparse inputs are not supported.")
        if shape is not None and batch_shape is not None:
            raise ValueError(f"InputLayer '{self.name}': you cannot pass both `shape` and "
                             f"`batch_shape` at the same time. Received shape={shape}, "
                             f"batch_shape={batch_shape}")
        if shape is None and batch_shape is None and input_tensor is None:
            raise ValueError(f"InputLayer '{self.name}': you must pass a `shape` argument.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise TypeError(f"InputLayer '{self.name}': input_tensor must be a KerasTensor, "
                                f"got {type(input_tensor).__name__}")
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        elif shape is not None:
            shape = standardize_shape(shape)
            batch_shape = (batch_size,) + shape
        batch_shape = standardize_shape(batch_shape)
        self._batch_shape = batch_shape
        self.dtype_policy = standardize_dtype(dtype)  # its own dtype, never the global policy
        self.sparse = False
        self.ragged = False
        self.optional = bool(optional)
        self.built = True
        self._build_input_shape = None
        if input_tensor is None:
            input_tensor = KerasTensor(batch_shape, dtype=self._dtype, name=self.name)
        self._input_tensor = input_tensor
        Node(self, (), {}, input_tensor)

    @classmethod
    def _default_name_prefix(cls):
        return "input_layer"

    @property
    def batch_shape(self):
        """Full input shape including the batch dimension (None entries are unknown)."""
        return self._batch_shape

    def call(self, inputs=None):
        """Identity: returns ``inputs`` unchanged."""
        return inputs

    def compute_output_shape(self, input_shape=None):
        """Returns ``batch_shape``; ``input_shape`` is ignored."""
        return self._batch_shape

    def count_params(self) -> int:
        """Always 0: an input layer has no weights."""
        return 0

    def get_config(self) -> dict:
        """Keras 3 keys: batch_shape, dtype, sparse, ragged, name, optional."""
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        """Builds an InputLayer from a config; accepts the legacy key ``batch_input_shape``."""
        config = dict(config)
        if "batch_input_shape" in config and "batch_shape" not in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        return cls(**config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input of a functional model.

    Args:
        shape: shape without the batch axis, e.g. ``(64,)`` or ``(None,)`` for variable length.
        batch_size: optional fixed batch size. dtype: default "float32".
        batch_shape: full shape including the batch axis (instead of shape).
        name: name of the input (and of its InputLayer); used for dict inputs ``{name: array}``.

    Returns:
        KerasTensor with ``.shape == (batch_size,) + shape`` (None = unknown), ``.dtype``,
        ``.name`` and ``._keras_history == (input_layer, 0, 0)``.

    Raises:
        ValueError: no shape, both shape and batch_shape, or an invalid shape.
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, input_tensor=tensor, optional=optional)
    return layer.output
