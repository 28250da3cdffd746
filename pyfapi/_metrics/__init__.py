"""Metric classes beyond the basic ones of :mod:`pyfapi.metrics` (which re-exports them):
:mod:`confusion` (TP/TN/FP/FN, Precision, Recall, AUC), :mod:`scores` (F1/FBeta, R2, MeanIoU,
RootMeanSquaredError). Their state lives in ``add_weight`` variables named, shaped and typed as
Keras 3's; they follow Keras 3's formulas."""

# pyfapi.metrics defines Metric and imports these modules at its end: load it first, so importing
# one of them directly (pyfapi._metrics.confusion) does not meet a half-initialised module.
import pyfapi.metrics  # noqa: E402,F401
