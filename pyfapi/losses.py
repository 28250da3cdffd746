"""Loss functions and classes with Keras 3's names, defaults, numerics and reduction.

Every loss is written with :mod:`pyfapi.ops`, so it is differentiable on a
:class:`~pyfapi.autodiff.GradientTape` with respect to ``y_pred``. ``y_true`` (and
``sample_weight``) are data: they are prepared once in numpy (rank matching, one-hot for sparse
labels) and never receive gradients.

Function forms (``mean_squared_error(y_true, y_pred)`` ...) return the per-sample loss, shape
``y_pred.shape[:-1]`` (the mean over the last axis, as Keras). Class forms
(``MeanSquaredError()(y_true, y_pred, sample_weight=None)``) apply the sample weights and reduce
with Keras 3's ``"sum_over_batch_size"``: ``sum(sample_weight * per_sample_loss) / N`` where ``N``
is the number of per-sample values (the batch size), so a zero weight shrinks the mean rather than
being dropped from it.

Numerics follow Keras 3 (``keras/src/backend/*/nn.py``) through the fused crossentropy ops of
:mod:`pyfapi.ops.nn`: probabilities are clipped to ``[1e-7, 1 - 1e-7]`` before ``log`` so a zero
prediction never gives ``inf``/``NaN``, categorical crossentropy first renormalises ``y_pred`` to
sum to one over ``axis``, and a target row that is all zeros contributes exactly ``0``.
``from_logits=True`` uses a stable ``log_softmax`` (categorical) or
``max(x, 0) - x t + log(1 + exp(-|x|))`` (binary).

Softmax outputs (Keras 3 TensorFlow backend behaviour): when ``y_pred`` is the output of the
softmax activation (``Dense(..., activation="softmax")``, ``Activation("softmax")``,
:func:`pyfapi.activations.softmax`; it carries its logits as ``_keras_logits``) and the class axis
is the last one, categorical and sparse categorical crossentropy with ``from_logits=False`` are
computed from the logits with the fused ``log_softmax`` op: one op forward and backward instead of
softmax + clipped log, and the gradient does not vanish for confidently wrong predictions. This is
what Keras 3 on TensorFlow computes (``_get_logits`` in ``keras/src/backend/tensorflow/nn.py``).
Difference with the clipped form: only where a probability leaves ``[1e-7, 1 - 1e-7]``, i.e. the
true class has ``p < 1e-7`` (clipped loss capped at ``-log(1e-7) = 16.12`` with zero gradient;
fused: the exact ``-log p`` and gradient ``p - y``) or ``p > 1 - 1e-7`` (clipped loss
``>= 1.2e-7``, fused: the exact, smaller value) -- less than 1.2e-7 per sample in the second case.
"""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.ops import _eager_ops  # hot paths: no KerasTensor wrapper frame
from pyfapi.utils.naming import to_snake_case
from pyfapi.utils.serialization import get_object

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "mean_squared_error",
    "mean_absolute_error", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mse", "mae", "MSE", "MAE", "get", "serialize",
    "deserialize", "EPSILON", "Huber", "LogCosh", "KLDivergence", "Poisson", "Hinge",
    "SquaredHinge", "CategoricalHinge", "CosineSimilarity", "MeanSquaredLogarithmicError",
    "MeanAbsolutePercentageError", "CategoricalFocalCrossentropy", "BinaryFocalCrossentropy",
    "huber", "log_cosh", "logcosh", "kl_divergence", "kld", "KLD", "kullback_leibler_divergence",
    "poisson", "hinge", "squared_hinge", "categorical_hinge", "cosine_similarity",
    "mean_squared_logarithmic_error", "msle", "MSLE", "mean_absolute_percentage_error", "mape",
    "MAPE", "categorical_focal_crossentropy", "binary_focal_crossentropy",
]

EPSILON = 1e-7  # keras.config.epsilon()
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


# ---- helpers on data (numpy, never differentiated) -----------------------------------------------
def _value(x):
    """The numpy array behind a Tensor (or ``x`` itself when it already is an array)."""
    if type(x) is np.ndarray:
        return x
    v = getattr(x, "value", None)
    return v if isinstance(v, np.ndarray) else np.asarray(x)


