"""Mapping ``compile``'s ``loss`` / ``loss_weights`` / ``metrics`` onto the model's outputs.

Follows Keras 3's ``keras/src/trainers/compile_utils.py``:

* ``loss``: one string / callable / :class:`~pyfapi.losses.Loss` (used for every output), a list
  with one entry per output (``None`` = no loss), or a dict keyed by output name. As Keras 3.15,
  the dict must name every output of a model whose outputs are a list (ValueError ``Expected
  keys [...] in loss dict``); for a model built with a dict of outputs, outputs left out get no
  loss. Output names are the names of the layers producing the outputs.
* ``loss_weights``: a float (single output), a list (one per output) or a dict by output name
  (missing names weigh 1).
* ``metrics`` / ``weighted_metrics``: for one output any list (flattened); for several, a list with
  one entry (a metric or a list of metrics) per output, or a dict by output name.
* ``'acc'`` / ``'accuracy'`` and ``'crossentropy'`` / ``'ce'`` are resolved per output from the
  target and output shapes (and the output's loss), when the first data is seen.
* Names: the string given (``'acc'``), else the metric's name; prefixed ``<output>_`` when the model
  has several outputs; per-output losses are reported as ``<output>_loss`` when more than one output
  has a loss.

Everything is resolved once; per step :class:`CompileLoss` runs a precomputed list of
``(output index, loss, weight)`` and :class:`CompileMetrics` a list of ``(output index, metric)``.
"""
from __future__ import annotations

import numpy as np

from pyfapi import losses as losses_module
from pyfapi import metrics as metrics_module

__all__ = ["CompileLoss", "CompileMetrics", "LossTracker", "is_sparse_loss", "as_output_list"]

_ACC = ("acc", "accuracy")
_CE = ("crossentropy", "ce")


def _describe(x):
    """How an entry of a user's list appears in an error: strings, numbers and None by value,
    functions and classes by name, other objects by type."""
    if x is None or isinstance(x, (str, bool, int, float, np.number)):
        return repr(x.item() if isinstance(x, np.number) else x)
    return getattr(x, "__name__", None) or type(x).__name__


def _per_output(spec, output_names, arg, allow_scalar):
    """``spec`` (scalar / list / dict) as a list with one entry per output."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"Invalid `{arg}`: the dict keys must be output names. Expected keys among "
                f"{list(output_names)}, received keys {list(spec)} (unknown: {unknown})")
        return [spec.get(name) for name in output_names], True
    if isinstance(spec, (list, tuple)):
        if len(spec) != n:
            raise ValueError(
                f"Invalid `{arg}`: a list must have one entry per output. Expected {n} entries "
                f"for outputs {list(output_names)}, received {len(spec)}: "
                f"[{', '.join(_describe(s) for s in spec)}]")
        return list(spec), False
    if not allow_scalar:
        raise TypeError(f"Invalid `{arg}`: expected a list or dict, received {spec!r}")
    return [spec] * n, False


def is_sparse_loss(loss) -> bool:
    """Whether a resolved loss expects integer class labels."""
    fn = getattr(loss, "fn", loss)
    return fn is losses_module.sparse_categorical_crossentropy or isinstance(
        loss, losses_module.SparseCategoricalCrossentropy)


def _shape_kind(y_true_shape, y_pred_shape):
    """(is_binary, is_sparse) as Keras 3's ``is_binary_or_sparse_categorical``."""
    p_last = y_pred_shape[-1] if len(y_pred_shape) else 1
    t_last = y_true_shape[-1] if len(y_true_shape) else 1
    is_binary = p_last == 1
    is_sparse = len(y_true_shape) < len(y_pred_shape) or (t_last == 1 and p_last != 1)
    return is_binary, is_sparse


