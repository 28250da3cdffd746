"""Sequential: a linear stack of layers (Keras 3 ``keras.Sequential``).

With an ``Input``/``InputLayer`` first, or ``input_shape=`` on the first layer, the model is
built at once into a functional graph (``inputs``, ``outputs``, summary with shapes); otherwise it
is built on the first call / fit, from the shape of the data (batch axis left unknown).
"""
from __future__ import annotations

from pyfapi.graph.keras_tensor import KerasTensor, standardize_shape
from pyfapi.layers.base import Layer, serialize_dtype
from pyfapi.layers.core.input_layer import InputLayer
from pyfapi.models.functional import Model
from pyfapi.utils import naming

__all__ = ["Sequential"]


class Sequential(Model):
    """Sequential([layer, ...], name=None, trainable=True).

    Raises:
        TypeError: adding something that is not a Layer (or an Input tensor).
        ValueError: two layers with one name, a second input shape, pop() on an empty model,
            or a layer that cannot take the previous layer's output (names both layers).
    """

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, name=name, trainable=trainable)
        self._functional = None
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    @classmethod
    def _default_name_prefix(cls):
        return cls.__name__

    def _graph_io(self) -> bool:
        """Always True: a Sequential has one named input and output once built."""
        return True

    # ---- building --------------------------------------------------------------------------
    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input(...)`` tensor / InputLayer as the first element)."""
        if isinstance(layer, KerasTensor):
            origin = layer._keras_history.operation if layer._keras_history else None
            if isinstance(origin, InputLayer):
                layer = origin
        if not isinstance(layer, Layer):
            raise TypeError(f"Only instances of pyfapi Layer can be added to a Sequential model "
                            f"('{self.name}'). Received: {layer!r} (of type {type(layer).__name__})")
        if any(l.name == layer.name for l in self._layers):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in model '{self.name}'. Update "
                "the `name` argument to pass a unique name.")
        if isinstance(layer, InputLayer):
            if self._layers and isinstance(self._layers[0], InputLayer):
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use input "
                    f"shape {self._layers[0].batch_shape}. You cannot add a different Input "
                    f"layer to it.")
            if self._layers:
                raise ValueError(f"Sequential model '{self.name}': an InputLayer can only be the "
                                 "first layer.")
        added_input = False
        if not isinstance(layer, InputLayer) and not self._layers and \
                getattr(layer, "_batch_input_shape", None) is not None:
            self._layers.append(InputLayer(batch_shape=layer._batch_input_shape))
            added_input = True
        self._layers.append(layer)
        if rebuild:
            try:
                self._maybe_rebuild()
            except Exception:
                # leave the model as it was before this add()
                self._layers.pop()
                if added_input:
                    self._layers.pop()
                self._maybe_rebuild()
                raise
        else:
            self.built = False
            self._functional = None

    def pop(self, rebuild=True):
        """Remove and return the last layer.

        Raises:
            TypeError: the model has no layers (Keras 3's error type).
        """
        if not self.layers:
            raise TypeError(f"There are no layers in the Sequential model '{self.name}'.")
        layer = self._layers.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        self._is_graph_network = False
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)
        elif self._layers and isinstance(self._layers[0], InputLayer):
            self._build_input_shape = self._layers[0].batch_shape

    def build(self, input_shape=None):
        """Build the functional graph for inputs of ``input_shape`` (batch axis included)."""
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                raise ValueError(f"Sequential model '{self.name}' cannot be built: unknown input "
                                 "shape. Add an Input(shape=...) first or call it on data.")
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            if len(input_shape) != 1:
                raise ValueError(f"Sequential model '{self.name}' takes one input; received "
                                 f"input_shape={input_shape}")
            input_shape = input_shape[0]
        input_shape = standardize_shape(input_shape)
        if not self._layers:
            raise ValueError(f"Sequential model '{self.name}' has no layers to build.")
        if isinstance(self._layers[0], InputLayer):
            if self._layers[0].batch_shape[1:] != input_shape[1:] and any(
                    a is not None and b is not None and a != b
                    for a, b in zip(self._layers[0].batch_shape[1:], input_shape[1:])):
                raise ValueError(f"Sequential model '{self.name}' was configured for input shape "
                                 f"{self._layers[0].batch_shape}, received {input_shape}")
        else:
            # built from data: leave the batch axis unknown
            dtype = getattr(self, "_pending_input_dtype", None)
            self._layers.insert(0, InputLayer(batch_shape=(None,) + tuple(input_shape[1:]),
                                              dtype=dtype))
        naming.auto_name("functional")  # Keras 3 builds a Functional here: keep its name counter
        inputs = self._layers[0].output
        x = inputs
        prev = self._layers[0]
        for layer in self._layers[1:]:
            try:
                x = layer(x)
            except (ValueError, TypeError) as e:
                raise type(e)(f"Sequential model '{self.name}': layer '{layer.name}' cannot be "
                              f"applied to the output of '{prev.name}' (shape "
                              f"{getattr(x, 'shape', None)}): {e}") from e
            prev = layer
        outputs = x
        if not isinstance(outputs, KerasTensor) and isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        self._init_graph(inputs, outputs)
        self._functional = True
        self._build_input_shape = tuple(inputs.shape)

    def _maybe_build(self, first):
        dt = getattr(first, "dtype", None)
        if dt is not None:
            name = getattr(dt, "name", str(dt))
            self._pending_input_dtype = name if name.startswith("int") else None
        shape = tuple(first.shape) if hasattr(first, "shape") else None
        self.build(shape)

    # ---- calling ---------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Applies the layers in order (or the functional graph once built); output of the last
        layer.
        """
        if not self._is_graph_network:
            x = inputs
            for layer in self.layers:
                x = layer(x, training=training)
            return x
        return Model.call(self, inputs, training=training, mask=mask)

    def compute_output_spec(self, inputs, training=None, mask=None, **kwargs):
        """Builds the model from ``inputs.shape`` if needed, then returns the symbolic output
        KerasTensor(s).
        """
        if not self._is_graph_network:
            self.build(inputs.shape)
        return Model.compute_output_spec(self, inputs)

    # ---- properties ------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """The layers, without the InputLayer (Keras 3)."""
        layers = self._layers
        if layers and isinstance(layers[0], InputLayer):
            return list(layers[1:])
        return list(layers)

    def _require_graph(self, what):
        if not self._is_graph_network:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet: "
                                 "add an Input(shape=...) first, pass input_shape= to the first "
                                 "layer, or call the model on data.")

    @property
    def input_shape(self):
        """Input shape including batch (None); AttributeError if the model has no input yet."""
        self._require_graph("input_shape")
        return self._inputs[0].shape

    @property
    def output_shape(self):
        """Output shape including batch (None); AttributeError if the model has no input yet."""
        self._require_graph("output_shape")
        return self._outputs[0].shape

    # ---- config ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras 3 keys: name, trainable, dtype, layers (InputLayer first when known),
        build_input_shape."""
        from pyfapi.models.serialization import serialize_layer

        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_dtype(self.dtype_policy),
                  "layers": [serialize_layer(l) for l in self._layers]}
        if self._build_input_shape is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a Sequential from ``get_config()`` output: adds each deserialized layer, then
        builds from ``build_input_shape`` if the model is not yet built.
        """
        from pyfapi.models.serialization import deserialize_layer

        layer_configs = config.get("layers", [])
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for data in layer_configs:
            data = dict(data)
            data.pop("build_config", None)  # the model build below builds every layer
            model.add(deserialize_layer(data, custom_objects), rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape is not None and model._layers:
            model.build(tuple(shape))
        return model