def _float_target(y_true, y_pred_shape, dtype=np.float32):
    """``y_true`` as a float array of ``y_pred``'s rank (Keras' squeeze_or_expand_to_same_rank)."""
    y = _value(y_true)
    if y.dtype != dtype:
        y = y.astype(dtype)
    nd, pd = y.ndim, len(y_pred_shape)
    if nd == pd - 1 and y_pred_shape[-1] == 1:
        y = y.reshape(y.shape + (1,))
    elif nd == pd + 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    return y


def _softmax_logits(y_pred, axis):
    """The logits behind ``y_pred`` when it is the output of the softmax activation along the
    last axis and ``axis`` is that axis (else None): Keras 3's ``_keras_logits``."""
    logits = getattr(y_pred, "_keras_logits", None)
    if logits is None:
        return None
    nd = len(y_pred.shape)
    if axis != -1 and axis != nd - 1:
        return None
    return logits


def _check_same_shape(name, y, y_pred_shape):
    if tuple(y.shape) != tuple(y_pred_shape):
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape, received "
            f"y_true.shape={tuple(y.shape)} and y_pred.shape={tuple(y_pred_shape)}")


# ---- function forms (per-sample values) ----------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error ``mean((y_true - y_pred)**2, axis=-1)`` (Keras 3 formula).

    Args:
        y_true: targets, shape ``(batch, d0, .., dN)`` (or ``y_pred``'s shape without a last axis
            of 1).
        y_pred: predictions (Tensor or array), shape ``(batch, d0, .., dN)``.

    Returns:
        Tensor of shape ``(batch, d0, .., dN-1)``, float32.

    Raises:
        ValueError: the shapes of ``y_true`` and ``y_pred`` differ.
    """
    y = _float_target(y_true, y_pred.shape)
    _check_same_shape("mean_squared_error", y, y_pred.shape)
    return ops.mean(ops.square(ops.subtract(y_pred, y)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error ``mean(|y_true - y_pred|, axis=-1)`` (Keras 3 formula).

    Shapes and errors as :func:`mean_squared_error`.
    """
    y = _float_target(y_true, y_pred.shape)
    _check_same_shape("mean_absolute_error", y, y_pred.shape)
    return ops.mean(ops.abs(ops.subtract(y_pred, y)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy, the mean over ``axis`` of
    ``-(y * log(p) + (1 - y) * log(1 - p))`` with ``p`` clipped to ``[1e-7, 1 - 1e-7]``
    (Keras 3, ``keras.losses.binary_crossentropy``).

    Args:
        y_true: 0/1 targets (floats allowed, e.g. soft labels), shape of ``y_pred`` (a missing
            last axis of 1 is added).
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: interpret ``y_pred`` as logits (stable ``log sigmoid``, no clipping).
        label_smoothing: in ``[0, 1]``; targets become ``y * (1 - s) + 0.5 * s``.
        axis: the axis averaged over (default the last).

    Returns:
        Tensor of ``y_pred``'s shape without ``axis``, float32.

    Raises:
        ValueError: shapes differ, or ``label_smoothing`` is outside ``[0, 1]``.
    """
    y = _float_target(y_true, y_pred.shape)
    _check_same_shape("binary_crossentropy", y, y_pred.shape)
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"binary_crossentropy: label_smoothing must be in [0, 1], received "
                         f"{label_smoothing}")
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(y, y_pred, from_logits=bool(from_logits)), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy ``-sum(y * log(p), axis)`` (Keras 3).

    Without logits ``p = clip(y_pred / sum(y_pred, axis), 1e-7, 1 - 1e-7)``; with
    ``from_logits=True`` ``log(p) = log_softmax(y_pred, axis)``. An all-zero target row gives 0.

    Args:
        y_true: one-hot (or soft) targets, same shape as ``y_pred``.
        y_pred: probabilities or logits, shape ``(batch, ..., classes)``.
        from_logits, label_smoothing (``y * (1 - s) + s / classes``), axis: as Keras.

    Returns:
        Tensor of ``y_pred``'s shape without ``axis``, float32.

    Raises:
        ValueError: shapes differ (e.g. integer labels given: use the sparse loss).
    """
    y = _float_target(y_true, y_pred.shape)
    if y.shape != tuple(y_pred.shape):
        raise ValueError(
            f"categorical_crossentropy: y_true and y_pred must have the same shape, received "
            f"y_true.shape={tuple(y.shape)} and y_pred.shape={tuple(y_pred.shape)}; for integer "
            f"labels use sparse_categorical_crossentropy")
    if label_smoothing:
        n = y_pred.shape[axis]
        y = y * (1.0 - label_smoothing) + label_smoothing / n
    if not from_logits:
        logits = _softmax_logits(y_pred, axis)
        if logits is not None:  # softmax output: fused log-softmax on its logits (Keras 3 TF)
            return _eager_ops.categorical_crossentropy(y, logits, from_logits=True, axis=axis)
    return _eager_ops.categorical_crossentropy(y, y_pred, from_logits=bool(from_logits),
                                               axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample crossentropy between integer labels and a class distribution (Keras 3).

    Same numerics as :func:`categorical_crossentropy` with ``y_true`` one-hot encoded.

    Args:
        y_true: integer labels, shape ``y_pred.shape[:-1]`` (or with a trailing axis of 1).
        y_pred: probabilities or logits, shape ``(batch, ..., classes)``.
        from_logits: as Keras.
        ignore_class: a label whose samples contribute 0 (Keras' ``ignore_class``).
        axis: the class axis; only -1 is supported.

    Returns:
        Tensor of shape ``y_pred.shape[:-1]``, float32.

    Raises:
        ValueError: a label outside ``[0, classes)``, non-integer labels or a shape mismatch.
    """
    if axis not in (-1, len(y_pred.shape) - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got {axis}")
    lab = _value(y_true)
    pshape = tuple(y_pred.shape)
    if lab.ndim == len(pshape) and lab.shape[-1] == 1:
        lab = lab.reshape(lab.shape[:-1])
    if lab.shape != pshape[:-1]:
        raise ValueError(
            f"sparse_categorical_crossentropy: expected integer labels of shape {pshape[:-1]} "
            f"(y_pred.shape={pshape}), received y_true.shape={tuple(_value(y_true).shape)}")
    if lab.dtype.kind == "f":
        if not np.all(np.equal(np.floor(lab), lab)):
            raise ValueError("sparse_categorical_crossentropy: labels must be integers, received "
                             "non-integer values")
        lab = lab.astype(np.int64)
    elif lab.dtype.kind not in "iub":
        raise TypeError(f"sparse_categorical_crossentropy: labels must be integers, received "
                        f"dtype {lab.dtype}")
    if not from_logits:
        logits = _softmax_logits(y_pred, axis)
        if logits is not None:  # softmax output: fused log-softmax on its logits (Keras 3 TF)
            y_pred, from_logits = logits, True
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(lab, y_pred, from_logits=bool(from_logits))
    keep = (lab != ignore_class)
    per = ops.sparse_categorical_crossentropy(np.where(keep, lab, 0), y_pred,
                                              from_logits=bool(from_logits))
    out = ops.multiply(per, keep.astype(np.float32))
    out._keras_mask = keep  # Keras 3: a Loss averages over the kept samples only
    return out


def _pair(name, y_true, y_pred):
    """``y_true`` as float32 numpy of ``y_pred``'s shape, and ``y_pred`` as a Tensor."""
    y_pred = ops.convert_to_tensor(y_pred) if not hasattr(y_pred, "shape") or \
        isinstance(y_pred, np.ndarray) else y_pred
    if getattr(y_pred, "dtype", None) is not None and str(getattr(y_pred, "dtype")) not in (
            "float32", "float16", "bfloat16", "float64"):
        y_pred = ops.cast(y_pred, "float32")
    y = _float_target(y_true, y_pred.shape)
    _check_same_shape(name, y, y_pred.shape)
    return y, y_pred


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss (Keras 3): mean over the last axis of ``0.5 e^2`` where
    ``|e| <= delta`` else ``delta |e| - 0.5 delta^2``, ``e = y_pred - y_true``.

    Raises:
        ValueError: shapes differ; ``delta`` not positive.
    """
    if not float(delta) > 0:
        raise ValueError(f"huber: delta must be positive, received {delta}")
    y, y_pred = _pair("huber", y_true, y_pred)
    err = ops.subtract(y_pred, y)
    ab = ops.abs(err)
    quad = ops.multiply(ops.square(err), 0.5)
    lin = ops.subtract(ops.multiply(ab, float(delta)), 0.5 * float(delta) ** 2)
    return ops.mean(ops.where(_value(ab) <= delta, quad, lin), axis=-1)


def log_cosh(y_true, y_pred):
    """Per-sample ``mean(log(cosh(y_pred - y_true)), axis=-1)`` computed stably as
    ``x + softplus(-2x) - log 2`` (Keras 3)."""
    y, y_pred = _pair("log_cosh", y_true, y_pred)
    x = ops.subtract(y_pred, y)
    return ops.mean(ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))),
                                 float(np.log(2.0))), axis=-1)


def kl_divergence(y_true, y_pred):
    """Per-sample ``sum(t * log(t / p), axis=-1)``, ``t`` and ``p`` clipped to ``[1e-7, 1]``
    (Keras 3)."""
    y, y_pred = _pair("kl_divergence", y_true, y_pred)
    t = np.clip(y, EPSILON, 1.0)
    p = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(ops.multiply(t, ops.subtract(np.log(t), ops.log(p))), axis=-1)


def poisson(y_true, y_pred):
    """Per-sample ``mean(p - t * log(p + 1e-7), axis=-1)`` (Keras 3)."""
    y, y_pred = _pair("poisson", y_true, y_pred)
    return ops.mean(ops.subtract(y_pred, ops.multiply(y, ops.log(ops.add(y_pred, EPSILON)))),
                    axis=-1)


def _hinge_labels(y):
    """Keras 3 ``convert_binary_labels_to_hinge``: 0/1 labels become -1/1."""
    if np.all((y == 0) | (y == 1)):
        return 2.0 * y - 1.0
    return y


def hinge(y_true, y_pred):
    """Per-sample ``mean(max(1 - t * p, 0), axis=-1)``; 0/1 targets are mapped to -1/1 (Keras 3).
    """
    y, y_pred = _pair("hinge", y_true, y_pred)
    y = _hinge_labels(y).astype(np.float32)
    return ops.mean(ops.relu(ops.subtract(1.0, ops.multiply(y, y_pred))), axis=-1)


def squared_hinge(y_true, y_pred):
    """Per-sample ``mean(max(1 - t * p, 0)^2, axis=-1)``; 0/1 targets mapped to -1/1 (Keras 3)."""
    y, y_pred = _pair("squared_hinge", y_true, y_pred)
    y = _hinge_labels(y).astype(np.float32)
    return ops.mean(ops.square(ops.relu(ops.subtract(1.0, ops.multiply(y, y_pred)))), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Per-sample ``max(max((1 - t) * p) - sum(t * p) + 1, 0)`` over the last axis (Keras 3)."""
    y, y_pred = _pair("categorical_hinge", y_true, y_pred)
    pos = ops.sum(ops.multiply(y, y_pred), axis=-1)
    neg = ops.max(ops.multiply(1.0 - y, y_pred), axis=-1)
    return ops.relu(ops.add(ops.subtract(neg, pos), 1.0))


def _l2_normalize(x, axis):
    """Keras 3 ``ops.normalize(order=2)``: ``x * min(rsqrt(sum(x^2)), 1/1e-7)``."""
    if isinstance(x, np.ndarray):
        sq = np.sum(np.square(x), axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):
            return x * np.minimum(1.0 / np.sqrt(sq), 1.0 / EPSILON).astype(x.dtype)
    sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
    # 1/sqrt(max(sq, 1e-14)) == min(rsqrt(sq), 1e7)
    return ops.divide(x, ops.sqrt(ops.maximum(sq, EPSILON ** 2)))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample NEGATIVE cosine similarity ``-sum(l2n(t) * l2n(p), axis)`` (Keras 3 loss: -1
    for aligned vectors, 0 when either is zero)."""
    y, y_pred = _pair("cosine_similarity", y_true, y_pred)
    return ops.negative(ops.sum(ops.multiply(_l2_normalize(y, axis),
                                             _l2_normalize(y_pred, axis)), axis=axis))


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample ``mean((log(max(p, 1e-7) + 1) - log(max(t, 1e-7) + 1))^2, axis=-1)`` (Keras 3).
    """
    y, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    first = ops.log(ops.add(ops.maximum(y_pred, EPSILON), 1.0))
    second = np.log(np.maximum(y, EPSILON) + 1.0).astype(np.float32)
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample ``100 * mean(|t - p| / max(|t|, 1e-7), axis=-1)`` (Keras 3)."""
    y, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    scale = (1.0 / np.maximum(np.abs(y), EPSILON)).astype(np.float32)
    return ops.multiply(ops.mean(ops.multiply(ops.abs(ops.subtract(y_pred, y)), scale),
                                 axis=-1), 100.0)


def _check_smoothing(name, label_smoothing):
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], received {label_smoothing}")


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per-sample focal crossentropy (Keras 3): ``p`` = softmax (logits) or ``y_pred``
    renormalised along ``axis``, clipped to ``[1e-7, 1 - 1e-7]``; loss
    ``sum(alpha * (1 - p)^gamma * (-t log p), axis)``; ``t = t (1 - s) + s / classes``.

    Raises:
        ValueError: shapes differ, ``label_smoothing`` outside [0, 1].
    """
    y, y_pred = _pair("categorical_focal_crossentropy", y_true, y_pred)
    _check_smoothing("categorical_focal_crossentropy", label_smoothing)
    if label_smoothing:
        y = (y * (1.0 - label_smoothing) + label_smoothing / y.shape[-1]).astype(np.float32)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    out = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    out = ops.clip(out, EPSILON, 1.0 - EPSILON)
    cce = ops.multiply(ops.log(out), -y)
    factor = ops.multiply(ops.power(ops.subtract(1.0, out), float(gamma)), float(alpha))
    return ops.sum(ops.multiply(factor, cce), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary focal crossentropy (Keras 3): ``bce * (1 - p_t)^gamma`` with
    ``p_t = t p + (1 - t)(1 - p)`` (``p`` = sigmoid of logits when ``from_logits``), times
    ``alpha t + (1 - alpha)(1 - t)`` with ``apply_class_balancing``; mean over ``axis``.

    Raises:
        ValueError: shapes differ, ``label_smoothing`` outside [0, 1].
    """
    y, y_pred = _pair("binary_focal_crossentropy", y_true, y_pred)
    _check_smoothing("binary_focal_crossentropy", label_smoothing)
    if label_smoothing:
        y = (y * (1.0 - label_smoothing) + 0.5 * label_smoothing).astype(np.float32)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y, y_pred, from_logits=False)
    p_t = ops.add(ops.multiply(y_pred, y), ops.multiply(ops.subtract(1.0, y_pred), 1.0 - y))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        focal = ops.multiply(focal, (y * alpha + (1.0 - y) * (1.0 - alpha)).astype(np.float32))
    return ops.mean(focal, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
msle = MSLE = mean_squared_logarithmic_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


# ---- reduction -----------------------------------------------------------------------------------
def apply_mask(sample_weight, mask, reduction="sum_over_batch_size"):
    """Keras 3 ``keras.losses.loss.apply_mask``: fold an output mask (e.g. the time mask of an
    RNN's sequence output) into the sample weights.

    For mean reductions the mask is rescaled by ``total / valid`` so the masked entries are
    excluded from the mean (``sum(loss * w) / valid``); an all-masked batch gives 0. Returns the
    new weights (float32 array) or ``sample_weight`` unchanged when ``mask`` is None.
    """
    if mask is None:
        return sample_weight
    m = np.asarray(_value(mask), dtype=np.float32)
    if reduction in ("mean", "sum_over_batch_size"):
        m = m * np.float32(m.size / (m.sum() + 1e-7))
    if sample_weight is None:
        return m
    sw = np.asarray(_value(sample_weight), dtype=np.float32)
    if sw.ndim == m.ndim + 1 and sw.shape[-1] == 1:
        sw = sw.reshape(sw.shape[:-1])
    elif m.ndim == sw.ndim + 1 and m.shape[-1] == 1:
        m = m.reshape(m.shape[:-1])
    while sw.ndim < m.ndim:
        sw = sw[..., None]
    while m.ndim < sw.ndim:
        m = m[..., None]
    return sw * m


def _reduce(values, sample_weight, reduction, name):
    """Keras 3 ``reduce_weighted_values``: weight, then sum or sum / number of values."""
    if sample_weight is not None:
        sw = _value(sample_weight)
        if sw.dtype != np.float32:
            sw = sw.astype(np.float32)
        vshape = tuple(values.shape)
        if sw.ndim > len(vshape) and sw.shape[-1] == 1:
            sw = sw.reshape(sw.shape[:-1])
        if sw.ndim < len(vshape):
            sw = sw.reshape(sw.shape + (1,) * (len(vshape) - sw.ndim))
        try:
            np.broadcast_shapes(sw.shape, vshape)
        except ValueError:
            raise ValueError(
                f"{name}: sample_weight of shape {tuple(_value(sample_weight).shape)} does not "
                f"match the per-sample losses of shape {vshape}") from None
        values = _eager_ops.multiply(values, sw)
    if reduction is None or reduction == "none":
        return values
    if sample_weight is None and reduction != "sum" and len(values.shape):
        return _eager_ops.mean(values)  # sum / N in one op
    total = _eager_ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        wsum = float(np.sum(sw, dtype=np.float64))  # Keras: divide_no_nan by sum(weights)
        return _eager_ops.divide(total, wsum) if wsum else _eager_ops.multiply(total, 0.0)
    n = int(np.prod(values.shape)) if len(values.shape) else 1
    return _eager_ops.divide(total, float(max(n, 1))) if n != 1 else total


class Loss:
    """Base class of losses (Keras 3 ``keras.losses.Loss``).

    Subclasses implement ``call(y_true, y_pred)`` returning per-sample values; ``__call__``
    applies ``sample_weight`` and the reduction.

    Args:
        name: the loss name (used for history keys only through the compile string).
        reduction: ``"sum_over_batch_size"`` (default, also ``"mean"``), ``"sum"`` or ``"none"``.

    Raises:
        ValueError: an unknown reduction.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: invalid reduction {reduction!r}, expected "
                             f"one of {[r for r in _REDUCTIONS if r]}")
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)  # Keras 3: the prediction's mask weights
        values = self.call(y_true, y_pred)
        out_mask = getattr(values, "_keras_mask", None)
        if out_mask is not None:
            mask = out_mask if mask is None else np.logical_and(_value(mask), _value(out_mask))
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, self.reduction)
        return _reduce(values, sample_weight, self.reduction, self.name)

    def call(self, y_true, y_pred):
        """Per-sample loss ``(batch, ...)`` from y_true, y_pred; abstract (raises
        NotImplementedError).
        """
        raise NotImplementedError

    def get_config(self):
        """``{"name": ..., "reduction": ...}``."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A :class:`Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        """Returns ``fn(y_true, y_pred, **kwargs)`` (unreduced per-sample losses)."""
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """Loss config plus the extra ``fn`` keyword arguments."""
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors (see :func:`mean_squared_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors (see :func:`mean_absolute_error`)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy (see :func:`binary_crossentropy`); Keras 3 defaults."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy (see :func:`categorical_crossentropy`); Keras 3 defaults."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


def _wrapper(fn, class_name, default_name, doc, **defaults):
    """A :class:`LossFunctionWrapper` subclass with Keras's constructor (keyword defaults)."""

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None, **kw):
        unknown = [k for k in kw if k not in defaults]
        if unknown:
            raise TypeError(f"{class_name}: unexpected arguments {unknown}; accepted: "
                            f"{sorted(defaults)}, reduction, name, dtype")
        args = {**defaults, **kw}
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **args)
        for k, v in args.items():
            setattr(self, k, v)

    cls = type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                    "__module__": __name__})
    return cls


