"""Layer: the base class of every pyfapi layer and model (Keras 3 ``keras.layers.Layer``).

A layer owns weights (``add_weight``), builds them lazily from its first input shape (``build``),
and computes ``call(inputs, training=None)`` with :mod:`pyfapi.ops`. ``layer(x)`` either

* records a symbolic call when ``x`` holds :class:`~pyfapi.graph.KerasTensor` s (functional API):
  builds once, infers output shapes with ``compute_output_shape`` and returns KerasTensors whose
  history points at a new :class:`~pyfapi.graph.node.Node` (calling again reuses the weights), or
* runs eagerly on arrays / :class:`~pyfapi.autodiff.Tensor` s and returns Tensors.

Masks (Keras 3): a tensor may carry a boolean mask in ``_keras_mask`` (e.g. set by
``Embedding(mask_zero=True)`` or ``Masking``). When a layer is called, the mask of its (single)
tensor argument is passed as ``mask=`` if ``call`` takes ``mask`` (and ``<arg>_mask=`` for each
tensor argument ``<arg>`` whose ``<arg>_mask`` parameter exists, for several tensor arguments);
after the call, a layer with ``supports_masking`` sets ``compute_mask(inputs, previous_mask)`` on
its outputs (default: the previous mask unchanged); a layer without it drops the mask with a
warning (once per layer). The same happens in a Model's execution plan, so masks flow through
functional and Sequential models at run time; symbolic outputs carry a boolean KerasTensor of the
mask's shape in ``_keras_mask``.

Weight order is Keras's: the layer's own weights (trainable ones in creation order, then
non-trainable ones), then each tracked sub-layer's weights (sub-layers tracked in attribute
assignment order), de-duplicated.
"""
from __future__ import annotations

import functools
import inspect
import math
import threading

import numpy as np

from pyfapi import tree
from pyfapi.graph.input_spec import InputSpec, assert_input_compatibility
from pyfapi.graph.keras_tensor import KerasTensor, standardize_dtype, standardize_shape
from pyfapi.graph.node import Node
from pyfapi._config import PRECISION as _PRECISION
from pyfapi._config import _enter_precision, _exit_precision
from pyfapi.mixed_precision import policy as _policies
from pyfapi.utils import naming
from pyfapi.layers import dry_run as _dry_run
from pyfapi.utils.object_registration import resolve as resolve_custom_objects
from pyfapi.utils.name_scope import current_path, name_scope

__all__ = ["Layer", "InputSpec", "LAYER_REGISTRY", "register_layer", "get_layer_class",
           "serialize_dtype", "is_shape_tuple", "map_shape_structure", "get_keras_mask",
           "set_keras_mask"]

#: class name -> class; every Layer subclass defined inside pyfapi registers itself; user classes
#: via :func:`register_layer` or ``custom_objects``.
LAYER_REGISTRY: dict = {}


def register_layer(cls=None, *, name=None):
    """Register a Layer class for ``from_config`` / model loading (usable as a decorator)."""
    def _reg(c):
        LAYER_REGISTRY[name or c.__name__] = c
        return c
    return _reg if cls is None else _reg(cls)


def get_layer_class(class_name, custom_objects=None):
    """The Layer class registered as ``class_name`` (``custom_objects`` first).

    Raises:
        ValueError: unknown class name (lists what is known).
    """
    custom_objects = resolve_custom_objects(custom_objects)
    if class_name in custom_objects:
        return custom_objects[class_name]
    cls = LAYER_REGISTRY.get(class_name)
    if cls is None:
        _import_builtin_layers()
        cls = LAYER_REGISTRY.get(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown layer class '{class_name}'. Pass it in custom_objects={{'{class_name}': "
            f"cls}} or decorate it with @pyfapi.saving.register_keras_serializable(). Known: "
            f"{sorted(LAYER_REGISTRY)}")
    return cls


def _import_builtin_layers():
    import importlib

    for mod in ("pyfapi.layers", "pyfapi.models"):
        try:
            importlib.import_module(mod)
        except ImportError:  # pragma: no cover - partial tree during development
            pass


def serialize_dtype(dtype) -> dict:
    """Keras 3's serialized DTypePolicy for a dtype / policy name or a DTypePolicy."""
    name = dtype.name if isinstance(dtype, _policies.DTypePolicy) else dtype
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def is_shape_tuple(x) -> bool:
    """True for a shape: a tuple/list whose entries are all int or None (``()`` included)."""
    return isinstance(x, (tuple, list)) and all(
        d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)) for d in x)


def map_shape_structure(fn, structure):
    """Apply ``fn`` to every shape in a nested structure of shapes."""
    if is_shape_tuple(structure):
        return fn(tuple(structure))
    if isinstance(structure, list):
        return [map_shape_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_shape_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_shape_structure(fn, v) for k, v in structure.items()}
    raise ValueError(f"Not a shape or a structure of shapes: {structure!r}")


# ---- call context: the `training` flag seen by nested layer calls ---------------------------
class _CallContext(threading.local):
    training = None
    depth = 0  # eager __call__ nesting: 0 outside any layer call


_CTX = _CallContext()

_VARIABLE_CLS = None
_NP_DTYPES = {name: np.dtype(name) for name in ("float16", "float32", "float64", "int32", "int64")}


def _variable_cls():
    global _VARIABLE_CLS
    if _VARIABLE_CLS is None:
        try:
            from pyfapi.autodiff.variable import Variable
        except ImportError:
            return None
        _VARIABLE_CLS = Variable
    return _VARIABLE_CLS


_METRIC_CLS = None


def _metric_cls():
    global _METRIC_CLS
    if _METRIC_CLS is None:
        from pyfapi.metrics import Metric
        _METRIC_CLS = Metric
    return _METRIC_CLS


def _shape_of(x):
    s = getattr(x, "shape", None)
    if s is not None:
        return tuple(s)
    if isinstance(x, (int, float, bool, np.number)):
        return ()
    return tuple(np.shape(x))


