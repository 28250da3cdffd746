"""Metrics: stateful classes (``update_state`` / ``result`` / ``reset_state``) computed in numpy.

Metrics never touch the autodiff tape: ``fit`` passes them the numpy values of the outputs. As in
Keras 3, a metric's state lives in non-trainable variables made by ``add_weight`` (``Mean``:
``total`` and ``count``; the confusion metrics: ``true_positives``...; same names, shapes and
dtypes as Keras's), listed by ``metric.variables``, zeroed by ``reset_state`` and driven by the
stateless API (``stateless_update_state`` / ``stateless_result`` / ``stateless_reset_state``). A
batch is summed in float64, then added to the variables (float32 by default), so a metric over an
epoch is the mean over samples whatever the batch size.

Functions (per-sample values, numpy in and out; Keras 3 formulas):
``binary_accuracy(y_true, y_pred, threshold=0.5)``, ``categorical_accuracy``,
``sparse_categorical_accuracy``, ``accuracy`` (exact equality), ``mean_squared_error``,
``mean_absolute_error``, ``binary_crossentropy``, ``categorical_crossentropy``,
``sparse_categorical_crossentropy``.

Classes: ``Metric`` (base), ``Mean``, ``Sum``, ``MeanMetricWrapper``, ``Accuracy``,
``BinaryAccuracy``, ``CategoricalAccuracy``, ``SparseCategoricalAccuracy``, ``MeanSquaredError``,
``MeanAbsoluteError``, ``BinaryCrossentropy``, ``CategoricalCrossentropy``,
``SparseCategoricalCrossentropy``. ``get(identifier)`` resolves strings.

``'acc'`` / ``'accuracy'`` given to ``compile`` are resolved per output by
:func:`resolve_accuracy` as Keras 3's ``compile_utils.get_metric`` does (binary when the output has
one unit, sparse when ``y_true`` has a lower rank or a last axis of 1 against several classes,
categorical otherwise). Only the shapes decide, never the loss: 2 sigmoid units trained with
``binary_crossentropy`` against ``(n, 2)`` targets get ``CategoricalAccuracy``, as in Keras 3.
"""
from __future__ import annotations

import numpy as np

from pyfapi.utils.naming import to_snake_case
from pyfapi.utils.serialization import deserialize_object, get_object

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "MeanAbsolutePercentageError",
    "KLDivergence", "CosineSimilarity", "TruePositives", "TrueNegatives", "FalsePositives",
    "FalseNegatives", "Precision", "Recall", "AUC", "F1Score", "FBetaScore", "R2Score",
    "RootMeanSquaredError", "MeanIoU", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_absolute_percentage_error", "kl_divergence",
    "cosine_similarity", "mape", "kld", "accuracy", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "get", "deserialize",
    "resolve_accuracy",
]

_EPS = 1e-7


def _np(x):
    if type(x) is np.ndarray:
        return x
    v = getattr(x, "value", None)
    return v if isinstance(v, np.ndarray) else np.asarray(x)