Huber = _wrapper(huber, "Huber", "huber_loss", "Huber loss (:func:`huber`), ``delta=1.0``.",
                 delta=1.0)
LogCosh = _wrapper(log_cosh, "LogCosh", "log_cosh", "Log-cosh loss (:func:`log_cosh`).")
KLDivergence = _wrapper(kl_divergence, "KLDivergence", "kl_divergence",
                        "Kullback-Leibler divergence (:func:`kl_divergence`).")
Poisson = _wrapper(poisson, "Poisson", "poisson", "Poisson loss (:func:`poisson`).")
Hinge = _wrapper(hinge, "Hinge", "hinge", "Hinge loss (:func:`hinge`).")
SquaredHinge = _wrapper(squared_hinge, "SquaredHinge", "squared_hinge",
                        "Squared hinge loss (:func:`squared_hinge`).")
CategoricalHinge = _wrapper(categorical_hinge, "CategoricalHinge", "categorical_hinge",
                            "Categorical hinge loss (:func:`categorical_hinge`).")
CosineSimilarity = _wrapper(cosine_similarity, "CosineSimilarity", "cosine_similarity",
                            "Negative cosine similarity (:func:`cosine_similarity`), ``axis=-1``.",
                            axis=-1)
MeanSquaredLogarithmicError = _wrapper(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError",
    "mean_squared_logarithmic_error", "MSLE (:func:`mean_squared_logarithmic_error`).")
