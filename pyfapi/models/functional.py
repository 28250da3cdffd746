"""Model: a functional graph of layers (Keras 3 ``keras.Model`` / ``Functional``).

``Model(inputs, outputs)`` walks the graph once (:func:`pyfapi.graph.map_graph`: Keras's
topological order and errors) and keeps a flat :class:`~pyfapi.graph.ExecutionPlan`; calling the
model on arrays runs that plan. A Model is a Layer: calling it on KerasTensors adds one node to
an outer graph and reuses its weights (a nested model's weights are counted once).

Training (compile / fit / evaluate / predict / save_weights ...) comes from the
``pyfapi.training.Trainer`` mixin.
"""
from __future__ import annotations

import json

import numpy as np

from pyfapi import tree
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.graph.topology import ExecutionPlan, map_graph
from pyfapi.layers.base import (Layer, _freeze_shape, _input_shape_structure, _with_auto_config,
                                map_shape_structure, register_layer)
from pyfapi.layers import dry_run
from pyfapi.layers.core.input_layer import InputLayer
from pyfapi.models.fused_inference import FusedPlan, fusion_allowed
from pyfapi.utils.dtype_cast import astype_no_wrap

__all__ = ["Model"]

from pyfapi.training import Trainer
from pyfapi.training.data_adapter import drop_unused_keys


def _call_context():
    from pyfapi.layers.base import _CTX
    return _CTX