def as_output_list(value, output_names):
    """A model output / target structure as a list in output order: a dict is read by output name
    (missing names give None), a list/tuple is taken as is, anything else is the one output."""
    if isinstance(value, dict):
        return [value.get(n) for n in output_names]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class LossTracker(metrics_module.Metric):
    """The running mean of a loss over samples (Keras 3's ``Mean(name="loss")`` loss tracker).

    ``update_state(values, sample_weight=None)``: adds ``mean(values) * w`` with ``w`` the
    ``sample_weight`` (a scalar: Keras passes the batch size) or 1. ``result()`` is a float.
    """

    def __init__(self, name="loss"):
        super().__init__(name=name)
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        """Adds the batch's mean loss weighted by ``sample_weight`` (default 1)."""
        v = getattr(values, "value", values)
        w = 1.0 if sample_weight is None else float(np.sum(getattr(sample_weight, "value",
                                                                    sample_weight)))
        self.total += float(np.mean(v)) * w
        self.count += w

    def _add(self, weighted_value, weight):
        # the fused training loop's update (a float and a batch size: no numpy call)
        self.total += weighted_value
        self.count += weight

    def result(self):
        """``total / count`` (0.0 before any update)."""
        return self.total / self.count if self.count else 0.0

    def reset_state(self):
        """Sets total and count to 0."""
        self.total = 0.0
        self.count = 0.0

    @property
    def variables(self):
        """Keras 3 keeps the state in variables; here it is two floats (``[]``)."""
        return []


class _Entry:
    __slots__ = ("index", "name", "fn", "weight", "spec")

    def __init__(self, index, name, fn, weight, spec):
        self.index, self.name, self.fn, self.weight, self.spec = index, name, fn, weight, spec


