"""Lambda: wrap a Python function of tensors as a layer (Keras 3 ``keras.layers.Lambda``)."""
from __future__ import annotations

import importlib
import inspect

from pyfapi.layers.base import Layer, map_shape_structure
from pyfapi.utils.object_registration import get_registered_name
from pyfapi.utils.object_registration import resolve as resolve_custom_objects

__all__ = ["Lambda"]


class Lambda(Layer):
    """``Lambda(function, output_shape=None, mask=None, arguments=None, **kwargs)``.

    ``call(inputs)`` returns ``function(inputs, **arguments)`` (plus ``training=`` / ``mask=``
    when the function takes them). The function runs eagerly on :class:`pyfapi.Tensor` s and
    must use :mod:`pyfapi.ops` (or Tensor operators) to stay differentiable. A Lambda has no
    weights.

    Output shape, for a symbolic call: ``output_shape`` as a tuple WITHOUT the batch axis
    (``(8,)`` -> ``(batch, 8)``), a list of such tuples, or a callable ``input_shape ->
    output_shape`` (with batch axis); when None it is inferred by running the function on zeros
    (unknown dimensions set to 2 then 3: dimensions that differ are None).

    Serialization: ``get_config`` stores a named module-level function as
    ``{"module", "function_name"}``; ``from_config`` resolves it from ``custom_objects`` or from
    a ``pyfapi`` module (other modules are not imported). Lambdas, closures and nested functions
    cannot be serialized (ValueError naming the layer) -- pass a named function or write a
    Layer subclass.

    Raises:
        TypeError: ``function`` not callable, or ``output_shape`` not a tuple/list/callable.
        NotImplementedError: the output shape cannot be inferred (pass ``output_shape``).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda '{self.name}': `function` must be callable, received "
                            f"{function!r}")
        if output_shape is not None and not callable(output_shape) and not isinstance(
                output_shape, (tuple, list)):
            raise TypeError(f"Lambda '{self.name}': `output_shape` must be a tuple, a list of "
                            f"tuples or a callable; received {output_shape!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params

    def call(self, inputs, mask=None, training=None):
        """Returns ``function(inputs, **arguments)``, passing ``mask``/``training`` if the function
        takes them.
        """
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        """Uses ``output_shape`` (callable, or a shape without batch dimension, batch taken from the
        input); if None, runs the function on zeros. Raises NotImplementedError if that inference
        fails.
        """
        if self._output_shape is None:
            # run the function on zeros (unknown dims 2, then 3) as the base Layer does
            from pyfapi.graph.keras_tensor import KerasTensor
            spec = map_shape_structure(lambda s: KerasTensor(s, dtype=self.compute_dtype),
                                       input_shape)
            try:
                return self._infer_output_shape_by_running((spec,), {})
            except NotImplementedError as e:
                raise NotImplementedError(
                    f"Lambda '{self.name}': could not infer the output shape by running the "
                    f"function on zeros ({e}); pass `output_shape`.") from e
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape
        while isinstance(first, (list, dict)) or (isinstance(first, tuple) and first and
                                                   isinstance(first[0], (tuple, list))):
            first = first[0] if not isinstance(first, dict) else next(iter(first.values()))
        batch = first[0] if first else None
        return map_shape_structure(lambda s: (batch,) + tuple(s), self._output_shape)

    def get_config(self):
        """Layer config plus serialized function, output_shape, mask and arguments."""
        config = super().get_config()
        config["function"] = _serialize_function(self, self.function, "function")
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self, self._output_shape, "output_shape")
                                      if callable(self._output_shape)
                                      else _jsonable(self._output_shape))
        if self.mask is not None:
            config["mask"] = (_serialize_function(self, self.mask, "mask")
                              if callable(self.mask) else self.mask)
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Builds a Lambda from a config, deserializing function/output_shape/mask dicts."""
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and ("function_name" in value or
                                            value.get("class_name") in ("function", "__lambda__")):
                config[key] = _deserialize_function(value, custom_objects)
        if isinstance(config.get("output_shape"), list) and config["output_shape"] and \
                all(isinstance(d, (int, type(None))) for d in config["output_shape"]):
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)


def _jsonable(shape):
    if isinstance(shape, (tuple, list)) and all(isinstance(d, (int, type(None))) for d in shape):
        return list(shape)
    return [_jsonable(s) for s in shape]


def _serialize_function(layer, fn, arg):
    name = getattr(fn, "__qualname__", None)
    module = getattr(fn, "__module__", None)
    if (name is None or module is None or "<" in name or "." in name
            or getattr(fn, "__closure__", None)):
        raise ValueError(
            f"Lambda '{layer.name}': cannot serialize `{arg}`={fn!r}: only named module-level "
            "functions can be saved (lambdas, closures and nested functions cannot). Use a "
            "named function, or subclass Layer and implement get_config.")
    if module == "pyfapi" or module.startswith("pyfapi."):
        return {"module": module, "function_name": name}  # found again by import
    # a user's function: Keras 3's form (serialize_keras_object of a function), so Keras reads
    # it back with the function in custom_objects or registered
    return {"module": "builtins", "class_name": "function", "config": get_registered_name(fn),
            "registered_name": "function"}


def _deserialize_function(spec, custom_objects=None):
    if spec.get("class_name") == "__lambda__":
        raise ValueError("Lambda: the file holds a Python lambda as bytecode (Keras's "
                         "safe_mode=False format), which pyfapi does not load; define it as a "
                         "named function and pass it in custom_objects={name: fn}, or subclass "
                         "Layer")
    if spec.get("class_name") == "function":
        name, module = spec.get("config"), ""
    else:
        name, module = spec["function_name"], spec.get("module") or ""
    custom_objects = resolve_custom_objects(custom_objects)
    if name in custom_objects:
        return custom_objects[name]
    if module == "pyfapi" or module.startswith("pyfapi."):
        fn = getattr(importlib.import_module(module), name, None)
        if fn is not None:
            return fn
    raise ValueError(f"Lambda: cannot resolve the function {module}.{name}: pass it in "
                     f"custom_objects={{{name!r}: fn}}")