def _input_shape_structure(x):
    """Shapes of a (nested) input: one tuple, or a list/dict of tuples."""
    if isinstance(x, (list, tuple)) and not is_shape_tuple(x) and x and not _is_number_list(x):
        return [_input_shape_structure(v) for v in x]
    if isinstance(x, dict):
        return {k: _input_shape_structure(v) for k, v in x.items()}
    return _shape_of(x)


def _is_number_list(x):
    return all(isinstance(v, (int, float, np.number)) for v in x)


# ---- masks ---------------------------------------------------------------------------------
def get_keras_mask(x):
    """The mask carried by ``x`` (``x._keras_mask``), or None; a list for a list / tuple of
    tensors (None when none of them has a mask)."""
    if isinstance(x, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) for v in x]
        return masks if any(m is not None for m in masks) else None
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x, mask):
    """Attach ``mask`` to the tensor ``x`` (silently skipped for objects that cannot carry one,
    e.g. plain numpy arrays)."""
    try:
        x._keras_mask = mask
    except AttributeError:
        pass


def _symbolic_mask(mask):
    """A mask for a symbolic output: a KerasTensor stays, an array becomes a bool KerasTensor of
    its shape (batch unknown)."""
    if mask is None or isinstance(mask, KerasTensor):
        return mask
    shape = getattr(mask, "shape", None)
    if shape is None:
        return None
    return KerasTensor((None,) + tuple(shape[1:]), dtype="bool")


_TRACK_SKIP = frozenset({"_inbound_nodes", "_outbound_nodes", "_trainable_variables", "_metrics",
                         "_non_trainable_variables", "_layers", "_losses", "input_spec",
                         "_build_input_shape", "_weight_regularizers", "_weight_constraints",
                         "_functional", "_operations", "_inputs", "_outputs", "_nodes_by_depth",
                         "_inputs_struct", "_outputs_struct", "_plan", "_nodes"})