class CompileLoss:
    """Per-output losses and their weights, resolved at compile time.

    Args:
        loss: see the module docstring.
        loss_weights: see the module docstring.
        output_names: the model's output names, in output order.
        named_outputs: False for the list outputs of a subclassed model, which have no names:
            as Keras 3, each per-output loss is then reported as ``<loss name>_loss``
            (``mse_loss``; two outputs with one loss share the name) instead of
            ``<output>_loss``.

    Raises:
        ValueError: a wrong dict key, a list of the wrong length, an unknown loss string, or
            loss weights for outputs that do not exist; the message lists expected and received.
        TypeError: an uninterpretable loss.
    """

    def __init__(self, loss, loss_weights, output_names, dict_outputs=False, named_outputs=True):
        self.output_names = list(output_names)
        self.named_outputs = named_outputs
        self._user_loss = loss
        self._user_weights = loss_weights
        n = len(self.output_names)
        if loss is None:
            raise ValueError("compile: `loss` is required to train (received loss=None); pass a "
                             "loss name such as 'mse' or a callable")
        if isinstance(loss, dict) and not dict_outputs and set(loss) != set(self.output_names):
            # Keras 3 (CompileLoss.build): a loss dict for a model whose outputs are a list must
            # name every output exactly (an output without a loss needs a list with None)
            unknown = [k for k in loss if k not in self.output_names]
            raise ValueError(
                f"Expected keys {self.output_names} in loss dict, but found "
                f"loss.keys()={list(loss)}"
                + (f" (unknown: {unknown})" if unknown else
                   f" (missing: {[k for k in self.output_names if k not in loss]}; to train "
                   "an output without a loss pass a list with None for it)"))
        specs, _ = _per_output(loss, self.output_names, "loss", True)
        if loss_weights is None:
            weights = [None] * n
        elif isinstance(loss_weights, (int, float, np.floating, np.integer)) and \
                not isinstance(loss_weights, bool):
            weights = [float(loss_weights)] * n
        else:
            weights, _ = _per_output(loss_weights, self.output_names, "loss_weights", False)
        self.entries = []
        for i, (name, spec, w) in enumerate(zip(self.output_names, specs, weights)):
            if spec is None:
                continue
            if isinstance(spec, str) and spec.lower() in _CE:
                fn = None  # resolved from shapes in build()
            else:
                fn = self._resolve(spec, name)
            if w is not None:
                w = float(w)
            self.entries.append(_Entry(i, name, fn, w, spec))
        if not self.entries:
            raise ValueError(f"compile: no loss given for any of the outputs "
                             f"{self.output_names}; received loss={loss!r}")
        # report per-output losses only when more than one output has a loss (Keras 3)
        self.report_per_output = len(self.entries) > 1
        #: per-output loss trackers (``<output>_loss``), reported with several losses (Keras 3)
        self.metrics = ([LossTracker(name=name) for name in self.loss_names]
                        if self.report_per_output else [])
        self.built = all(e.fn is not None for e in self.entries)

    def _resolve(self, spec, output_name):
        try:
            obj = losses_module.get(spec)
        except ValueError as e:
            raise ValueError(f"Invalid loss for output {output_name!r}: {e}") from None
        if isinstance(obj, losses_module.Loss):
            return obj
        name = spec if isinstance(spec, str) else getattr(obj, "__name__", "loss")
        return losses_module.LossFunctionWrapper(obj, name=name)

    @property
    def sparse_outputs(self):
        """Names of the outputs whose resolved loss is a sparse (integer-target) loss (set)."""
        return {e.name for e in self.entries if e.fn is not None and is_sparse_loss(e.fn)}

    @property
    def required_outputs(self):
        """Names of the outputs that have a loss entry, in order (list of str)."""
        return [e.name for e in self.entries]

    def build(self, y_true_shapes, y_pred_shapes):
        """Resolve ``'crossentropy'`` entries from the shapes (tuples, batch axis included)."""
        for e in self.entries:
            if e.fn is None:
                is_binary, is_sparse = _shape_kind(y_true_shapes[e.index], y_pred_shapes[e.index])
                fn = (losses_module.binary_crossentropy if is_binary else
                      losses_module.sparse_categorical_crossentropy if is_sparse else
                      losses_module.categorical_crossentropy)
                e.fn = losses_module.LossFunctionWrapper(fn, name=str(e.spec))
        self.built = True

    @property
    def loss_names(self):
        """History keys of the per-output losses (empty with a single loss): ``<output>_loss``,
        or ``<loss name>_loss`` for unnamed outputs (Keras 3's ``CompileLoss``)."""
        if not self.report_per_output:
            return []
        if self.named_outputs:
            return [f"{e.name}_loss" for e in self.entries]
        return [f"{_loss_name(e)}_loss" for e in self.entries]

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Total weighted loss (Tensor) and the unweighted per-output losses (list of Tensors).

        Args:
            y_true: list (per output) of target arrays.
            y_pred: list (per output) of Tensors.
            sample_weight: None or a list (per output) of 1-D weight arrays / None.
        """
        total = None
        per = []
        for e in self.entries:
            i = e.index
            sw = None if sample_weight is None else sample_weight[i]
            value = e.fn(y_true[i], y_pred[i], sample_weight=sw)
            per.append(value)
            if e.weight is not None:
                value = value * e.weight
            total = value if total is None else total + value
        return total, per

    def get_config(self):
        """``{"loss": serialized specs, "loss_weights": ...}``; user functions and objects in
        Keras 3's form (:func:`serialize_custom`).
        """
        def ser(spec):
            if spec is None:
                return None
            out = losses_module.serialize(spec)
            return serialize_custom(spec) if out is None else out
        return {"loss": _map_specs(self._user_loss, ser), "loss_weights": self._user_weights}


def _loss_name(entry):
    """Keras 3's name of a resolved loss (``compile_utils.get_loss``): the string given, else
    the Loss object's ``name``, else the function's name."""
    if isinstance(entry.spec, str):
        return entry.spec
    name = getattr(entry.fn, "name", None) if entry.fn is not None else None
    return name or getattr(entry.spec, "name", None) or getattr(entry.spec, "__name__", "loss")


class CompileMetrics(metrics_module.Metric):
    """Per-output metrics, resolved when the first data is seen (``build``).

    It is the ``compile_metrics`` entry of ``model.metrics`` (as Keras 3): ``update_state(y,
    y_pred, sample_weight=None)`` takes the model's target / output structures (one array, a
    list in output order or a dict by output name), ``result()`` returns ``{metric name:
    float}``, ``reset_state()`` resets every metric.

    Args:
        metrics, weighted_metrics: see the module docstring.
        output_names: output names in order.
        named_outputs: False for the list outputs of a subclassed model: as Keras 3, metric
            names then carry no output prefix (``mae``, ``mae_1`` ...).

    Result names follow Keras 3's ``CompileMetrics.result``: ``<output>_<metric>`` with several
    named outputs; a repeated name gets ``_1``, ``_2``; a weighted metric named like an
    unweighted one is ``[<output>_]weighted_<metric>``.

    Raises:
        ValueError: a wrong dict key, a list of the wrong length or an unknown metric string
            (raised by ``build`` for strings, at once for structure errors).
    """

    def __init__(self, metrics, weighted_metrics, output_names, named_outputs=True):
        super().__init__(name="compile_metrics")
        self.output_names = list(output_names)
        self.named_outputs = named_outputs
        self._user_metrics = metrics
        self._user_weighted = weighted_metrics
        self._specs = self._structure(metrics, "metrics")
        self._wspecs = self._structure(weighted_metrics, "weighted_metrics")
        self.entries = []          # (output index, Metric, weighted: bool)
        self.own_names = []        # the metrics' own names (before prefixes and _1 suffixes)
        self.built = False
        # validate unknown strings early (except the shape-dependent ones)
        for specs, arg in ((self._specs, "metrics"), (self._wspecs, "weighted_metrics")):
            for i, lst in enumerate(specs):
                for m in lst:
                    if isinstance(m, str) and m.lower() not in _ACC + _CE:
                        try:
                            metrics_module.get(m)
                        except ValueError as e:
                            raise ValueError(f"Invalid `{arg}` for output "
                                             f"{self.output_names[i]!r}: {e}") from None

    def _structure(self, spec, arg):
        n = len(self.output_names)
        if not spec:
            return [[] for _ in range(n)]
        if n == 1:
            if isinstance(spec, dict):
                _per_output(spec, self.output_names, arg, False)  # key check
                flat = []
                for v in spec.values():
                    flat.extend(_metric_list(v))
                return [flat]
            return [_metric_list(spec)]
        if isinstance(spec, dict):
            lists, _ = _per_output(spec, self.output_names, arg, False)
        elif isinstance(spec, (list, tuple)):
            if len(spec) != n:
                raise ValueError(
                    f"Invalid `{arg}`: for a model with {n} outputs {self.output_names}, pass a "
                    f"dict keyed by output name or a list with one entry (a metric or a list of "
                    f"metrics) per output; received a list of {len(spec)}: "
                    f"[{', '.join(_describe(s) for s in spec)}]")
            lists = list(spec)
        else:
            raise ValueError(f"Invalid `{arg}`: expected a list or a dict, received {spec!r}")
        return [_metric_list(v) for v in lists]

    def build(self, y_true_shapes, y_pred_shapes, output_losses):
        """Instantiate the metrics.

        Args:
            y_true_shapes, y_pred_shapes: per-output shapes (None for outputs without data).
            output_losses: per-output resolved loss (or None).
        """
        prefix = len(self.output_names) > 1 and self.named_outputs
        entries = []
        own = []  # each metric's own name (Keras's sub-metric names: evaluate's list order)
        used = {}

        def unique(name):
            if name not in used:
                used[name] = 1
                return name
            used[name] += 1
            return f"{name}_{used[name] - 1}"
        for weighted, specs in ((False, self._specs), (True, self._wspecs)):
            for i, lst in enumerate(specs):
                for spec in lst:
                    m = self._make(spec, y_true_shapes[i], y_pred_shapes[i], output_losses[i])
                    out = f"{self.output_names[i]}_" if prefix else ""
                    name = f"{out}{m.name}"
                    if weighted and name in used:
                        name = f"{out}weighted_{m.name}"
                    own.append(m.name)
                    m.name = unique(name)
                    entries.append((i, m, weighted))
        self.entries = entries
        self.own_names = own
        self.built = True

    def _make(self, spec, yt_shape, yp_shape, loss):
        if isinstance(spec, str) and spec.lower() in _ACC:
            if yt_shape is None:
                yt_shape = yp_shape
            return metrics_module.resolve_accuracy(spec, yt_shape, yp_shape, loss)
        if isinstance(spec, str) and spec.lower() in _CE:
            is_binary, is_sparse = _shape_kind(yt_shape or yp_shape, yp_shape)
            cls = (metrics_module.BinaryCrossentropy if is_binary else
                   metrics_module.SparseCategoricalCrossentropy if is_sparse else
                   metrics_module.CategoricalCrossentropy)
            return cls(name=spec)
        if isinstance(spec, metrics_module.Metric):
            m = spec
        else:
            m = metrics_module.get(spec)
        if isinstance(spec, str):
            m.name = spec
        return m

    @property
    def names(self):
        """Metric names, in entry order (list of str)."""
        return [m.name for _, m, _ in self.entries]

    def reset(self):
        """Calls ``reset_state()`` on every metric."""
        for _, m, _ in self.entries:
            m.reset_state()

    def update(self, y_true, y_pred_values, sample_weight=None, masks=None):
        """Update every metric with numpy targets and output values (lists per output).
        ``masks``: optional list (per output) of output masks (``y_pred._keras_mask``), folded
        into the sample weights as Keras 3 (masked entries are not counted)."""
        for i, m, weighted in self.entries:
            yt = y_true[i]
            if yt is None:
                continue
            sw = sample_weight[i] if (weighted and sample_weight is not None) else None
            if masks is not None and masks[i] is not None:
                sw = losses_module.apply_mask(sw, masks[i], reduction="sum")
            m.update_state(yt, y_pred_values[i], sample_weight=sw)

    def results(self):
        """``{metric name: float result}``."""
        return {m.name: float(m.result()) for _, m, _ in self.entries}

    # ---- the Metric interface (Keras 3 ``CompileMetrics``) ------------------------------------
    @property
    def metrics(self):
        """The resolved metric objects, in entry order (empty before the first data)."""
        return [m for _, m, _ in self.entries]

    @property
    def variables(self):
        """The state variables of the metrics that have them (``[]`` for float-state ones)."""
        out = []
        for m in self.metrics:
            out.extend(getattr(m, "variables", None) or [])
        return out

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every metric from the model's targets / outputs (structures as the model's
        outputs: one array or Tensor, a list in output order, or a dict by output name);
        resolves the metrics from the shapes on the first call.

        Raises:
            ValueError: a structure with the wrong number of outputs.
        """
        names = self.output_names
        ys = as_output_list(y_true, names)
        yp = as_output_list(y_pred, names)
        if len(ys) != len(names) or len(yp) != len(names):
            raise ValueError(f"compile_metrics: expected {len(names)} output(s) {names}, received "
                             f"{len(ys)} target(s) and {len(yp)} prediction(s)")
        ys = [None if a is None else np.asarray(getattr(a, "value", a)) for a in ys]
        yp = [np.asarray(getattr(a, "value", a)) for a in yp]
        if sample_weight is not None and not isinstance(sample_weight, (list, tuple, dict)):
            sws = [np.asarray(getattr(sample_weight, "value", sample_weight))] * len(names)
        elif sample_weight is not None:
            sws = [None if a is None else np.asarray(getattr(a, "value", a))
                   for a in as_output_list(sample_weight, names)]
        else:
            sws = None
        if not self.built:
            self.build([None if a is None else a.shape for a in ys], [a.shape for a in yp],
                       [None] * len(names))
        self.update(ys, yp, sws)

    def result(self):
        """``{metric name: float}`` for every metric."""
        return self.results()

    def reset_state(self):
        """Resets every metric."""
        self.reset()

    def get_config(self):
        """``{"metrics", "weighted_metrics"}`` serialized; custom metrics stored as ``{"custom":
        name}``.
        """
        def ser(spec):
            if spec is None or isinstance(spec, str):
                return spec
            if isinstance(spec, metrics_module.Metric) and \
                    type(spec).__name__ in metrics_module._CLASSES:
                # Keras 3's serialized form ("module" lets keras.saving locate the class)
                return {"module": "keras.metrics", "class_name": type(spec).__name__,
                        "config": spec.get_config(), "registered_name": None}
            return serialize_custom(spec)
        return {"metrics": _map_specs(self._user_metrics, ser),
                "weighted_metrics": _map_specs(self._user_weighted, ser)}


