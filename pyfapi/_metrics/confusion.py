"""Thresholded confusion counts and the metrics built on them (Keras 3
``keras/src/metrics/confusion_metrics.py`` and ``metrics_utils.update_confusion_matrix_variables``).

A prediction counts as positive at threshold ``t`` when ``y_pred > t`` (strictly); ``y_true`` is
positive when non-zero. Counts are weighted by ``sample_weight`` (broadcast to ``y_pred``'s shape).
Per threshold, a batch's counts are found in float64 with one ``searchsorted`` over the sorted
thresholds and a reversed cumulative sum, O(n log T) per batch, then added to the metric's state
variables, named and shaped as Keras 3's (``accumulator`` for TruePositives & co.;
``true_positives`` / ``false_positives`` for Precision; ``true_positives`` / ``false_negatives`` for
Recall; all four, ``(num_thresholds[, num_labels])``, for AUC; float32 by default).
"""
from __future__ import annotations

import numpy as np

from pyfapi.metrics import Metric, _add, _np

__all__ = ["TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives", "Precision",
           "Recall", "AUC"]

_EPS = 1e-7
NEG_INF = -1e10


def _thresholds(thresholds, default):
    t = default if thresholds is None else thresholds
    single = np.ndim(t) == 0
    arr = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"thresholds must be a float or a non-empty list of floats, received "
                         f"{thresholds!r}")
    return arr, single


def _broadcast_weight(sample_weight, shape):
    if sample_weight is None:
        return None
    w = np.asarray(_np(sample_weight), dtype=np.float64)
    if w.ndim and len(shape) and w.ndim < len(shape):
        w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} cannot be broadcast "
                         f"to the predictions' shape {shape}") from None


def _same_rank(y_true, y_pred):
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true of shape {y_true.shape} does not match y_pred of shape "
                         f"{y_pred.shape}")
    return y_true


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None):
    """Weighted ``(tp, fp, tn, fn)`` per threshold (float64 arrays of ``len(thresholds)``) over all
    elements of ``y_true`` / ``y_pred`` (flattened). ``thresholds`` must be sorted ascending."""
    yp = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    pos = (np.asarray(y_true).reshape(-1) != 0)
    w = np.ones_like(yp) if sample_weight is None else \
        np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    nt = len(thresholds)
    # k = number of thresholds strictly below the prediction: positive at thresholds[:k]
    k = np.searchsorted(thresholds, yp, side="left")
    wp = np.bincount(k, weights=w * pos, minlength=nt + 1)
    wn = np.bincount(k, weights=w * ~pos, minlength=nt + 1)
    # above[t] = sum over predictions with k > t  (reverse cumulative sum, shifted by one)
    tp = np.cumsum(wp[::-1])[::-1][1:]
    fp = np.cumsum(wn[::-1])[::-1][1:]
    total_p = wp.sum()
    total_n = wn.sum()
    return tp, fp, total_n - fp, total_p - tp


