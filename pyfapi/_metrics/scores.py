"""Metrics with per-class state (Keras 3 formulas): :class:`FBetaScore` / :class:`F1Score`
(``f_score_metrics.py``), :class:`R2Score` and :class:`RootMeanSquaredError`
(``regression_metrics.py``), :class:`MeanIoU` (``iou_metrics.py``). State in variables named and
shaped as Keras 3's (those sized by the number of classes are made at the first batch, as Keras);
each batch is summed in float64 and added to them."""
from __future__ import annotations

import warnings

import numpy as np

from pyfapi.metrics import Mean, Metric, _add, _np

__all__ = ["FBetaScore", "F1Score", "R2Score", "RootMeanSquaredError", "MeanIoU"]

_EPS = 1e-7


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _check_2d(name, y_true, y_pred):
    if y_pred.ndim != 2 or y_true.ndim != 2:
        raise ValueError(f"{name} expects 2D inputs with shape (batch_size, output_dim). "
                         f"Received input shapes: y_pred.shape={y_pred.shape} and "
                         f"y_true.shape={y_true.shape}.")


class FBetaScore(Metric):
    """F-beta score per class, or averaged (Keras 3 ``FBetaScore``).

    ``y_pred`` is binarised with ``threshold`` (``y_pred > threshold``) or, when it is None, by
    marking each row's maximum (entries ``>= max`` and ``|y| > 1e-9``). Then
    ``precision = tp / (tp + fp + 1e-7)``, ``recall = tp / (tp + fn + 1e-7)``,
    ``f = (1 + beta^2) * p * r / (beta^2 * p + r + 1e-7)``.

    Args:
        average: None (per class, float32 array), ``"micro"`` (counts pooled over classes),
            ``"macro"`` (mean over classes), ``"weighted"`` (weighted by the support).
        beta: a positive Python float. threshold: None or a float in (0, 1].

    Raises:
        ValueError: Keras's checks on ``average`` / ``beta`` / ``threshold``; inputs not 2-D.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify 0 < "
                                 f"threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    _NAMES = ("true_positives", "false_positives", "false_negatives", "intermediate_weights")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's (weighted) tp / fp / fn / support per class (the variables
        ``true_positives``, ``false_positives``, ``false_negatives``, ``intermediate_weights``
        of shape ``(num_classes,)``, or scalars with ``average="micro"``, made at the first batch).

        Raises:
            ValueError: inputs not 2-D; a number of classes different from the first batch's.
        """
        yt = np.asarray(_np(y_true), dtype=np.float64)
        yp = np.asarray(_np(y_pred), dtype=np.float64)
        _check_2d(type(self).__name__, yt, yp)
        if self.threshold is None:
            yp = ((yp >= yp.max(axis=-1, keepdims=True)) & (np.abs(yp) > 1e-9))
        else:
            yp = yp > self.threshold
        yp = yp.astype(np.float64)
        w = None if sample_weight is None else \
            np.asarray(_np(sample_weight), dtype=np.float64).reshape(-1, 1)

        def wsum(v):
            if w is not None:
                v = v * w
            return np.sum(v, axis=self.axis)

        vals = (wsum(yp * yt), wsum(yp * (1 - yt)), wsum((1 - yp) * yt), wsum(yt))
        if not self._built:
            for vname in self._NAMES:
                setattr(self, vname, self.add_weight(shape=np.shape(vals[0]),
                                                     initializer="zeros", name=vname))
            self._built = True
        elif self.true_positives.value.shape != np.shape(vals[0]):
            raise ValueError(f"{self.name}: the number of classes changed from "
                             f"{self.true_positives.value.shape} to {np.shape(vals[0])}")
        for vname, v in zip(self._NAMES, vals):
            _add(getattr(self, vname), v)

    def result(self):
        """The score: a float, or a float32 array per class with ``average=None`` (0.0 before
        the first batch)."""
        if not self._built:
            return 0.0
        tp, fp, fn, support = (getattr(self, n).value.astype(np.float64) for n in self._NAMES)
        p = tp / (tp + fp + _EPS)
        r = tp / (tp + fn + _EPS)
        b2 = self.beta ** 2
        f = (p * r) / (b2 * p + r + _EPS) * (1 + b2)
        if self.average == "weighted":
            return float(np.sum(f * support / (np.sum(support) + _EPS)))
        if self.average is not None:
            return float(np.mean(f))
        return f.astype(np.float32)

    def get_config(self):
        """average, beta, threshold, name, dtype."""
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """:class:`FBetaScore` with ``beta=1`` (Keras 3 ``F1Score``)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """average, threshold, name, dtype."""
        c = super().get_config()
        del c["beta"]
        return c


class R2Score(Metric):
    """Coefficient of determination per output column, aggregated (Keras 3 ``R2Score``).

    ``r2 = 1 - sum(w (y - y_hat)^2) / (sum(w y^2) - sum(w y)^2 / sum(w))`` per column (an
    infinite value, from a constant target, becomes 0), then ``"uniform_average"`` (mean),
    ``"variance_weighted_average"`` or None (per column). With ``num_regressors = p > 0`` the
    adjusted ``1 - (1 - r2) (n - 1) / (n - p - 1)`` where ``n`` counts target ELEMENTS as Keras.

    Raises:
        ValueError: unknown ``class_aggregation``, negative ``num_regressors``, inputs not 2-D.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate weighted sums of y, y^2 and squared errors per column (the variables
        ``squared_sum``, ``sum``, ``residual`` and ``count`` of shape ``(num_columns,)``, made at
        the first batch after ``num_samples``, as Keras).

        Raises:
            ValueError: inputs not 2-D; a number of columns different from the first batch's.
        """
        yt = np.asarray(_np(y_true), dtype=np.float64)
        yp = np.asarray(_np(y_pred), dtype=np.float64)
        if yt.ndim == yp.ndim - 1:
            yt = yt[..., None]
        elif yp.ndim == yt.ndim - 1:
            yp = yp[..., None]
        _check_2d("R2Score", yt, yp)
        if sample_weight is None:
            w = np.ones_like(yt)
        else:
            w = np.asarray(_np(sample_weight), dtype=np.float64)
            if w.ndim == 1:
                w = w[:, None]
            w = np.broadcast_to(w, yt.shape)
        cols = yt.shape[1]
        if not self._built:
            for attr, vname in (("squared_sum", "squared_sum"), ("sum", "sum"),
                                ("total_mse", "residual"), ("count", "count")):
                setattr(self, attr, self.add_weight(shape=(cols,), initializer="zeros",
                                                    name=vname))
            self._built = True
        elif self.sum.value.shape != (cols,):
            raise ValueError(f"R2Score: expected {self.sum.value.shape[0]} output columns, "
                             f"received {cols}")
        _add(self.sum, np.sum(yt * w, axis=0))
        _add(self.squared_sum, np.sum(yt * yt * w, axis=0))
        _add(self.total_mse, np.sum((yt - yp) ** 2 * w, axis=0))
        _add(self.count, np.sum(w, axis=0))
        _add(self.num_samples, yt.size)

    def result(self):
        """R2 (a float, or a float32 array per column when ``class_aggregation=None``)."""
        if not self._built:
            return 0.0
        sm, sq, mse, cnt = (v.value.astype(np.float64) for v in
                            (self.sum, self.squared_sum, self.total_mse, self.count))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = sm / cnt
            total = sq - sm * mean
            raw = 1 - mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = np.sum(total * raw) / np.sum(total)
        else:
            r2 = raw
        if self.num_regressors != 0:
            n, p = float(self.num_samples.value), self.num_regressors
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard "
                              "R2 score.", stacklevel=2)
            else:
                r2 = 1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0)
        return float(r2) if np.ndim(r2) == 0 else np.asarray(r2, dtype=np.float32)

    def get_config(self):
        """class_aggregation, num_regressors, name, dtype."""
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class RootMeanSquaredError(Mean):
    """``sqrt(weighted mean of (y_pred - y_true)^2)`` over all elements (Keras 3
    ``RootMeanSquaredError``)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the squared errors (weighted, weights broadcast over trailing axes)."""
        yt = np.asarray(_np(y_true), dtype=np.float64)
        yp = np.asarray(_np(y_pred), dtype=np.float64)
        if yt.ndim == yp.ndim - 1 and yp.shape[-1] == 1:
            yt = yt[..., None]
        elif yt.ndim == yp.ndim + 1 and yt.shape[-1] == 1:
            yt = yt[..., 0]
        super().update_state(np.square(yp - yt), sample_weight)

    def result(self):
        """The root of the mean (0.0 before any update)."""
        return float(np.sqrt(super().result()))


class MeanIoU(Metric):
    """Mean intersection-over-union over classes (Keras 3 ``MeanIoU``).

    A weighted confusion matrix ``cm[true, pred]`` is accumulated; per class
    ``iou = cm[c, c] / (row_c + col_c - cm[c, c])``; the result is the mean over classes whose
    denominator is non-zero.

    Args:
        num_classes: number of classes (a positive int).
        ignore_class: a class id whose pixels are skipped.
        sparse_y_true / sparse_y_pred: the inputs are class ids (True, default) or scores whose
            argmax along ``axis`` is taken (False).
        axis: the class axis for the argmax.

    Ids outside ``[0, num_classes)`` are skipped, as Keras's bounds mask does. As in Keras, the
    default ``dtype`` is ``"int"``: float sample weights are truncated to integers (with Keras's
    warning); pass ``dtype="float32"`` for fractional weights. State: the variable
    ``total_confusion_matrix`` of shape ``(num_classes, num_classes)`` (int32 by default, as Keras
    on JAX).
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or \
                num_classes < 1:
            raise ValueError(f"MeanIoU: num_classes must be a positive integer, received "
                             f"{num_classes!r}")
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight(shape=(self.num_classes, self.num_classes),
                                        initializer="zeros", name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted confusion matrix."""
        yt = np.asarray(_np(y_true))
        yp = np.asarray(_np(y_pred))
        if not self.sparse_y_true:
            yt = np.argmax(yt, axis=self.axis)
        if not self.sparse_y_pred:
            yp = np.argmax(yp, axis=self.axis)
        yt = yt.reshape(-1).astype(np.float64)
        yp = yp.reshape(-1).astype(np.float64)
        if yt.shape != yp.shape:
            raise ValueError(f"{self.name}: y_true holds {yt.size} ids and y_pred {yp.size}")
        if sample_weight is None:
            w = np.ones_like(yt)
        else:
            w = np.asarray(_np(sample_weight))
            if "int" in str(self.dtype):
                if w.dtype.kind == "f":
                    warnings.warn("You are passing weight as `float`, but dtype is `int`. This "
                                  "may result in an incorrect weight due to type casting "
                                  "Consider using integer weights.", stacklevel=2)
                w = w.astype(np.int64)  # Keras casts to the metric's (int) dtype: truncation
            w = np.broadcast_to(w.astype(np.float64).reshape(-1), yt.shape)
        nc = self.num_classes
        ok = (yt >= 0) & (yt < nc) & (yp >= 0) & (yp < nc)
        if self.ignore_class is not None:
            ok &= yt != self.ignore_class
        t = yt[ok].astype(np.int64)
        p = yp[ok].astype(np.int64)
        _add(self.total_cm,
             np.bincount(t * nc + p, weights=w[ok], minlength=nc * nc).reshape(nc, nc))

    def result(self):
        """The mean IoU over classes present (a float)."""
        cm = self.total_cm.value.astype(np.float64)
        tp = np.diag(cm)
        denom = cm.sum(axis=0) + cm.sum(axis=1) - tp
        valid = np.sum(denom > 1e-9)
        iou = _div(tp, denom)
        return float(_div(np.sum(iou), valid))

    def get_config(self):
        """num_classes, ignore_class, sparse flags, axis, name, dtype."""
        return {**super().get_config(), "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