def serialize_custom(spec):
    """Keras 3's serialized form of a user loss / metric given to ``compile``: a function as
    ``{"module": "builtins", "class_name": "function", "config": <registered name>,
    "registered_name": "function"}``, an object with ``get_config`` as ``{"module": None,
    "class_name", "config", "registered_name"}``; found again on load through
    ``register_keras_serializable``, ``custom_objects`` or ``custom_object_scope``."""
    from pyfapi.utils.object_registration import get_registered_name
    if not isinstance(spec, type) and hasattr(spec, "get_config") and \
            not hasattr(spec, "__code__"):
        return {"module": None, "class_name": type(spec).__name__, "config": spec.get_config(),
                "registered_name": get_registered_name(type(spec))}
    return {"module": "builtins", "class_name": "function", "config": get_registered_name(spec),
            "registered_name": "function"}


def _map_specs(spec, fn):
    """``fn`` applied to every loss / metric spec of a nested dict / list / tuple structure (the
    ``compile`` arguments); dicts stay dicts, lists and tuples become lists."""
    if isinstance(spec, dict):
        return {k: _map_specs(v, fn) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_map_specs(v, fn) for v in spec]
    return fn(spec)


def _metric_list(spec):
    """One output's metrics as a flat list: nested lists / tuples opened, None dropped, and a
    dict (a serialized metric) kept whole (so not :func:`pyfapi.tree.flatten`)."""
    if spec is None:
        return []
    if isinstance(spec, (list, tuple)):
        out = []
        for s in spec:
            out.extend(_metric_list(s))
        return out
    return [spec]