def _same_rank(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank for a last axis of 1."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape + (1,))
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true


# ---- per-sample functions (numpy) ----------------------------------------------------------------
def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` elementwise (Keras ``accuracy``), mean over the last axis."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _same_rank(y_true, y_pred)
    eq = (y_true == y_pred).astype(np.float32)
    return eq.mean(axis=-1) if eq.ndim > 1 else eq


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-sample fraction of ``(y_pred > threshold) == y_true`` over the last axis (Keras 3)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _same_rank(y_true, y_pred)
    eq = (y_true == (y_pred > threshold)).astype(np.float32)
    return eq.mean(axis=-1) if eq.ndim > 1 else eq


def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true, -1) == argmax(y_pred, -1)`` (Keras 3), shape ``batch``."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals ``argmax(y_pred, -1)`` (Keras 3)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float32)


def mean_squared_error(y_true, y_pred):
    """Per-sample ``mean((y_true - y_pred)**2, axis=-1)`` in numpy."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _same_rank(y_true, y_pred)
    return np.mean(np.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample ``mean(|y_true - y_pred|, axis=-1)`` in numpy."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    y_true = _same_rank(y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Per-sample binary crossentropy in numpy (Keras 3 clipping, epsilon 1e-7)."""
    y_true, y_pred = _np(y_true), _np(y_pred).astype(np.float64)
    y_true = _same_rank(y_true, y_pred)
    if from_logits:
        y_pred = 1.0 / (1.0 + np.exp(-y_pred))
    p = np.clip(y_pred, _EPS, 1.0 - _EPS)
    return -np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-sample categorical crossentropy in numpy (Keras 3 normalisation and clipping)."""
    y_true, y_pred = _np(y_true), _np(y_pred).astype(np.float64)
    if from_logits:
        z = y_pred - y_pred.max(axis=-1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    else:
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        log_p = np.log(np.clip(p, _EPS, 1.0 - _EPS))
    return -np.sum(y_true * log_p, axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Per-sample sparse categorical crossentropy in numpy."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    onehot = np.zeros(y_pred.shape, dtype=np.float64)
    np.put_along_axis(onehot, y_true.astype(np.intp)[..., None], 1.0, axis=-1)
    return categorical_crossentropy(onehot, y_pred, from_logits=from_logits)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class ranks within the ``k`` highest scores (Keras 3:
    rank = 1 + number of strictly higher scores, so ties count in; a NaN score never does)."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    return sparse_top_k_categorical_accuracy(np.argmax(y_true, axis=-1), y_pred, k=k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label ranks within the ``k`` highest scores (Keras 3 ``in_top_k``).

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score and the label must
    be among its first ``k``.
    """
    y_true, y_pred = _np(y_true), _np(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    labels = y_true.astype(np.int64)
    if from_sorted_ids:
        return np.any(y_pred[..., :k] == labels[..., None], axis=-1).astype(np.float32)
    flat = y_pred.reshape(-1, y_pred.shape[-1])
    lab = labels.reshape(-1)
    if lab.size and (lab.min() < 0 or lab.max() >= flat.shape[-1]):
        raise ValueError(f"top-k accuracy: labels must be in [0, {flat.shape[-1]}), received "
                         f"{int(lab.min())}..{int(lab.max())}")
    at = flat[np.arange(flat.shape[0]), lab]
    at = np.where(np.isnan(at), -np.inf, at)
    rank = 1 + np.sum(flat > at[:, None], axis=-1)
    return (rank <= k).astype(np.float32).reshape(labels.shape)


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample ``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7), axis=-1)`` (Keras 3)."""
    y_true, y_pred = _np(y_true), _np(y_pred).astype(np.float64)
    y_true = _same_rank(y_true, y_pred).astype(np.float64)
    diff = np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), _EPS))
    return 100.0 * np.mean(diff, axis=-1)


def kl_divergence(y_true, y_pred):
    """Per-sample ``sum(t * log(t / p), axis=-1)`` with both clipped to ``[1e-7, 1]`` (Keras 3).
    """
    y_true, y_pred = _np(y_true), _np(y_pred).astype(np.float64)
    y_true = np.clip(_same_rank(y_true, y_pred).astype(np.float64), _EPS, 1.0)
    y_pred = np.clip(y_pred, _EPS, 1.0)
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def _l2_normalize(x, axis):
    sq = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inv = np.minimum(1.0 / np.sqrt(sq), 1.0 / _EPS)
    return x * inv


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine of the angle between ``y_true`` and ``y_pred`` along ``axis`` (Keras 3
    metric: both L2-normalised with the norm floored at 1e-7; a zero vector gives 0)."""
    y_true, y_pred = _np(y_true), _np(y_pred).astype(np.float64)
    y_true = _same_rank(y_true, y_pred).astype(np.float64)
    return np.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


mse = mean_squared_error
mae = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kullback_leibler_divergence = kl_divergence


# ---- stateful classes ----------------------------------------------------------------------------
class Metric:
    """Base class of stateful metrics (Keras 3 ``keras.metrics.Metric``).

    Subclasses implement ``update_state(...)``, ``result()`` and ``reset_state()``. Calling a
    metric updates it and returns the result.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"

    def update_state(self, *args, **kwargs):
        """Accumulates a batch into the metric state; abstract (raises NotImplementedError)."""
        raise NotImplementedError

    def result(self):
        """Returns the current metric value; abstract (raises NotImplementedError)."""
        raise NotImplementedError

    def reset_state(self):
        """Sets every variable made by :meth:`add_weight` back to zeros (Keras 3's default);
        metrics keeping other state override it."""
        for v in self.variables:
            v.assign(np.zeros(v.value.shape, dtype=v.value.dtype))

    # ---- state variables (Keras 3 ``Metric.add_weight`` / ``variables`` / stateless API) ------
    def add_weight(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A non-trainable :class:`pyfapi.Variable` holding part of the metric's state.

        Args:
            shape: tuple of ints (default scalar).
            initializer: initializer name / config / callable (default ``"zeros"``).
            dtype: default the metric's dtype.
            aggregation: how distributed training combines it (stored on the variable).
            name: the variable's name (path ``"<metric name>/<name>"``).

        Returns:
            The Variable (also listed in :attr:`variables`); update it with ``assign`` /
            ``assign_add`` / ``assign_sub``.
        """
        from pyfapi.autodiff import Variable
        dtype = _state_dtype(dtype or self.dtype)
        if isinstance(initializer, str) and initializer.lower() == "zeros":
            initializer = np.zeros(tuple(shape), dtype=dtype)  # integer counts too
        var = Variable(initializer, shape=tuple(shape), dtype=dtype,
                       trainable=False, aggregation=aggregation, name=name)
        var.path = f"{self.name}/{var.name}"
        self.__dict__.setdefault("_variables", []).append(var)
        return var

    add_variable = add_weight

    @property
    def variables(self):
        """The metric's state variables (its own, then those of metrics held as attributes)."""
        out = list(self.__dict__.get("_variables", ()))
        for value in self.__dict__.values():
            if isinstance(value, Metric) and value is not self:
                out.extend(value.variables)
        return out

    def _swap_values(self, values):
        variables = self.variables
        values = list(values)
        if len(values) != len(variables):
            raise ValueError(f"Metric {self.name!r} has {len(variables)} variables; received "
                             f"{len(values)} values")
        old = [v.value.copy() for v in variables]
        for v, a in zip(variables, values):
            v.assign(np.asarray(getattr(a, "value", a)))
        return variables, old

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """``update_state`` on the given variable values without changing the metric; returns
        the new values (Keras 3 stateless API)."""
        variables, old = self._swap_values(metric_variables)
        try:
            self.update_state(*args, **kwargs)
            return [v.value.copy() for v in variables]
        finally:
            for v, a in zip(variables, old):
                v.assign(a)

    def stateless_result(self, metric_variables):
        """``result()`` computed from the given variable values (the metric is unchanged)."""
        variables, old = self._swap_values(metric_variables)
        try:
            r = self.result()
            return np.array(getattr(r, "value", r), copy=True)
        finally:
            for v, a in zip(variables, old):
                v.assign(a)

    def stateless_reset_state(self):
        """The variable values after ``reset_state()`` (the metric is unchanged)."""
        variables, old = self._swap_values([v.value for v in self.variables])
        try:
            self.reset_state()
            return [v.value.copy() for v in variables]
        finally:
            for v, a in zip(variables, old):
                v.assign(a)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """``{"name": ..., "dtype": ...}``."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _state_dtype(dtype):
    """The numpy dtype of a metric's state variables: Keras's ``"int"`` is int32 (as Keras 3 on
    JAX, which has no int64 by default)."""
    return "int32" if dtype in ("int", int) else dtype


def _add(var, delta):
    """``var += delta`` in place (cast to the variable's dtype, as Keras's ``assign_add``)."""
    v = var.value
    if v.ndim == 0 and v.dtype.kind == "f" and isinstance(delta, (float, int)):
        # a scalar state (every update of Mean / Sum): ~5x cheaper than np.add on 0-d arrays.
        # delta is rounded to the dtype first; adding in double and rounding again gives the
        # dtype's correctly rounded sum (53 >= 2p + 2 bits: double rounding is innocuous)
        v.fill(float(v) + float(v.dtype.type(delta)))
    else:
        np.add(v, delta, out=v, casting="unsafe")
    var._version += 1


class Mean(Metric):
    """Weighted mean of the values given: ``sum(w * v) / sum(w)`` (Keras 3 ``Mean``).

    State: the variables ``total`` and ``count`` (scalars of the metric's dtype, float32 by
    default, as Keras: per-sample sums, see ``update_state``).
    ``update_state(values, sample_weight=None)``: ``values`` any shape (axis 0 the samples);
    ``sample_weight`` a scalar (the weight of the whole batch, e.g. its size) or an array
    broadcastable to ``values``. ``result()`` is a Python float (0.0 before any update).
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight(shape=(), initializer="zeros", name="total")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Adds the batch to ``total`` and ``count`` as Keras 3's ``reduce_to_samplewise_values``:
        values are averaged over the axes the weight lacks, multiplied by the (broadcast)
        weight, then averaged to one value per sample; ``total += sum`` of those and ``count +=``
        the number of samples (no weight) or the sum of the weights (averaged over their own
        non-batch axes). A scalar weight ``w`` adds ``w * mean(values)`` and ``w``. Summed in
        float64, then added to the variables. A weight with an extra trailing axis of 1 is
        squeezed first.

        Raises:
            ValueError: a weight that cannot be broadcast to the values.
        """
        v = values if type(values) is np.ndarray else _np(values)
        if sample_weight is None:  # (ndarray methods: np.sum's wrapper costs ~1 us a call)
            if v.ndim > 1:
                v = v.mean(axis=tuple(range(1, v.ndim)), dtype=np.float64)
            _add(self.total, float(v.sum(dtype=np.float64)))
            _add(self.count, v.shape[0] if v.ndim else 1)
            return
        if np.ndim(sample_weight) == 0:  # fast path (the loss trackers: the batch size)
            w = float(np.asarray(getattr(sample_weight, "value", sample_weight)))
            _add(self.total, float(v.mean(dtype=np.float64)) * w if v.size else 0.0)
            _add(self.count, w)
            return
        w = _np(sample_weight).astype(np.float64)
        v = v.astype(np.float64)
        if w.ndim > v.ndim and w.shape[-1] == 1:
            w = w.reshape(w.shape[:-1])
        wnd = w.ndim
        if v.ndim > wnd:
            v = v.mean(axis=tuple(range(wnd, v.ndim)))
        try:
            w = np.broadcast_to(w, v.shape)
        except ValueError:
            raise ValueError(f"{self.name}: sample_weight of shape {np.shape(sample_weight)} "
                             f"cannot be broadcast to the values' shape {v.shape}") from None
        v = v * w
        if wnd > 1:
            w = w.mean(axis=tuple(range(1, wnd)))
        if v.ndim > 1:
            v = v.mean(axis=tuple(range(1, v.ndim)))
        _add(self.total, np.sum(v))
        _add(self.count, np.sum(w))

    def result(self):
        """``total / count`` (in the variables' dtype) as a Python float; 0.0 when count is 0."""
        c = self.count.value
        return float(self.total.value / c) if c else 0.0


class Sum(Metric):
    """Running (weighted) sum of the values given. State: the variable ``total`` (Keras 3)."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        """Adds ``sum(values * sample_weight)`` (summed in float64) to the total; a lower-rank
        weight is broadcast over trailing axes.
        """
        v = _np(values).astype(np.float64)
        if sample_weight is not None:
            w = _np(sample_weight).astype(np.float64)
            if w.ndim < v.ndim:
                w = w.reshape(w.shape + (1,) * (v.ndim - w.ndim))
            v = v * w
        _add(self.total, np.sum(v))

    def result(self):
        """The running total as a Python float."""
        return float(self.total.value)


class MeanMetricWrapper(Mean):
    """The mean over samples of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    ``fn`` may be a numpy function (the ones of this module) or any callable returning something
    ``numpy.asarray`` accepts (a pyfapi Tensor included).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Computes per-sample ``fn(y_true, y_pred, **kwargs)`` and adds it to the weighted mean."""
        mask = getattr(y_pred, "_keras_mask", None)  # Keras 3: masked entries not counted
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            from pyfapi.losses import apply_mask
            sample_weight = apply_mask(sample_weight, mask, reduction="sum")
        super().update_state(_np(values), sample_weight)

    def get_config(self):
        """Metric config plus the extra ``fn`` keyword arguments."""
        c = super().get_config()
        c.update(self._fn_kwargs)
        return c


def _wrapper_class(fn, default_name, doc, **fixed):
    class _M(MeanMetricWrapper):
        def __init__(self, name=default_name, dtype=None, **kwargs):
            kw = dict(fixed)
            kw.update(kwargs)
            super().__init__(fn, name=name, dtype=dtype, **kw)

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    _M.__doc__ = doc
    return _M


Accuracy = _wrapper_class(accuracy, "accuracy", "Fraction of exact matches (Keras Accuracy).")
Accuracy.__name__ = Accuracy.__qualname__ = "Accuracy"
CategoricalAccuracy = _wrapper_class(
    categorical_accuracy, "categorical_accuracy",
    "Fraction of samples whose argmax matches the one-hot target (Keras CategoricalAccuracy).")
CategoricalAccuracy.__name__ = CategoricalAccuracy.__qualname__ = "CategoricalAccuracy"
SparseCategoricalAccuracy = _wrapper_class(
    sparse_categorical_accuracy, "sparse_categorical_accuracy",
    "Fraction of samples whose argmax equals the integer label (Keras SparseCategoricalAccuracy).")
SparseCategoricalAccuracy.__name__ = SparseCategoricalAccuracy.__qualname__ = \
    "SparseCategoricalAccuracy"
MeanSquaredError = _wrapper_class(mean_squared_error, "mean_squared_error",
                                  "Mean squared error over samples.")
MeanSquaredError.__name__ = MeanSquaredError.__qualname__ = "MeanSquaredError"
MeanAbsoluteError = _wrapper_class(mean_absolute_error, "mean_absolute_error",
                                   "Mean absolute error over samples.")
MeanAbsoluteError.__name__ = MeanAbsoluteError.__qualname__ = "MeanAbsoluteError"
BinaryCrossentropy = _wrapper_class(binary_crossentropy, "binary_crossentropy",
                                    "Mean binary crossentropy over samples.")
BinaryCrossentropy.__name__ = BinaryCrossentropy.__qualname__ = "BinaryCrossentropy"
CategoricalCrossentropy = _wrapper_class(categorical_crossentropy, "categorical_crossentropy",
                                         "Mean categorical crossentropy over samples.")
CategoricalCrossentropy.__name__ = CategoricalCrossentropy.__qualname__ = \
    "CategoricalCrossentropy"
SparseCategoricalCrossentropy = _wrapper_class(
    sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
    "Mean sparse categorical crossentropy over samples.")
SparseCategoricalCrossentropy.__name__ = SparseCategoricalCrossentropy.__qualname__ = \
    "SparseCategoricalCrossentropy"


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose one-hot class is within the ``k`` (default 5) highest scores
    (Keras 3 ``TopKCategoricalAccuracy``)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose integer label is within the ``k`` highest scores (Keras 3
    ``SparseTopKCategoricalAccuracy``, ``from_sorted_ids`` included)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean over samples of :func:`mean_absolute_percentage_error` (Keras 3)."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """Mean over samples of :func:`kl_divergence` (Keras 3 ``KLDivergence``)."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean over samples of :func:`cosine_similarity` along ``axis`` (Keras 3)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of ``(y_pred > threshold) == y_true`` (Keras 3 ``BinaryAccuracy``, threshold 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold



from pyfapi._metrics.confusion import (  # noqa: E402  (they subclass Metric above)
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives)
from pyfapi._metrics.scores import (  # noqa: E402
    F1Score, FBetaScore, MeanIoU, R2Score, RootMeanSquaredError)

_BY_NAME = {
    "accuracy": Accuracy, "acc": Accuracy,
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mape": MeanAbsolutePercentageError, "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence, "rmse": RootMeanSquaredError,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
}
_CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    MeanAbsolutePercentageError, KLDivergence, CosineSimilarity, TruePositives, TrueNegatives,
    FalsePositives, FalseNegatives, Precision, Recall, AUC, F1Score, FBetaScore, R2Score,
    RootMeanSquaredError, MeanIoU)}
# Keras 3 also resolves every class by its snake_case name ("precision", "auc", "f1_score")
for _name, _cls in list(_CLASSES.items()):
    _BY_NAME.setdefault(to_snake_case(_name), _cls)


def get(identifier):
    """Resolve a metric: a name (``'mse'``, ``'binary_accuracy'``, ``'CategoricalAccuracy'``
    ...; a fresh :class:`Metric`), a config dict, a Metric instance (returned as is), a Metric
    class, a callable ``fn(y_true, y_pred)`` (wrapped in :class:`MeanMetricWrapper`), or None
    (returned).

    Raises:
        ValueError: an unknown name (the message lists the known ones), a class that is not a
            Metric, or another type (Keras 3's "Could not interpret metric identifier").
    """
    return get_object(identifier, "metric", (_BY_NAME, _CLASSES), deserialize, lower=True,
                      instance_of=Metric, wrap_callable=_wrap_function)


def deserialize(config, custom_objects=None):
    """A metric from its Keras config dict ``{"class_name", "config", ...}`` (Keras 3
    ``keras.metrics.deserialize``); registered and ``custom_objects`` classes too.

    Raises:
        ValueError: not a config dict, or an unknown class name.
    """
    return deserialize_object(config, "metric", _CLASSES, {}, custom_objects)


def _wrap_function(fn):
    return MeanMetricWrapper(fn, name=getattr(fn, "__name__", "metric"))


def resolve_accuracy(name, y_true_shape, y_pred_shape, loss=None):
    """The accuracy metric Keras 3 picks for ``'acc'`` / ``'accuracy'`` on one output.

    Args:
        name: the string given (becomes the metric's name).
        y_true_shape, y_pred_shape: shapes (batch axis included or not, consistently).
        loss: accepted for backward compatibility and ignored: Keras 3 decides from the shapes
            only (``is_binary_or_sparse_categorical``).

    Returns:
        :class:`BinaryAccuracy` when the prediction's last axis is 1; else
        :class:`SparseCategoricalAccuracy` when ``y_true`` has a lower rank than ``y_pred`` or a
        last axis of 1; else :class:`CategoricalAccuracy`. Named ``name``.
    """
    p_last = y_pred_shape[-1] if len(y_pred_shape) else 1
    t_last = y_true_shape[-1] if len(y_true_shape) else 1
    if p_last == 1:
        return BinaryAccuracy(name=name)
    if len(y_true_shape) < len(y_pred_shape) or (t_last == 1 and p_last != 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)