class Model(Trainer, Layer):
    """A functional model (or, without ``inputs``/``outputs``, a subclassed model).

    Args:
        inputs: KerasTensor, list of KerasTensors, or dict {name: KerasTensor} (from
            ``pyfapi.Input`` or any layer output).
        outputs: KerasTensor, list, or dict {name: KerasTensor}, computed from ``inputs``.
        name: default ``functional``, ``functional_1``, ... (Keras 3 names).
        trainable: bool.

    Attributes:
        layers (InputLayers included, topological order), inputs, outputs (flat lists),
        input_names, output_names (names of the layers producing the outputs, or dict keys).

    Raises:
        TypeError: an input/output that is not a KerasTensor.
        ValueError: "Graph disconnected" (an output not computable from the inputs; names the
            missing tensor / input and the layer), two layers with one name, a cycle.
    """

    #: Inference calls (training falsy, no GradientTape recording) of a functional model run
    #: the fused plan (pyfapi/models/fused_inference.py: BatchNormalization folded into the Dense
    #: / convolution before it, bias and relu in the kernel epilogue). Set False on a model (or
    #: the class) to run every layer as written.
    fused_inference = True
    _keras_class_name = "Functional"  # Keras 3's class name of functional models (saving keys)

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if inputs is None and outputs is None:
            # subclassed model: layers tracked as attributes, user-defined call()
            Layer.__init__(self, name=name, trainable=trainable, **kwargs)
            self._is_graph_network = False
            return
        if inputs is None or outputs is None:
            raise ValueError("Model(inputs, outputs) needs both `inputs` and `outputs`; received "
                             f"inputs={inputs!r}, outputs={outputs!r}")
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)
        if not trainable:
            self.trainable = False  # freezes every layer of the graph, as Keras does

    @classmethod
    def _default_name_prefix(cls):
        return "functional" if cls is Model else cls.__name__

    def _call_defined(self) -> bool:
        """False for a subclassed model that does not define ``call``."""
        return bool(getattr(self, "_is_graph_network", False)) or type(self).call is not Model.call

    def _graph_io(self) -> bool:
        """True for a functional model (named inputs/outputs); False for a subclassed one."""
        return bool(getattr(self, "_is_graph_network", False))

    # ---- graph -----------------------------------------------------------------------------
    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        # Keras 3 flattens structures with tree.flatten, which takes dict keys in sorted order:
        # the order of model.inputs / outputs / output_names / layers (hence of the weights in
        # .weights.h5 and of losses given as lists) follows the sorted keys, not insertion
        if isinstance(inputs, dict):
            inputs = {k: inputs[k] for k in sorted(inputs)}
        if isinstance(outputs, dict):
            outputs = {k: outputs[k] for k in sorted(outputs)}
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_in = tree.flatten(inputs)
        flat_out = tree.flatten(outputs)
        if not flat_in or not flat_out:
            raise ValueError(f"Model '{self.name}' needs at least one input and one output; "
                             f"received inputs={inputs!r}, outputs={outputs!r}")
        nodes, nodes_by_depth, layers, layers_by_depth = map_graph(flat_in, flat_out)
        object.__setattr__(self, "_inputs", flat_in)
        object.__setattr__(self, "_outputs", flat_out)
        self._nodes = nodes
        self._nodes_by_depth = nodes_by_depth
        self._operations = layers
        self._layers_by_depth = layers_by_depth
        self._layers[:] = [l for l in layers]  # weights follow the layer order
        self._plan = ExecutionPlan(flat_in, flat_out, nodes_by_depth)
        if isinstance(inputs, dict):
            self._input_names = list(inputs.keys())
        else:
            self._input_names = [x._keras_history.operation.name if isinstance(
                x._keras_history.operation, InputLayer) else x.name for x in flat_in]
        self._input_index = {n: i for i, n in enumerate(self._input_names)}
        self._input_np_dtypes = [None if x.dtype == "string" else np.dtype(x.dtype) for x in flat_in]
        for i, x in enumerate(flat_in):  # also accept the Input tensor names (dict inputs)
            self._input_index.setdefault(x.name, i)
        if isinstance(outputs, dict):
            self._output_names = list(outputs.keys())
        else:
            self._output_names = [x._keras_history.operation.name for x in flat_out]
        self._is_graph_network = True
        self.built = True
        self._build_input_shape = ([x.shape for x in flat_in] if len(flat_in) > 1 or
                                   not isinstance(inputs, KerasTensor) else flat_in[0].shape)

    @property
    def layers(self) -> list:
        """All layers, InputLayers included, in topological order (Keras 3)."""
        return list(self._layers)

    @property
    def operations(self):
        """Same as ``layers`` (Keras 3 alias)."""
        return self.layers

    @property
    def inputs(self) -> list:
        """The input KerasTensors (flat list, in input order)."""
        self._require_graph("inputs")
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        """The output KerasTensors (flat list, in output order)."""
        self._require_graph("outputs")
        return list(self._outputs)

    @property
    def input(self):
        """The inputs as given to the constructor (tensor, list or dict)."""
        self._require_graph("input")
        return self._inputs_struct

    @property
    def output(self):
        """The outputs as given to the constructor (tensor, list or dict)."""
        self._require_graph("output")
        return self._outputs_struct

    @property
    def input_names(self) -> list:
        """Names of the input layers, in input order; AttributeError if the model has no graph."""
        self._require_graph("input_names")
        return list(self._input_names)

    @property
    def output_names(self) -> list:
        """Names of the outputs, in output order; AttributeError if the model has no graph."""
        self._require_graph("output_names")
        return list(self._output_names)

    @property
    def input_shape(self):
        """Shape(s) of ``self.input`` (tuple with None batch, or the same list/dict structure)."""
        return tree.map_structure(lambda x: x.shape, self.input)

    @property
    def output_shape(self):
        """Shape(s) of ``self.output`` (tuple with None batch, or the same list/dict structure)."""
        return tree.map_structure(lambda x: x.shape, self.output)

    def _require_graph(self, what):
        if not getattr(self, "_is_graph_network", False):
            raise AttributeError(f"Model '{self.name}' has no defined {what} (it is not a "
                                 "functional model, or it is not built yet).")

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in ``self.layers``.

        Raises:
            ValueError: both or neither given, an index out of range, or an unknown name (the
                message lists the existing layer names).
        """
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"'{self.name}' only has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[l.name for l in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ---- calling ---------------------------------------------------------------------------
    def _check_input(self, first):
        pass  # done by _standardize_inputs (call) / compute_output_spec

    def _standardize_inputs(self, inputs):
        """Inputs (single, list/tuple in input order, or dict by input name) as a flat list in
        input order, each checked against its Input's shape and converted to its dtype.

        Raises:
            ValueError: wrong number of inputs, missing names, incompatible shapes. Keys of an
                input dict that are not input names are ignored with a warning (Keras 3).
        """
        names = self._input_names
        n = len(names)
        if isinstance(inputs, dict):
            flat = self._dict_to_flat(inputs)
        elif isinstance(inputs, (list, tuple)) and not (n == 1 and _looks_like_data(inputs)):
            flat = list(inputs)
            if len(flat) != n:
                raise ValueError(f"Model '{self.name}' expects {n} input(s) {names}, but it "
                                 f"received {len(flat)} input tensors.")
        else:
            if n != 1:
                raise ValueError(f"Model '{self.name}' expects {n} inputs {names}; pass a list "
                                 f"in this order or a dict by name, not a single "
                                 f"{type(inputs).__name__}.")
            flat = [inputs]
        np_dtypes = self._input_np_dtypes
        for i, (x, spec) in enumerate(zip(flat, self._inputs)):
            if isinstance(x, (list, float, int)):
                x = np.asarray(x)
                if x.dtype.kind not in "fiub" or np_dtypes[i] is None:
                    x = x.astype(spec.dtype)
                flat[i] = x
            if isinstance(x, np.ndarray):
                if (np_dtypes[i] is None) != (x.dtype.kind in "USO"):  # string vs numeric input
                    raise ValueError(
                        f'Input {i} ("{self._input_names[i]}") of model "{self.name}" has dtype '
                        f"{spec.dtype!r} but received an array of dtype {x.dtype} (strings need "
                        f"an Input(dtype='string'); a string Input takes str/bytes/object arrays)")
                if x.dtype != np_dtypes[i] and x.dtype.kind in "fiub" and np_dtypes[i] is not None:
                    # ids beyond an int32 Input's range keep int64 (no wrap-around)
                    flat[i] = x = astype_no_wrap(x, np_dtypes[i])
            shape = getattr(x, "shape", None)
            if shape is None:
                continue
            if len(shape) != len(spec.shape):
                flat[i] = x = _adjust_rank(x, spec.shape)
                shape = x.shape
            self._check_shape(i, tuple(shape), spec)
        return flat

    def _dict_to_flat(self, inputs):
        """A dict keyed by input name as a list in input order. Missing names are a ValueError;
        other keys are ignored with a UserWarning (Keras 3 uses the named inputs)."""
        names = self._input_names
        flat = [None] * len(names)
        for k, v in inputs.items():
            if k in self._input_index:
                flat[self._input_index[k]] = v
        missing = [names[i] for i, v in enumerate(flat) if v is None]
        if missing:
            raise ValueError(f"Model '{self.name}' is missing inputs {missing}; expected "
                             f"names: {names}, received: {list(inputs)}")
        drop_unused_keys(inputs, self._input_index, f"Model '{self.name}'")
        return flat

    def _check_shape(self, i, shape, spec):
        expected = spec.shape
        ok = len(shape) == len(expected) and all(
            e is None or r is None or e == r for e, r in zip(expected, shape))
        if not ok:
            raise ValueError(
                f'Input {i} ("{self._input_names[i]}") of model "{self.name}" is incompatible '
                f"with the model: expected shape={expected}, found shape={shape}")

    def call(self, inputs, training=None, mask=None):
        """Run the graph on arrays / Tensors.

        Args:
            inputs: one array (single-input model), a list in input order, or a dict
                {input name: array}.
            training: bool or None, passed to every layer that takes it.

        Returns:
            Tensor, or list / dict of Tensors, structured like the model's outputs.
        """
        if not getattr(self, "_is_graph_network", False):
            raise NotImplementedError(
                f"Model {type(self).__name__} ('{self.name}') does not implement call(): a "
                "subclassed Model (built without inputs/outputs) must define "
                "`def call(self, inputs, training=None)`; it was called on "
                f"{_describe_inputs(inputs)}.")
        flat = self._standardize_inputs(inputs)

        def run(layer, node, args, kwargs, _t=training):
            return layer._call_from_graph(args, kwargs, _t)
        t = training if training is not None else _call_context().training
        if not t and self.fused_inference and fusion_allowed():
            fused = self.__dict__.get("_fused_plan")
            if fused is None or fused[0] is not self._plan:
                fused = (self._plan, FusedPlan(self._plan))
                self.__dict__["_fused_plan"] = fused
            outs = fused[1].run(flat, run)
        else:
            outs = self._plan.run(flat, run)
        return self._pack_outputs(outs)

    def _pack_outputs(self, outs):
        struct = self._outputs_struct
        if isinstance(struct, KerasTensor):
            return outs[0]
        return tree.pack_sequence_as(struct, outs)

    def compute_output_spec(self, inputs, training=None, mask=None, **kwargs):
        """Output KerasTensors for symbolic inputs (runs each layer's compute_output_spec); a
        subclassed model infers them as a layer does (``compute_output_shape``, else running
        ``call`` on zeros)."""
        if not getattr(self, "_is_graph_network", False):
            return Layer.compute_output_spec(self, inputs, **kwargs)
        flat = self._standardize_symbolic(inputs)
        outs = self._plan.run(flat, _spec_layer)
        return self._pack_outputs(outs)

    def _standardize_symbolic(self, inputs):
        names = self._input_names
        if isinstance(inputs, dict):
            flat = self._dict_to_flat(inputs)
        elif isinstance(inputs, (list, tuple)):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(names):
            raise ValueError(f"Model '{self.name}' expects {len(names)} input(s) {names}, but it "
                             f"was called on {len(flat)}.")
        for i, (x, spec) in enumerate(zip(flat, self._inputs)):
            if len(x.shape) != len(spec.shape):
                flat[i] = x = _adjust_rank(x, spec.shape)
            self._check_shape(i, tuple(x.shape), spec)
        return flat

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape`` (a shape, a list of shapes or a dict), computed by
        running the graph symbolically on KerasTensors via ``compute_output_spec``.
        Subclassed models: NotImplementedError unless they override it (then their output
        shape is inferred by running ``call``).
        """
        if not getattr(self, "_is_graph_network", False):
            return Layer.compute_output_shape(self, input_shape)
        def to_kt(s):
            return KerasTensor(s)
        if isinstance(input_shape, dict):
            kts = {k: to_kt(v) for k, v in input_shape.items()}
        elif isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            kts = [to_kt(s) for s in input_shape]
        else:
            kts = to_kt(input_shape)
        out = self.compute_output_spec(kts)
        return tree.map_structure(lambda x: x.shape, out)

    def build(self, input_shape=None):
        """Marks a functional (graph) model built. A subclassed model is built by running its
        ``call`` once on zeros of ``input_shape`` (None dimensions as 1, ``training=False``),
        which creates the weights of its layers (what ``model.build((None, 8))`` and loading a
        ``.keras`` archive need); without ``input_shape`` it is only marked built. As Keras's
        symbolic build, the run changes no state: variables, stateful RNN states and random
        generators are as before it (:func:`pyfapi.layers.dry_run.side_effect_free`), new
        weights hold their initial values.

        Raises:
            ValueError: ``call`` failed on the zeros (names the model, the shape and the error).
        """
        if getattr(self, "_is_graph_network", False):
            self.built = True
            return
        if input_shape is None or not self._call_defined() or self.built:
            return Layer.build(self, input_shape)
        shape = _freeze_shape(input_shape)
        zeros = map_shape_structure(
            lambda s: np.zeros(tuple(1 if d is None else d for d in s), np.float32), shape)
        self.built = True  # the call below must not build again
        try:
            with dry_run.side_effect_free(self):
                if self._call_has_training_arg:
                    self(zeros, training=False)
                else:
                    self(zeros)
        except Exception as e:
            self.built = False
            raise ValueError(f"Model {type(self).__name__} ('{self.name}') could not be built for "
                             f"input_shape={shape}: running call() on zeros of that shape "
                             f"failed: {type(e).__name__}: {e}") from e
        self._build_input_shape = shape

    def _maybe_build(self, first):
        # a subclassed model called on data is built by that call itself (no extra zeros run)
        if getattr(self, "_is_graph_network", False) or type(self).build is not Model.build:
            return Layer._maybe_build(self, first)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = _input_shape_structure(first)

    # ---- summary / config ------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print the Keras 3 summary table (see :func:`pyfapi.models.summary.print_summary`)."""
        from pyfapi.models.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def get_config(self) -> dict:
        """Keras 3 functional config: name, trainable, layers (with inbound_nodes),
        input_layers, output_layers."""
        if not getattr(self, "_is_graph_network", False) or \
                not _functional_like_constructor(type(self)):
            # a subclassed model (or a functional one with its own __init__): Keras 3's
            # {"name", "trainable"} plus the constructor arguments recorded at creation
            base = {"name": self.name, "trainable": self.trainable}
            if type(self).get_config is Model.get_config and "_auto_config" in self.__dict__:
                return _with_auto_config(self, base)
            return base
        from pyfapi.models.serialization import (creation_node_offset, serialize_layer,
                                                 serialize_node_args)

        own = self._nodes
        reindex = {}
        for layer in self._operations:
            kept = creation_node_offset(layer)
            for node in layer._inbound_nodes:
                if node in own:
                    reindex[id(node)] = kept
                    kept += 1
        layer_configs = []
        for layer in self._operations:
            entry = serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [serialize_node_args(node, own) for node in layer._inbound_nodes
                                      if node in own and not node.is_input]
            layer_configs.append(entry)

        def tensor_config(x):
            op, ni, ti = x._keras_history
            return [op.name, reindex[id(op._inbound_nodes[ni])], ti]

        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": tree.map_structure(tensor_config, self._inputs_struct),
                "output_layers": tree.map_structure(tensor_config, self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a functional model from :meth:`get_config` (or Keras 3's) output.

        Raises:
            ValueError: unknown layer classes (pass ``custom_objects``), dangling references.
        """
        if "layers" not in config or "input_layers" not in config:
            return cls(**config)
        from pyfapi.models.serialization import (_NotReady, deserialize_layer, stored_node_index,
                                                 deserialize_node_args)

        created = {}
        pending = []
        for data in config["layers"]:
            layer = deserialize_layer(data, custom_objects)
            name = data.get("name", layer.name)
            created[name] = layer
            pending.append((layer, list(data.get("inbound_nodes", []))))
        while any(nodes for _, nodes in pending):
            progressed = False
            for layer, nodes in pending:
                while nodes:
                    try:
                        args, kwargs = deserialize_node_args(nodes[0], created)
                    except _NotReady:
                        break
                    if kwargs.get("mask", 0) is None:
                        kwargs.pop("mask")
                    layer(*args, **kwargs)
                    nodes.pop(0)
                    progressed = True
            if not progressed:
                raise ValueError("Invalid functional model config: the graph has loops or "
                                 "disconnected nodes: " + str([l.name for l, n in pending if n]))

        def get_tensor(ref):
            name, node_index, tensor_index = ref
            if name not in created:
                raise ValueError(f"Invalid functional model config: unknown layer {name!r}")
            layer = created[name]
            return layer._inbound_nodes[stored_node_index(layer, node_index)].outputs[tensor_index]

        def map_refs(refs):
            if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
                return get_tensor(refs)
            if isinstance(refs, dict):
                return {k: map_refs(v) for k, v in refs.items()}
            return [map_refs(r) for r in refs]

        inputs = map_refs(config["input_layers"])
        outputs = map_refs(config["output_layers"])
        trainable = config.get("trainable", True)
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                   trainable=True if trainable is None else trainable)

    def to_json(self, **kwargs) -> str:
        """``json.dumps`` of ``{"module", "class_name", "config", "registered_name"}``."""
        from pyfapi.models.serialization import serialize_layer

        return json.dumps(serialize_layer(self), **kwargs)


register_layer(Model, name="Functional")  # Keras 3's class_name of functional models


def _adjust_rank(x, ref_shape):
    """Keras 3's input-rank rule: an input with one more axis than its Input, of size 1, loses
    it; one with one axis less gains it when the Input's last axis is 1 (a ``(n, 28, 28)`` array
    into ``Input((28, 28, 1))``). Anything else is returned as is (the shape check reports it)."""
    from pyfapi import ops
    rank, ref = len(x.shape), len(ref_shape)
    if rank == ref + 1 and x.shape[-1] == 1:
        return x.reshape(tuple(x.shape[:-1])) if isinstance(x, np.ndarray) else \
            ops.squeeze(x, axis=-1)
    if rank == ref - 1 and ref_shape[-1] == 1:
        return x.reshape(tuple(x.shape) + (1,)) if isinstance(x, np.ndarray) else \
            ops.expand_dims(x, axis=-1)
    return x


def _functional_like_constructor(cls):
    """Whether ``cls.__init__`` takes exactly Model's arguments (Keras 3: its config is then the
    functional graph config)."""
    import inspect
    return (inspect.getfullargspec(cls.__init__).args[1:] ==
            inspect.getfullargspec(Model.__init__).args[1:])


def _describe_inputs(x):
    """``shape=(...)`` / a structure of them, for error messages."""
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"{type(x).__name__} shape={tuple(shape)}"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_describe_inputs(v)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_describe_inputs(v) for v in x) + "]"
    return type(x).__name__


def _looks_like_data(x):
    """A list given to a single-input model: data (numbers / nested lists) rather than [array]."""
    return len(x) != 1 or not hasattr(x[0], "shape")


def _spec_layer(layer, node, args, kwargs):
    kwargs.pop("training", None)
    return layer.compute_output_spec(*args, **kwargs)