class _ConfusionBase(Metric):
    """Shared ``update_state`` of the confusion metrics: thresholds, top_k, class_id.

    ``_state``: ``(count, variable name)`` of the counts kept (count one of ``tp``, ``fp``,
    ``tn``, ``fn``), each a variable of shape ``(len(thresholds),)`` held in the attribute of its
    name, as Keras (``metric.true_positives``)."""

    _state = (("tp", "true_positives"), ("fp", "false_positives"))

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None,
                 default_threshold=0.5):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                                  or top_k < 1):
            raise ValueError(f"top_k must be a positive integer or None, received {top_k!r}")
        if class_id is not None and (isinstance(class_id, bool) or
                                     not isinstance(class_id, int) or class_id < 0):
            raise ValueError(f"class_id must be a non-negative integer or None, received "
                             f"{class_id!r}")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = default_threshold if top_k is None else NEG_INF
        arr, single = _thresholds(thresholds, default)
        self._order = np.argsort(arr, kind="stable")
        self.thresholds = arr
        self._single = single
        n = len(arr)
        for _, vname in self._state:
            setattr(self, vname, self.add_weight(shape=(n,), initializer="zeros", name=vname))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's weighted counts at every threshold.

        Raises:
            ValueError: shapes that do not match, a ``class_id`` beyond the last axis.
        """
        yp = np.asarray(_np(y_pred), dtype=np.float64)
        yt = _same_rank(np.asarray(_np(y_true)), yp)
        w = _broadcast_weight(sample_weight, yp.shape)
        if self.top_k is not None:
            # exactly the k largest of each row stay (ties: the lower index first, as top_k)
            k = min(self.top_k, yp.shape[-1])
            idx = np.argsort(-yp, axis=-1, kind="stable")[..., :k]
            keep = np.zeros(yp.shape, dtype=bool)
            np.put_along_axis(keep, idx, True, axis=-1)
            yp = np.where(keep, yp, NEG_INF)
        if self.class_id is not None:
            if self.class_id >= yp.shape[-1]:
                raise ValueError(f"{self.name}: class_id={self.class_id} is out of range for "
                                 f"predictions with {yp.shape[-1]} classes")
            yp = yp[..., self.class_id]
            yt = yt[..., self.class_id]
            w = None if w is None else w[..., self.class_id]
        thr = self.thresholds[self._order]
        tp, fp, tn, fn = confusion_counts(yt, yp, thr, w)
        inv = np.empty_like(self._order)
        inv[self._order] = np.arange(len(self._order))
        counts = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        for kind, vname in self._state:
            _add(getattr(self, vname), counts[kind][inv])

    def _out(self, values):
        values = np.asarray(values)
        return float(values[0]) if self._single else values.astype(np.float32)

    def get_config(self):
        """Name, dtype, thresholds (and top_k / class_id where the class has them)."""
        c = super().get_config()
        c["thresholds"] = self.init_thresholds
        return c


class _Count(_ConfusionBase):
    """One count, in the variable ``accumulator`` (Keras's ``_ConfusionMatrixConditionCount``)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        """The weighted count (a float for one threshold, else a float32 array)."""
        return self._out(self.accumulator.value)


class TruePositives(_Count):
    """Weighted count of ``y_true != 0`` and ``y_pred > threshold`` (Keras ``TruePositives``;
    ``thresholds`` a float or list, default 0.5)."""
    _state = (("tp", "accumulator"),)


class FalsePositives(_Count):
    """Weighted count of ``y_true == 0`` and ``y_pred > threshold`` (Keras ``FalsePositives``)."""
    _state = (("fp", "accumulator"),)


class TrueNegatives(_Count):
    """Weighted count of ``y_true == 0`` and ``y_pred <= threshold`` (Keras ``TrueNegatives``)."""
    _state = (("tn", "accumulator"),)


class FalseNegatives(_Count):
    """Weighted count of ``y_true != 0`` and ``y_pred <= threshold`` (Keras ``FalseNegatives``).
    """
    _state = (("fn", "accumulator"),)


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


class Precision(_ConfusionBase):
    """``tp / (tp + fp)`` (0 when nothing is predicted positive), Keras 3 ``Precision``.

    Args:
        thresholds: float or list (default 0.5; with ``top_k``, every top-k entry counts).
        top_k: only the k largest predictions of each row can be positive.
        class_id: compute for one class (last-axis index) only.
    """

    _state = (("tp", "true_positives"), ("fp", "false_positives"))

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        """Precision (a float, or a float32 array for several thresholds)."""
        tp, fp = self.true_positives.value, self.false_positives.value
        return self._out(_div(tp, tp + fp))

    def get_config(self):
        """Thresholds, top_k, class_id, name, dtype."""
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """``tp / (tp + fn)`` (0 without positives), Keras 3 ``Recall``; arguments as Precision."""

    _state = (("tp", "true_positives"), ("fn", "false_negatives"))

    def result(self):
        """Recall (a float, or a float32 array for several thresholds)."""
        tp, fn = self.true_positives.value, self.false_negatives.value
        return self._out(_div(tp, tp + fn))


class AUC(Metric):
    """Area under the ROC or PR curve from confusion counts at fixed thresholds (Keras 3 ``AUC``).

    Args:
        num_thresholds: thresholds ``i / (num_thresholds - 1)`` for ``i = 1 .. n-2`` plus
            ``-1e-7`` and ``1 + 1e-7`` (> 1).
        curve: ``"ROC"`` or ``"PR"``.
        summation_method: ``"interpolation"`` (trapezoids; for PR the Davis & Goadrich
            interpolation Keras uses), ``"minoring"``, ``"majoring"``.
        thresholds: explicit thresholds in [0, 1] (``num_thresholds`` becomes ``len + 2``).
        multi_label: one curve per label (last axis), averaged (weighted by ``label_weights``).
        num_labels: labels when ``multi_label`` (else found from the first batch).
        label_weights: per-label weights (counts weighted when not multi_label).
        from_logits: apply a sigmoid to ``y_pred`` first.

    Raises:
        ValueError: ``num_thresholds <= 1``, unknown curve / summation method, thresholds outside
            [0, 1], labels changing between batches.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve_u = str(curve).upper()
        if curve_u not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", '
                             f'"PR"]')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             f'Expected values are ["interpolation", "majoring", "minoring"]')
        self.curve = curve_u
        self.summation_method = method
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            t = sorted(float(v) for v in np.atleast_1d(thresholds))
            if any(v < 0 or v > 1 for v in t):
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {t}")
            self.num_thresholds = len(t) + 2
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or \
                    num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            n = num_thresholds
            t = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
        self._thresholds = np.array([0.0 - _EPS] + t + [1.0 + _EPS])
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            np.asarray(label_weights, dtype=np.float64)
        if self.label_weights is not None and np.any(self.label_weights < 0):
            raise ValueError("All values of `label_weights` must be non-negative.")
        self.from_logits = from_logits
        self._built = False
        if not self.multi_label:
            self._build((self.num_thresholds,))
        elif num_labels is not None:
            self._build((self.num_thresholds, int(num_labels)))

    _NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")

    def _build(self, shape):
        """The four count variables (Keras 3 names), made once: at construction, or at the first
        batch with ``multi_label=True`` and ``num_labels=None`` (as Keras)."""
        for vname in self._NAMES:
            setattr(self, vname, self.add_weight(shape=shape, initializer="zeros", name=vname))
        self._built = True

    @property
    def thresholds(self):
        """The thresholds as a list (including the two end points)."""
        return self._thresholds.tolist()

    def _counts(self):
        return tuple(getattr(self, n).value.astype(np.float64) for n in self._NAMES)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the batch's confusion counts at every threshold.

        Raises:
            ValueError: ``multi_label`` predictions that are not ``(batch, num_labels)``, or whose
                number of labels changed.
        """
        yp = np.asarray(_np(y_pred), dtype=np.float64)
        if self.from_logits:
            yp = 1.0 / (1.0 + np.exp(-yp))
        yt = _same_rank(np.asarray(_np(y_true)), yp)
        w = _broadcast_weight(sample_weight, yp.shape)
        thr = self._thresholds
        if self.multi_label:
            if yp.ndim < 2:
                raise ValueError(f"{self.name}: multi_label=True needs predictions of shape "
                                 f"(batch, num_labels), received {yp.shape}")
            labels = yp.shape[-1]
            if not self._built:
                self.num_labels = labels
                self._build((self.num_thresholds, labels))
            elif self.true_positives.value.shape[1] != labels:
                raise ValueError(f"{self.name}: expected {self.true_positives.value.shape[1]} "
                                 f"labels, received predictions with {labels}")
            got = [confusion_counts(yt[..., j], yp[..., j], thr,
                                    None if w is None else w[..., j]) for j in range(labels)]
            for k, vname in enumerate(self._NAMES):
                _add(getattr(self, vname), np.stack([c[k] for c in got], axis=1))
            return
        if self.label_weights is not None:
            lw = np.broadcast_to(self.label_weights, yp.shape)
            w = lw if w is None else w * lw
        for vname, c in zip(self._NAMES, confusion_counts(yt, yp, thr, w)):
            _add(getattr(self, vname), c)

    def _average(self, by_label):
        if not self.multi_label:
            return float(by_label)
        if self.label_weights is None:
            return float(np.mean(by_label))
        return float(_div(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def _interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, _, fn = self._counts()
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        prec_slope = _div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        both = (p[:n - 1] > 0) & (p[1:] > 0)
        safe_ratio = np.where(both, _div(p[:n - 1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(np.where(safe_ratio > 0, safe_ratio, 1.0))
        inc = _div(prec_slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))
        return self._average(np.sum(inc, axis=0))

    def result(self):
        """The area (a float; 0.0 before the first batch of a lazily built multi-label AUC)."""
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp, tn, fn = self._counts()
        recall = _div(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div(fp, fp + tn), recall
        else:
            x, y = recall, _div(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:n - 1], y[1:])
        else:
            heights = np.maximum(y[:n - 1], y[1:])
        return self._average(np.sum((x[:n - 1] - x[1:]) * heights, axis=0))

    def get_config(self):
        """Keras's AUC config keys."""
        c = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
             "summation_method": self.summation_method, "multi_label": self.multi_label,
             "num_labels": self.num_labels,
             "label_weights": None if self.label_weights is None else
             self.label_weights.tolist(), "from_logits": self.from_logits}
        if self._init_from_thresholds:
            c["thresholds"] = self.thresholds[1:-1]
        return c