class Layer:
    """Base class of layers (Keras 3 API).

    Args (keyword-only):
        name: unique name; default snake_case of the class, numbered per class from the second
            instance on (``dense``, ``dense_1``, ...).
        trainable: whether the weights are updated by training (bool).
        dtype: the layer's dtype policy: a policy or dtype name (``"mixed_bfloat16"``,
            ``"float32"``, ...), a :class:`pyfapi.mixed_precision.DTypePolicy` or a serialized
            policy dict; default the global policy (``pyfapi.mixed_precision.dtype_policy()``,
            read at construction). Weights are created in ``variable_dtype``; a layer whose
            ``compute_dtype`` is ``"bfloat16"`` runs every GEMM-based kernel of its call (and of
            the backward of that call) with bfloat16 operands and float32 accumulation. Layers
            nested in it follow their OWN policy (a ``dtype="float32"`` output layer computes in
            float32). Inputs of other float dtypes are cast to the variable dtype (float32 arrays
            also carry the bfloat16 policies' activations: see pyfapi/mixed_precision/policy.py).
        autocast: accepted for Keras compatibility.
        activity_regularizer: optional regularizer of the outputs (a name such as ``'l2'``, a
            config dict, an instance or a callable; resolved with ``pyfapi.regularizers.get``).
            Each eager call adds ``activity_regularizer(output) / batch_size`` per output to
            ``losses`` (Keras 3 ``Layer.__call__``), so it is part of the training loss.

    Every ``*_regularizer`` / ``*_constraint`` attribute set from a name, config dict or class
    is resolved at assignment with ``pyfapi.regularizers.get`` / ``pyfapi.constraints.get``
    (unknown names: ValueError naming the layer class and the argument, at construction).

    Errors raised inside ``call`` (ValueError / TypeError / IndexError) are re-raised with the
    same type and ``Exception encountered when calling <Class> '<name>': `` prepended (once:
    the innermost layer is named), chained ``from`` the original.
        input_shape / input_dim / batch_input_shape / batch_size: Keras shorthand for the first
            layer of a Sequential model; stored as ``_batch_input_shape``.

    Raises:
        TypeError: an unknown keyword argument (named in the message), or trainable not a bool.
        ValueError: a name that is not a non-empty string without "/".
    """

    # class-level flags computed once per class by __init_subclass__
    _precision_code = 0  # GEMM precision of call() (set with the dtype policy)
    _call_has_training_arg = False
    #: layers with weights refuse a call whose last axis differs from the one they were built for
    #: (their feature axis); False where the last axis is not a feature axis (Embedding's ids)
    _check_built_last_axis = True
    _call_has_mask_arg = False
    _call_arg_names = ()
    _call_named_masks = ()  # call parameters "<arg>_mask" (filled from <arg>'s mask)
    _mask_warned = False

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        if not cls.__module__.startswith("pyfapi."):
            # a user class: remember its constructor arguments when they are plain values, so
            # the default get_config can return them (Keras 3 ``Operation.__new__``)
            instance.__dict__["_auto_config"] = _auto_config(cls, args, kwargs)
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("pyfapi.") and not cls.__name__.startswith("_"):
            LAYER_REGISTRY.setdefault(cls.__name__, cls)
        try:
            params = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):  # pragma: no cover
            params = {}
        cls._call_has_training_arg = "training" in params
        cls._call_has_mask_arg = "mask" in params
        names = [n for n, p in params.items() if n != "self" and p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        cls._call_arg_names = tuple(names)
        cls._call_named_masks = tuple(n for n in names if n.endswith("_mask")
                                      and n[:-5] in names)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_pyfapi_wrapped", False):
            cls.build = _wrap_build(build)

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        if kwargs:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{sorted(kwargs)}")
        if not isinstance(trainable, bool):
            raise TypeError(f"Expected `trainable` to be a boolean. Received: trainable={trainable!r} "
                            f"(of type {type(trainable).__name__})")
        if name is None:
            name = naming.auto_name(self._default_name_prefix())
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"Layer name must be a non-empty string without '/'; received name={name!r}")
        d = self.__dict__
        for key in ("_trainable_variables", "_non_trainable_variables", "_layers"):
            d.setdefault(key, [])  # kept if sub-layers were assigned before super().__init__()
        d["_inbound_nodes"] = []
        d["_outbound_nodes"] = []
        d["_losses"] = []
        self.name = name
        self._trainable = trainable
        self.dtype_policy = dtype
        self.autocast = autocast
        self.activity_regularizer = activity_regularizer
        self.built = False
        self._build_input_shape = None
        self.input_spec = None
        # Keras 3: a layer that overrides compute_mask supports masking unless it says otherwise
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._weight_names_used = {}
        self._weight_regularizers = []  # [(variable, callable)] -> layer.losses
        self._weight_constraints = []   # [(variable, callable)] -> constraints()
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None

    @classmethod
    def _default_name_prefix(cls):
        return cls.__name__

    # ---- attribute tracking ----------------------------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, (str, dict, type)) and name.endswith(
                ("_regularizer", "_constraint")) and not name.startswith("_"):
            # Keras resolves `kernel_regularizer="l2"`, `bias_constraint="non_neg"`, config
            # dicts, classes... at construction: unknown names fail here, not at first call
            value = _resolve_reg_or_constraint(self, name, value)
        if name not in _TRACK_SKIP:
            d = self.__dict__
            if "_layers" not in d:  # attribute set before Layer.__init__ ran
                for key in ("_trainable_variables", "_non_trainable_variables", "_layers"):
                    d.setdefault(key, [])
            self._maybe_track(value)
        object.__setattr__(self, name, value)

    def _maybe_track(self, value):
        metric_cls = _metric_cls()
        if metric_cls is not None and isinstance(value, metric_cls):
            metrics = self.__dict__.setdefault("_metrics", [])
            if all(value is not m for m in metrics):
                metrics.append(value)  # Keras 3: Metric attributes are listed in `metrics`
            return
        if isinstance(value, Layer):
            if value is not self and all(value is not l for l in self._layers):
                self._track_layer(value)
            return
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], Layer):
            for v in value:
                if isinstance(v, Layer) and v is not self and all(v is not l for l in self._layers):
                    self._track_layer(v)
            return
        var_cls = _variable_cls()
        if var_cls is not None and isinstance(value, var_cls):
            self._track_variable(value)

    def _track_layer(self, layer):
        self._layers.append(layer)
        if not self.__dict__.get("_trainable", True):
            layer.trainable = False  # a frozen layer freezes sub-layers it creates later too

    def _track_variable(self, variable):
        for lst in (self._trainable_variables, self._non_trainable_variables):
            if any(variable is v for v in lst):
                return
        if getattr(variable, "trainable", True):
            self._trainable_variables.append(variable)
            if not self.__dict__.get("_trainable", True):
                # Keras 3: a layer frozen before its weights exist freezes them when they are
                # created, so every model containing it leaves them out of trainable_weights
                # (kept in the trainable list: setting trainable=True later unfreezes them)
                variable.trainable = False
        else:
            self._non_trainable_variables.append(variable)

    # ---- dtype -----------------------------------------------------------------------------
    @property
    def dtype_policy(self):
        """The layer's :class:`pyfapi.mixed_precision.DTypePolicy` (settable with a policy, a
        name or a serialized dict, as the ``dtype`` argument)."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = _policies.get(value)
        d = self.__dict__
        d["_dtype_policy"] = policy
        # storage dtype of the inputs / outputs (bfloat16 values are held in float32 arrays)
        d["_dtype"] = _policies.storage_dtype(policy.variable_dtype)
        # GEMM precision code of this layer's calls (pyfapi.kernels.precision)
        d["_precision_code"] = 1 if policy.compute_dtype == "bfloat16" else 0

    @property
    def dtype(self) -> str:
        """Variable dtype string (Keras 3: ``layer.dtype`` is the policy's variable dtype)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """Dtype of the computations (``"bfloat16"`` under ``"mixed_bfloat16"``)."""
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Dtype string of the layer's weights (``"float32"`` under ``"mixed_bfloat16"``)."""
        return self._dtype_policy.variable_dtype

    @property
    def path(self) -> str:
        """The layer's path (Keras 3): the name scopes it was built in, its own name last
        (``"outer/block/dense"``); its name until it is built."""
        return self.__dict__.get("_path") or self.name

    def _open_name_scope(self):
        """The layer's name scope (:mod:`pyfapi.utils.name_scope`), reopened where it was first
        opened (Keras 3 ``Layer._open_name_scope``)."""
        if self.__dict__.get("_parent_path") is None:
            object.__setattr__(self, "_parent_path", current_path())
        return name_scope(self.name, caller=self)

    # ---- weights ---------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Create a weight :class:`pyfapi.Variable` owned (and tracked) by this layer.

        Args:
            shape: tuple of ints (``()`` for a scalar; None means ``()``).
            initializer: name ("glorot_uniform", "zeros", ...), Keras config dict or callable
                ``(shape, dtype) -> array``; default "glorot_uniform" (float) / "zeros" (int),
                resolved with ``pyfapi.initializers.get``.
            dtype: default the layer's variable dtype ("float32").
            trainable: trainable flag of the variable.
            regularizer: callable (or name, via ``pyfapi.regularizers.get`` when present)
                giving a scalar penalty of the variable; collected in ``layer.losses``.
            constraint: name / config / callable (``pyfapi.constraints.get``) applied by
                optimizers after each update (stored on the variable).
            name: the variable's name; its path is the layer's name scope then the name
                (``"outer/dense/kernel"``, Keras 3).

        Returns:
            pyfapi.Variable of ``shape`` and ``dtype``.

        Raises:
            ValueError: a shape entry that is not a non-negative int.
        """
        from pyfapi.autodiff.variable import Variable

        if shape is None:
            shape = ()
        try:
            shape = standardize_shape(shape)
        except ValueError as e:
            raise ValueError(f"Layer '{self.name}': add_weight(name={name!r}) got invalid shape "
                             f"{shape!r}: {e}") from None
        if any(d is None for d in shape):
            raise ValueError(f"Layer '{self.name}': add_weight(name={name!r}) needs a fully "
                             f"defined shape; received {shape}")
        dtype = _policies.storage_dtype(standardize_dtype(dtype, default=self.variable_dtype))
        if initializer is None:
            initializer = "glorot_uniform" if dtype.startswith(("float", "bfloat")) else "zeros"
        init = _get_initializer(initializer)
        value = init(shape, dtype=dtype)
        value = np.asarray(value, dtype=dtype)
        if value.shape != shape:
            raise ValueError(f"Layer '{self.name}': initializer {initializer!r} returned shape "
                             f"{value.shape} for weight {name!r}, expected {shape}")
        if name is None:
            n = self._weight_names_used.get("variable", 0)
            self._weight_names_used["variable"] = n + 1
            name = "variable" if n == 0 else f"variable_{n}"
        variable = Variable(value, name=name, trainable=trainable, dtype=dtype)
        with self._open_name_scope():
            variable.path = f"{current_path()}/{name}"
        regularizer = _get_regularizer(regularizer)
        if regularizer is not None:
            self._weight_regularizers.append((variable, regularizer))
        for attr, val in (("regularizer", regularizer), ("constraint", constraint)):
            if val is None:
                continue
            try:  # Variable may use __slots__; the layer keeps its own record as well
                setattr(variable, attr, val)
            except AttributeError:
                pass
        if constraint is not None:
            from pyfapi import constraints as constraints_module
            constraint = constraints_module.get(constraint)
            try:
                variable.constraint = constraint
            except AttributeError:  # pragma: no cover
                pass
            self._weight_constraints.append((variable, constraint))
        self._track_variable(variable)
        return variable

    @property
    def trainable(self) -> bool:
        """Settable. False freezes the layer and all its sub-layers (their weights move to
        ``non_trainable_weights``)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezes/unfreezes the layer: sets ``trainable`` on its own variables and sub-layers too.
        """
        value = bool(value)
        self._trainable = value
        for v in self._trainable_variables:
            v.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self) -> list:
        """Own weights (trainable then non-trainable, creation order), then sub-layers'."""
        out = []
        seen = set()
        for w in self._trainable_variables + self._non_trainable_variables:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for layer in self._layers:
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def variables(self) -> list:
        """Same as ``weights``."""
        return self.weights

    @property
    def trainable_weights(self) -> list:
        """Trainable weights (``[]`` if the layer is frozen)."""
        if not self._trainable:
            return []
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self) -> list:
        """Non-trainable weights (all weights if the layer is frozen)."""
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """Copies of ``self.weights`` as numpy arrays (Keras order)."""
        return [np.array(_numpy(w), copy=True) for w in self.weights]

    def set_weights(self, weights):
        """Assign numpy arrays to ``self.weights`` in order (all checked before any is written).

        Raises:
            ValueError: wrong number of arrays, or an array whose shape differs from its weight;
                the message names the layer, the weight and both shapes / counts.
        """
        layer_weights = self.weights
        weights = list(weights)
        if len(layer_weights) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(layer_weights)} weights.")
        values = []
        for i, (variable, value) in enumerate(zip(layer_weights, weights)):
            value = np.asarray(value)
            vshape = tuple(variable.shape)
            if vshape != tuple(value.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight {i} ('{getattr(variable, 'path', variable.name)}') "
                    f"has shape {vshape}, which is not compatible with the provided weight shape "
                    f"{tuple(value.shape)}.")
            values.append(value)
        for variable, value in zip(layer_weights, values):
            variable.assign(value.astype(variable.dtype, copy=False))

    def count_params(self) -> int:
        """Number of scalars in ``self.weights``.

        Raises:
            ValueError: the layer is not built yet.
        """
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(math.prod(tuple(w.shape)) for w in self.weights))

    @property
    def metrics(self) -> list:
        """The :class:`~pyfapi.metrics.Metric` objects assigned as attributes of this layer and
        of its sub-layers (Keras 3 ``Layer.metrics``)."""
        out = list(self.__dict__.get("_metrics", ()))
        for layer in self._layers:
            out.extend(layer.metrics)
        return out

    # ---- losses ----------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar loss tensor (collected by ``losses`` until the next call)."""
        self._losses.append(loss)

    @property
    def losses(self) -> list:
        """Losses added with ``add_loss`` plus weight regularization penalties (with sub-layers')."""
        out = list(self._losses)
        for w, reg in self._weight_regularizers:
            out.append(reg(w))
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def constraints(self):
        """``[(variable, constraint)]`` of this layer and its sub-layers (optimizers apply them
        after each update)."""
        out = list(self._weight_constraints)
        for layer in self._layers:
            out.extend(layer.constraints())
        return out

    def _clear_losses(self):
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    # ---- build / call ----------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (a tuple, or a list of tuples for
        multi-input layers). The base version creates nothing."""
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The computation, on eager Tensors / arrays; subclasses override."""
        raise NotImplementedError(f"Layer {type(self).__name__} ('{self.name}') does not "
                                  "implement call().")

    def compute_output_shape(self, input_shape):
        """Output shape(s) for ``input_shape`` (tuples with None for unknown dimensions).

        Raises:
            NotImplementedError: subclasses that can be called symbolically must override this
                (otherwise the output shape is inferred by running ``call`` on small zeros).
        """
        raise NotImplementedError(
            f"Layer {type(self).__name__} should implement "
            "`def compute_output_shape(self, input_shape)`.")

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensor(s) for a symbolic call (default: from ``compute_output_shape`` of the
        first argument's shape(s), dtype ``compute_dtype``)."""
        first = args[0] if args else self._first_keyword_argument(kwargs)
        input_shape = _input_shape_structure(first)
        try:
            out_shape = self.compute_output_shape(input_shape)
        except NotImplementedError:
            out_shape = self._infer_output_shape_by_running(args, kwargs)
        dtype = _policies.storage_dtype(self.compute_dtype)
        return map_shape_structure(lambda s: KerasTensor(s, dtype=dtype), out_shape)

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs (Keras 3): by default ``previous_mask`` unchanged. Only used
        when ``supports_masking`` is True. ``inputs`` are the call's first argument (symbolic
        or eager); return None, a mask, or a list of masks (one per output)."""
        return previous_mask

    # ---- mask plumbing (see the module docstring) -----------------------------------------
    def _fill_masks(self, args, kwargs, first):
        """Before ``call`` (Keras 3 ``Layer.__call__`` step 6): with ONE tensor argument, its
        mask as ``mask=`` if ``call`` takes ``mask`` and none was given; with several, each
        tensor argument ``<arg>``'s mask as ``<arg>_mask=`` when that parameter exists. Returns
        the previous mask for ``compute_mask``: the ``mask=`` argument if any, else the first
        argument's mask."""
        if self._call_has_mask_arg or self._call_named_masks:
            tensors = [(n, v) for n, v in zip(self._call_arg_names, args) if _is_tensor_arg(v)]
            tensors += [(k, v) for k, v in kwargs.items()
                        if not k.endswith("mask") and _is_tensor_arg(v)]
            if len(tensors) == 1:
                if self._call_has_mask_arg and kwargs.get("mask") is None:
                    m = get_keras_mask(tensors[0][1])
                    if m is not None:
                        kwargs["mask"] = m
            else:
                for name, v in tensors:
                    key = f"{name}_mask"
                    if key in self._call_named_masks and kwargs.get(key) is None:
                        m = get_keras_mask(v)
                        if m is not None:
                            kwargs[key] = m
        given = kwargs.get("mask")
        return given if given is not None else get_keras_mask(first)

    def _masks_before_call(self, args, kwargs, first):
        """:meth:`_fill_masks` for a ``call`` taking masks; else just the first argument's
        mask (the common case, without the argument scan)."""
        if self._call_has_mask_arg or self._call_named_masks:
            if not kwargs and len(args) == 1 and type(first) is np.ndarray:
                return None  # one numpy array: no mask to pass or to propagate
            return self._fill_masks(args, kwargs, first)
        if isinstance(first, (list, tuple)):
            return get_keras_mask(first)
        return getattr(first, "_keras_mask", None)

    def _set_output_masks(self, first, outputs, prev):
        """After ``call``: ``compute_mask`` on the outputs (layers with supports_masking), or a
        one-time warning when a layer without it receives a masked input."""
        if not self.supports_masking:
            if prev is not None and not self._mask_warned:
                self._mask_warned = True
                import warnings
                warnings.warn(
                    f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input "
                    "with a mask attached to it. However, this layer does not support masking "
                    "and will therefore destroy the mask information. Downstream layers will "
                    "not see the mask.", UserWarning, stacklevel=4)
            return
        if prev is None and type(self).compute_mask is Layer.compute_mask:
            return
        flat = tree.flatten(outputs)
        if flat and all(getattr(o, "_keras_mask", None) is not None for o in flat):
            return
        masks = self.compute_mask(first, prev)
        if masks is None:
            return
        if isinstance(masks, (list, tuple)) and len(flat) > 1:
            pairs = zip(flat, masks)
        elif isinstance(masks, (list, tuple)):
            pairs = [(flat[0], masks[0] if masks else None)] if flat else []
        else:
            pairs = [(o, masks) for o in flat]
        for o, m in pairs:
            if m is not None and getattr(o, "_keras_mask", None) is None:
                set_keras_mask(o, m)

    def _infer_output_shape_by_running(self, args, kwargs):
        """Fallback shape inference: run ``call`` on zeros twice (unknown dims as 2 and 3);
        dimensions that differ between the runs are unknown (None). The runs change no state
        (variables, RNN states, random generators: :func:`pyfapi.layers.dry_run.side_effect_free`)."""
        with _dry_run.side_effect_free(self):
            return self._run_on_zeros(args, kwargs)

    def _run_on_zeros(self, args, kwargs):
        runs = []
        kwargs = dict(kwargs)
        first = args[0] if args else None
        if self._call_has_mask_arg and kwargs.get("mask") is None and first is not None:
            mask = get_keras_mask(first)  # as the run-time call will receive it
            if mask is not None:
                kwargs["mask"] = mask
        for fill in (2, 3):
            def concrete(x, fill=fill):
                if isinstance(x, KerasTensor):  # masks all-True, values zeros
                    shape = tuple(fill if d is None else d for d in x.shape)
                    return (np.ones(shape, bool) if str(x.dtype) == "bool" else
                            np.zeros(shape, dtype=x.dtype))
                return x
            a = tree.map_structure(concrete, list(args))
            k = tree.map_structure(concrete, kwargs)
            k.pop("training", None)
            try:
                out = self.call(*a, **k)
            except NotImplementedError:
                raise
            except Exception as e:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} ('{self.name}') does not implement "
                    f"compute_output_shape and running call() on zeros failed: {e}") from e
            runs.append(tree.map_structure(_shape_of, out))

        def merge(s1, s2):
            if is_shape_tuple(s1):
                return tuple(a if a == b else None for a, b in zip(s1, s2))
            if isinstance(s1, dict):
                return {k: merge(s1[k], s2[k]) for k in s1}
            return [merge(a, b) for a, b in zip(s1, s2)]
        return merge(*runs)

    def __call__(self, *args, **kwargs):
        if not args and not kwargs:
            raise TypeError(f"Layer '{self.name}' was called without inputs.")
        first = args[0] if args else self._first_keyword_argument(kwargs)
        if args and not (len(args) == 1 and isinstance(first, (np.ndarray, KerasTensor))):
            self._check_positional_args(args)
        if _has_keras_tensor(first) or (len(args) > 1 or kwargs) and _any_keras_tensor(
                args, kwargs):
            with self._open_name_scope():
                return self._symbolic_call(first, args, kwargs)
        if not self.built or (self._layers and not self.__dict__.get("_is_graph_network")):
            # sub-layers built in this call get this layer's scope (a graph model's sub-layers
            # were all built with the graph: its calls skip the scope)
            with self._open_name_scope():
                return self._eager_call(first, args, kwargs)
        return self._eager_call(first, args, kwargs)

    def _first_keyword_argument(self, kwargs):
        """The input of a call given only keywords: ``call``'s first parameter when passed
        (``mha(value=v, query=q)`` is built for ``query``, as Keras maps arguments by ``call``'s
        signature), else the first keyword given."""
        names = self._call_arg_names
        if names and names[0] in kwargs:
            return kwargs[names[0]]
        return next(iter(kwargs.values()))

    def _check_positional_args(self, args):
        """Keras 3: only tensors (and array-like data) may be passed positionally. A layer called
        on ``...`` (a notebook cell's placeholder) or ``None`` says what it received.

        Raises:
            ValueError: naming the layer, the value and its type.
        """
        if args[0] is None:
            raise ValueError(f"Inputs to a layer should be tensors. Got 'None' (of type "
                             f"{type(None)}) as input for layer '{self.name}'.")
        for i, arg in enumerate(args):
            for leaf in tree.flatten(arg):
                if not _is_array_like(leaf):
                    raise ValueError(
                        f"Layer '{self.name}' ({type(self).__name__}): only input tensors may be "
                        f"passed as positional arguments. Positional argument {i} holds "
                        f"{leaf!r} (of type {type(leaf)}); pass tensors or arrays, and other "
                        f"values as keyword arguments.")

    def _check_input(self, first):
        """Input compatibility: the layer's input_spec, else the built last axis (for layers
        with weights)."""
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self.name)
            return
        built = self._build_input_shape
        if not self._check_built_last_axis or not is_shape_tuple(built) or not built or not (
                self._trainable_variables or self._non_trainable_variables):
            return
        shape = first.shape if hasattr(first, "shape") else None
        if shape is None or isinstance(first, (list, tuple, dict)):
            return
        shape = tuple(shape)
        if not shape:
            return
        expected, received = built[-1], shape[-1]
        if expected is not None and received is not None and expected != received:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 '
                f"of input shape to have value {expected} (the layer was built for inputs of shape "
                f"{tuple(built)}), but received input with shape {shape}")

    def _maybe_build(self, first):
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self.name)
        input_shape = _input_shape_structure(first)
        with _dry_run.building(self):
            self.build(input_shape)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = input_shape
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, first, self.name)

    def _symbolic_call(self, first, args, kwargs):
        if not self.built:
            self._maybe_build(first)
        else:
            self._check_input(first)
        spec_kwargs = kwargs
        if "training" in kwargs or "mask" in kwargs:
            spec_kwargs = {k: v for k, v in kwargs.items()
                           if k != "training" and not (k == "mask" and v is None)}
        outputs = self.compute_output_spec(*args, **spec_kwargs)
        Node(self, args, kwargs, outputs)
        prev = get_keras_mask(first)
        if self.supports_masking and (prev is not None
                                      or type(self).compute_mask is not Layer.compute_mask):
            try:
                masks = self.compute_mask(first, prev)
            except Exception:  # noqa: BLE001 - a mask needing values: known at run time only
                masks = None
            if masks is not None:
                flat = tree.flatten(outputs)
                ms = list(masks) if isinstance(masks, (list, tuple)) else [masks] * len(flat)
                for o, m in zip(flat, ms):
                    set_keras_mask(o, _symbolic_mask(m))
        return outputs

    def _eager_call(self, first, args, kwargs):
        if self.autocast:
            cast = self._autocast_array
            if isinstance(first, np.ndarray):
                new = cast(first)
            elif isinstance(first, (list, tuple)):  # merge layers: cast every array of the list
                new = type(first)(cast(x) if isinstance(x, np.ndarray) else x for x in first)
                if all(a is b for a, b in zip(new, first)):
                    new = first
            else:
                new = first
            if new is not first:
                first = new
                args = (first,) + args[1:] if args else args
                if not args:
                    k = next(iter(kwargs))
                    kwargs = dict(kwargs)
                    kwargs[k] = first
        if not self.built:
            self._maybe_build(first)
        else:
            self._check_input(first)
        if "training" in kwargs:
            training = kwargs.pop("training")
            if training is None:
                training = _CTX.training
        else:
            training = _CTX.training
        if "mask" in kwargs and not self._call_has_mask_arg:
            kwargs.pop("mask")
        prev_mask = self._masks_before_call(args, kwargs, first)
        if self._call_has_training_arg and training is not None:
            kwargs["training"] = training
        depth = _CTX.depth
        if depth == 0 and (self._losses or self._layers):
            self._clear_losses()  # Keras 3: the entry layer's call starts with fresh losses
        _CTX.depth = depth + 1
        prec = _PRECISION.code
        if self._precision_code != prec:
            _enter_precision(self._precision_code)
        try:
            outputs = self._run_call(args, kwargs, training)
        finally:
            if _PRECISION.code != prec:
                _exit_precision(prec)
            _CTX.depth = depth
        if prev_mask is not None or type(self).compute_mask is not Layer.compute_mask:
            self._set_output_masks(first, outputs, prev_mask)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def _run_call(self, args, kwargs, training):
        """``self.call(*args, **kwargs)`` with ``training`` as the context's training flag
        (restored after); a ValueError / TypeError / IndexError it raises is re-raised with the
        layer's name and class added (:func:`_with_layer_context`)."""
        prev = _CTX.training
        _CTX.training = training
        try:
            return self.call(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            new = _with_layer_context(self, e)
            if new is e:
                raise
            raise new from e
        finally:
            _CTX.training = prev

    def _add_activity_loss(self, outputs):
        """Keras 3 ``Layer.__call__``: ``activity_regularizer(output) / batch_size`` for each
        output tensor added with ``add_loss`` (0-d outputs are not divided)."""
        from pyfapi.autodiff import Tensor

        for out in tree.flatten(outputs):
            if not isinstance(out, (Tensor, np.ndarray)):
                continue
            loss = self.activity_regularizer(out)
            if out.ndim > 0 and out.shape[0]:
                loss = loss / float(out.shape[0])
            self.add_loss(loss)

    def _autocast_array(self, x):
        dt = x.dtype
        if dt.kind == "f" and dt != _NP_DTYPES.get(self._dtype):
            return x.astype(self._dtype)
        return x

    def _call_from_graph(self, args, kwargs, training):
        """Run ``call`` for one node of a Model's execution plan: the model checked its inputs
        and every layer of the graph was built and shape-checked when the graph was made, so
        only the training flag is handled here (the model's flag overrides a recorded one)."""
        if not self.built:
            return self.__call__(*args, training=training, **kwargs)
        if kwargs:
            if "training" in kwargs:
                stored = kwargs.pop("training")
                if training is None:
                    training = stored
            if "mask" in kwargs and not self._call_has_mask_arg:
                kwargs.pop("mask")
        first = args[0] if args else (self._first_keyword_argument(kwargs) if kwargs else None)
        if self._call_has_mask_arg or self._call_named_masks or isinstance(first, (list, tuple)):
            prev_mask = self._masks_before_call(args, kwargs, first)
        else:  # (inline: the common case of _masks_before_call, once per layer per step)
            prev_mask = getattr(first, "_keras_mask", None)
        if training is None:
            training = _CTX.training
        if self._call_has_training_arg and training is not None:
            kwargs["training"] = training
        prec = _PRECISION.code  # (inline checks: this runs once per layer per training step)
        if self._precision_code != prec:
            _enter_precision(self._precision_code)
        try:
            outputs = self._run_call(args, kwargs, training)
        finally:
            if _PRECISION.code != prec:
                _exit_precision(prec)
        if prev_mask is not None or type(self).compute_mask is not Layer.compute_mask:
            self._set_output_masks(first, outputs, prev_mask)  # (else it would do nothing)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    # ---- node properties -------------------------------------------------------------------
    def _node_attr(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 f"defined {attr_name}.")
        if len(self._inbound_nodes) <= node_index:
            raise ValueError(f"Asked to get {attr_name} at node {node_index}, but the layer "
                             f"'{self.name}' has only {len(self._inbound_nodes)} inbound nodes.")
        values = getattr(self._inbound_nodes[node_index], attr)
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        """The input KerasTensor(s) of the first call (Keras 3 semantics)."""
        return self._node_attr(0, "input_tensors", "input")

    @property
    def output(self):
        """The output KerasTensor(s) of the first call (Keras 3 semantics)."""
        return self._node_attr(0, "outputs", "output")

    def get_input_at(self, node_index):
        """Input tensor(s) of inbound node ``node_index``."""
        return self._node_attr(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        """Output tensor(s) of inbound node ``node_index``."""
        return self._node_attr(node_index, "outputs", "output")

    @property
    def input_shape(self):
        """Shape of ``self.input`` (a list of shapes for multiple inputs)."""
        x = self.input
        return [t.shape for t in x] if isinstance(x, list) else x.shape

    @property
    def output_shape(self):
        """Shape of ``self.output`` (a list of shapes for multiple outputs)."""
        x = self.output
        return [t.shape for t in x] if isinstance(x, list) else x.shape

    @property
    def inbound_nodes(self):
        """The nodes where this layer was called (list of Node)."""
        return self._inbound_nodes

    @property
    def outbound_nodes(self):
        """The nodes that consume this layer's outputs (list of Node)."""
        return self._outbound_nodes

    # ---- config ----------------------------------------------------------------------------
    def get_config(self) -> dict:
        """``{"name", "trainable", "dtype"}`` (Keras 3 keys; dtype as Keras's DTypePolicy dict);
        subclasses add their constructor arguments."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": _policies.serialize(self._dtype_policy)}
        if self.activity_regularizer is not None:
            from pyfapi.layers.layer_utils import serialize_object
            config["activity_regularizer"] = serialize_object(self.activity_regularizer)
        if "_auto_config" in self.__dict__ and type(self).get_config is Layer.get_config:
            config = _with_auto_config(self, config)
        return config

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``. A class whose ``__init__`` takes neither ``**kwargs`` nor the base
        keys ``name`` / ``trainable`` / ``dtype`` (a custom layer without ``get_config``, whose
        config Keras still writes with them) is built without those keys, which are then set on
        the instance."""
        try:
            params = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            return cls(**config)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return cls(**config)
        base = {k: config[k] for k in ("name", "trainable", "dtype")
                if k in config and k not in params}
        layer = cls(**{k: v for k, v in config.items() if k not in base})
        if "name" in base:
            layer.name = base["name"]
        if "trainable" in base:
            layer.trainable = bool(base["trainable"])
        return layer

    def get_build_config(self):
        """``{"input_shape": shape}`` (JSON-able) if the layer was built with a shape, else None."""
        if self._build_input_shape is not None:
            return {"input_shape": _jsonable_shape(self._build_input_shape)}
        return None

    def build_from_config(self, config):
        """Builds the layer from ``get_build_config()`` output if it has an input_shape and is not
        built.
        """
        if config and "input_shape" in config and not self.built:
            shape = _freeze_shape(config["input_shape"])
            self.build(shape)
            self.built = True
            if self._build_input_shape is None:
                self._build_input_shape = shape

    # ---- misc ------------------------------------------------------------------------------
    def _flatten_layers(self, include_self=True, recursive=True):
        out = [self] if include_self else []
        seen = {id(self)}
        stack = list(self._layers)
        while stack:
            layer = stack.pop(0)
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack[:0] = layer._layers
        return out

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def __str__(self):
        return self.__repr__()


def _auto_config(cls, args, kwargs):
    """``{argument: value}`` of a constructor call when every value is a str / int / float /
    bool / None (possibly in lists, tuples, dicts), else None (Keras 3's auto config)."""
    try:
        params = [p for p in inspect.signature(cls.__init__).parameters.values()][1:]
    except (TypeError, ValueError):
        return None
    config = dict(kwargs)
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(positional):
        return None
    config.update(zip(positional, args))
    for value in tree.flatten(config):
        if not isinstance(value, (str, int, float, bool, type(None))):
            return None
    return config


def _with_auto_config(layer, base):
    """The default ``get_config`` of a user class: the base keys plus the recorded constructor
    arguments (keys the constructor does not take are dropped unless it has ``**kwargs``).

    Raises:
        NotImplementedError: the constructor received values that are not plain (Keras 3's
            message, naming the class).
    """
    auto = layer.__dict__.get("_auto_config")
    cls = type(layer)
    if auto is None:
        raise NotImplementedError(
            f"Object {cls.__name__} (layer '{layer.name}') was created by passing "
            "non-serializable argument values in `__init__()`, and therefore the object must "
            "override `get_config()` in order to be serializable. Please implement "
            "`get_config()`, e.g.\n\n"
            f"    def get_config(self):\n        config = super().get_config()\n"
            f"        config.update({{\"arg1\": self.arg1, \"arg2\": self.arg2}})\n"
            f"        return config")
    params = inspect.signature(cls.__init__).parameters
    config = dict(base)
    config.update(auto)
    if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        for key in list(config):
            if key not in params:
                config.pop(key)
    return config


_CONTEXT_PREFIX = "Exception encountered when calling "


def _with_layer_context(layer, exc):
    """A copy of ``exc`` (same type) whose message starts with
    ``Exception encountered when calling <Class> '<name>': `` (Keras 3 names the failing layer).
    Already-prefixed exceptions (raised by a nested layer or model) are returned unchanged so
    the innermost layer is named once; exception types whose constructor does not take one
    message are also returned unchanged."""
    msg = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    if msg.startswith(_CONTEXT_PREFIX):
        return exc
    try:
        new = type(exc)(f"{_CONTEXT_PREFIX}{type(layer).__name__} '{layer.name}': {msg}")
    except Exception:  # noqa: BLE001 - exotic exception class: keep the original
        return exc
    return new


def _wrap_build(build):
    @functools.wraps(build)
    def wrapped(self, *args, **kwargs):
        if self.__dict__.get("_build_input_shape") is None:
            shape = args[0] if args else (kwargs.get("input_shape") if kwargs else None)
            if shape is not None:
                object.__setattr__(self, "_build_input_shape", _freeze_shape(shape))
        with self._open_name_scope():  # Keras 3: weights get the path of the build's scopes
            object.__setattr__(self, "_path", current_path())
            out = build(self, *args, **kwargs)
        object.__setattr__(self, "built", True)
        return out
    wrapped._pyfapi_wrapped = True
    return wrapped


# the base build too, so a layer without its own gets the path of its build's scope (Keras 3
# wraps every layer's build)
Layer.build = _wrap_build(Layer.build)


def _map_shapes(shape, fn):
    """``fn`` applied to every shape tuple (or list) of a nested list / tuple / dict of shapes;
    lists and tuples of shapes come back as lists, dicts as dicts, anything else as is."""
    if is_shape_tuple(shape):
        return fn(shape)
    if isinstance(shape, (list, tuple)):
        return [_map_shapes(s, fn) for s in shape]
    if isinstance(shape, dict):
        return {k: _map_shapes(v, fn) for k, v in shape.items()}
    return shape


def _freeze_shape(shape):
    """Shapes as tuples (also turns the JSON lists of a saved ``build_config`` back into tuples)."""
    return _map_shapes(shape, tuple)


def _jsonable_shape(shape):
    return _map_shapes(shape, lambda s: [None if d is None else int(d) for d in s])


def _is_tensor_arg(x) -> bool:
    """A tensor argument of a call (an array / Tensor / KerasTensor, or a list / tuple holding
    one): Keras fills ``mask=`` only when a call has exactly one."""
    if isinstance(x, (list, tuple)):
        return any(_is_tensor_arg(v) for v in x)
    return hasattr(x, "shape") and hasattr(x, "dtype")


_SCALARS = (bool, int, float, complex, str, bytes, np.generic, np.ndarray)


def _is_array_like(x) -> bool:
    """A value a layer can take as input data: None (an optional input), a number or string, an
    array, a Tensor / KerasTensor or anything with a shape or ``__array__``."""
    return (x is None or isinstance(x, _SCALARS) or hasattr(x, "shape")
            or hasattr(x, "__array__"))


def _any_keras_tensor(args, kwargs) -> bool:
    """A KerasTensor among ``args[1:]`` and the keyword values (the call's other arguments)."""
    for v in (*args[1:], *kwargs.values()):
        if isinstance(v, KerasTensor) or isinstance(v, (list, tuple, dict)) and \
                _has_keras_tensor(v):
            return True
    return False


def _has_keras_tensor(x) -> bool:
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_keras_tensor(v) for v in x)
    if isinstance(x, dict):
        return any(_has_keras_tensor(v) for v in x.values())
    return False


def _numpy(w):
    f = getattr(w, "numpy", None)
    return f() if f is not None else np.asarray(w)


def _get_initializer(initializer):
    try:
        from pyfapi import initializers
        get = initializers.get
    except (ImportError, AttributeError):
        get = None
    if get is not None:
        return get(initializer)
    if callable(initializer):
        return initializer
    raise ImportError(f"pyfapi.initializers.get is not available to resolve initializer {initializer!r}")


def _get_regularizer(regularizer):
    if regularizer is None:
        return None
    from pyfapi import regularizers
    return regularizers.get(regularizer)


def _resolve_reg_or_constraint(layer, name, value):
    """``regularizers.get`` / ``constraints.get`` of a layer's ``*_regularizer`` /
    ``*_constraint`` argument; a ValueError names the layer class and the argument."""
    if name.endswith("_regularizer"):
        from pyfapi import regularizers as module
    else:
        from pyfapi import constraints as module
    try:
        return module.get(value)
    except ValueError as e:
        raise ValueError(f"{type(layer).__name__}: invalid `{name}`: {e}") from None