MeanAbsolutePercentageError = _wrapper(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError",
    "mean_absolute_percentage_error", "MAPE (:func:`mean_absolute_percentage_error`).")
CategoricalFocalCrossentropy = _wrapper(
    categorical_focal_crossentropy, "CategoricalFocalCrossentropy",
    "categorical_focal_crossentropy",
    "Focal crossentropy (:func:`categorical_focal_crossentropy`), Keras 3 defaults.",
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
BinaryFocalCrossentropy = _wrapper(
    binary_focal_crossentropy, "BinaryFocalCrossentropy", "binary_focal_crossentropy",
    "Binary focal crossentropy (:func:`binary_focal_crossentropy`), Keras 3 defaults.",
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
    axis=-1)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Sparse categorical crossentropy (see :func:`sparse_categorical_crossentropy`)."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits



_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "huber": huber, "log_cosh": log_cosh, "logcosh": log_cosh, "kl_divergence": kl_divergence,
    "kld": kl_divergence, "kullback_leibler_divergence": kl_divergence, "poisson": poisson,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "cosine_similarity": cosine_similarity,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
}
_CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Huber, LogCosh, KLDivergence, Poisson, Hinge, SquaredHinge,
    CategoricalHinge, CosineSimilarity, MeanSquaredLogarithmicError, MeanAbsolutePercentageError,
    CategoricalFocalCrossentropy, BinaryFocalCrossentropy)}
