"""Metric classes beyond the basic ones of :mod:`pyfapi.metrics` (which re-exports them):
:mod:`confusion` (TP/TN/FP/FN, Precision, Recall, AUC), :mod:`scores` (F1/FBeta, R2, MeanIoU,
RootMeanSquaredError). All keep float64 numpy state and follow Keras 3's formulas."""
