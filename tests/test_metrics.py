"""pyfapi.metrics: accuracy variants, stateful means over batches, 'acc' resolution, get()."""
import numpy as np
import pytest

from pyfapi import metrics


def test_binary_accuracy_threshold_half():
    y = np.array([[1], [0], [1], [0]])
    p = np.array([[0.6], [0.5], [0.4], [0.1]], np.float32)
    # 0.5 is not > 0.5, so it counts as class 0
    np.testing.assert_array_equal(metrics.binary_accuracy(y, p), [1, 1, 0, 1])
    m = metrics.BinaryAccuracy()
    m.update_state(y, p)
    assert m.result() == pytest.approx(0.75)


def test_categorical_and_sparse_accuracy():
    p = np.array([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], np.float32)
    onehot = np.eye(3)[[1, 1, 2]]
    np.testing.assert_array_equal(metrics.categorical_accuracy(onehot, p), [1, 0, 1])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(np.array([1, 1, 2]), p),
                                  [1, 0, 1])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy(np.array([[1], [0], [0]]), p), [1, 1, 0])


def test_stateful_mean_over_uneven_batches_is_the_mean_over_samples():
    m = metrics.CategoricalAccuracy()
    p = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1]]
    y = np.eye(3)[[0, 1, 0, 0, 2]]  # correct: 1, 1, 0, 1, 0 -> 3/5
    m.update_state(y[:2], p[:2])
    m.update_state(y[2:], p[2:])
    assert m.result() == pytest.approx(0.6)
    m.reset_state()
    assert m.result() == 0.0


def test_weighted_mean():
    m = metrics.Mean()
    m.update_state(np.array([1.0, 3.0]), sample_weight=np.array([1.0, 3.0]))
    assert m.result() == pytest.approx(10.0 / 4.0)
    m.update_state(np.array([2.0]), sample_weight=4)
    assert m.result() == pytest.approx(18.0 / 8.0)


def test_mse_mae_metrics():
    y = np.array([[1.0, 2.0], [0.0, 0.0]])
    p = np.array([[1.0, 0.0], [1.0, 1.0]], np.float32)
    assert metrics.MeanSquaredError()(y, p) == pytest.approx((2.0 + 1.0) / 2)
    assert metrics.MeanAbsoluteError()(y, p) == pytest.approx((1.0 + 1.0) / 2)


@pytest.mark.parametrize("yt,yp,loss,cls", [
    ((None, 1), (None, 1), "mse", metrics.BinaryAccuracy),
    ((None, 10), (None, 10), "categorical_crossentropy", metrics.CategoricalAccuracy),
    ((None,), (None, 10), None, metrics.SparseCategoricalAccuracy),
    ((None, 1), (None, 10), None, metrics.SparseCategoricalAccuracy),
    # the loss never decides (Keras 3 compile_utils.get_metric looks at shapes only)
    ((None, 10), (None, 10), "sparse_categorical_crossentropy", metrics.CategoricalAccuracy),
    ((None, 3), (None, 3), "binary_crossentropy", metrics.CategoricalAccuracy),
    ((None, 2), (None, 2), "binary_crossentropy", metrics.CategoricalAccuracy),
    ((None, 1), (None, 1), "sparse_categorical_crossentropy", metrics.BinaryAccuracy),
])
def test_resolve_accuracy_like_keras(yt, yp, loss, cls):
    m = metrics.resolve_accuracy("acc", yt, yp, loss)
    assert type(m) is cls
    assert m.name == "acc"


def test_get():
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("categorical_accuracy"), metrics.CategoricalAccuracy)
    m = metrics.get(lambda y, p: np.abs(y - p).sum(-1))
    m.update_state(np.zeros((2, 2)), np.ones((2, 2)))
    assert m.result() == pytest.approx(2.0)
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'acuracy'"):
        metrics.get("acuracy")