_ALIASES = ("mse", "mae", "logcosh", "kld", "kullback_leibler_divergence", "msle", "mape")
# canonical string for each function (used to serialise compile configs)
_CANONICAL = {id(f): n for n, f in _FUNCTIONS.items() if n not in _ALIASES}


def get(identifier):
    """Resolve a loss: ``None``, a name (``"mse"``, ``"categorical_crossentropy"``,
    ``"BinaryCrossentropy"`` ...), a config dict, a :class:`Loss` or any callable
    ``f(y_true, y_pred)``.

    Returns:
        A function (for names of functions), a :class:`Loss` instance, the callable, or ``None``.

    Raises:
        ValueError: an unknown name (the message lists the known ones) or another type
            (Keras 3's "Could not interpret loss identifier").
    """
    return get_object(identifier, "loss", (_FUNCTIONS, _CLASSES), deserialize, lower=True)


def serialize(loss):
    """A JSON-able description of ``loss`` (a name or ``{"class_name", "config"}``), or None
    when it is a user callable that cannot be described."""
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        # Keras 3's serialized form ("module" lets keras.saving locate the class)
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    name = _CANONICAL.get(id(loss))
    return name


def deserialize(config):
    """Inverse of :func:`serialize`.

    Raises:
        ValueError: an unknown class name.
    """
    if config is None or isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown loss class {config.get('class_name')!r}; expected one of "
                         f"{sorted(_CLASSES)}")
    return cls.from_config(config.get("config", {}))
