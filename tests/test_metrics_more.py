"""The metrics of issue 18 against real Keras 3 (JAX backend) on the same batches, with and
without sample weights, and against independent formulas where Keras is not needed (so the file
still tests something without Keras)."""
import json
import pathlib

import numpy as np
import pytest
from keras_jax import keras_or_skip
from references import keras_api_cases as cases

import pyfapi
from pyfapi import metrics

RNG = np.random.default_rng(7)
REF = json.loads((pathlib.Path(__file__).parent / "references" / "keras_api.json").read_text())


def _reg(n=40, c=3):
    return RNG.normal(size=(n, c)).astype("float32"), RNG.normal(size=(n, c)).astype("float32")


IDS = [cases.case_id(i, c[0]) for i, c in enumerate(cases.METRIC_CASES)]


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("i", range(len(cases.METRIC_CASES)), ids=IDS)
def test_metric_matches_keras_reference(i):
    """Against Keras 3's results stored by tests/references/gen_keras_api.py."""
    got = cases.run_metric(metrics, i)
    want = REF["metrics"][IDS[i]]
    for k in ("all", "one"):
        np.testing.assert_allclose(got[k], want[k], rtol=2e-5, atol=2e-6, err_msg=k)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype")
@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("i", range(len(cases.METRIC_CASES)), ids=IDS)
def test_metric_matches_live_keras(i):
    keras = keras_or_skip()
    got = cases.run_metric(metrics, i)
    want = cases.run_metric(keras.metrics, i)
    for k in ("all", "one"):
        np.testing.assert_allclose(got[k], want[k], rtol=2e-5, atol=2e-6, err_msg=k)


# ---- independent formulas (no Keras needed) ------------------------------------------------------
def test_confusion_counts_and_precision_recall_by_hand():
    yt = np.array([1, 1, 0, 0, 1, 0])
    yp = np.array([0.9, 0.4, 0.6, 0.1, 0.5, 0.5])
    w = np.array([1, 2, 3, 4, 5, 6], dtype=float)
    tp = metrics.TruePositives()
    tp.update_state(yt, yp, sample_weight=w)
    assert tp.result() == 1.0  # 0.5 is not > 0.5
    p = metrics.Precision()
    p.update_state(yt, yp, sample_weight=w)
    assert p.result() == pytest.approx(1 / (1 + 3))
    r = metrics.Recall(thresholds=[0.3, 0.45])
    r.update_state(yt, yp)
    np.testing.assert_allclose(r.result(), [1.0, 2 / 3])


def test_auc_roc_equals_rank_statistic():
    # with thresholds between every pair of distinct scores, ROC AUC (trapezoids) equals the
    # Mann-Whitney probability P(score_pos > score_neg)
    scores = np.array([0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95])
    labels = np.array([0, 0, 1, 0, 1, 0, 1, 1, 0, 1])
    auc = metrics.AUC(thresholds=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    auc.update_state(labels, scores)
    pos, neg = scores[labels == 1], scores[labels == 0]
    want = np.mean(pos[:, None] > neg[None, :])
    assert auc.result() == pytest.approx(want)


def test_top_k_ties_count_in_and_rmse_r2_by_formula():
    yp = np.array([[0.3, 0.3, 0.4], [0.5, 0.2, 0.3]])
    assert metrics.sparse_top_k_categorical_accuracy([1, 1], yp, k=2).tolist() == [1.0, 0.0]
    yt, ypr = _reg()
    m = metrics.RootMeanSquaredError()
    m.update_state(yt, ypr)
    assert m.result() == pytest.approx(np.sqrt(np.mean((yt - ypr) ** 2)), rel=1e-6)
    r2 = metrics.R2Score(class_aggregation=None)
    r2.update_state(yt, ypr)
    want = 1 - ((yt - ypr) ** 2).sum(0) / ((yt - yt.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(r2.result(), want, rtol=1e-5)


def test_mean_iou_by_hand_and_errors():
    m = metrics.MeanIoU(num_classes=3)
    m.update_state([0, 0, 1, 2], [0, 1, 1, 1])
    # class 0: 1/(2+1-1)=0.5; class 1: 1/(1+3-1)=1/3; class 2: 0/(1+0-0)=0
    assert m.result() == pytest.approx((0.5 + 1 / 3 + 0) / 3)
    with pytest.raises(ValueError, match="num_classes"):
        metrics.MeanIoU(num_classes=0)


def test_string_names_and_bad_arguments():
    for name, cls in [("precision", "Precision"), ("recall", "Recall"), ("auc", "AUC"),
                      ("true_positives", "TruePositives"), ("f1_score", "F1Score"),
                      ("top_k_categorical_accuracy", "TopKCategoricalAccuracy"),
                      ("sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"),
                      ("root_mean_squared_error", "RootMeanSquaredError"),
                      ("mape", "MeanAbsolutePercentageError"), ("r2_score", "R2Score"),
                      ("kl_divergence", "KLDivergence"), ("cosine_similarity", "CosineSimilarity"),
                      ("AUC", "AUC")]:
        assert type(metrics.get(name)).__name__ == cls
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'precission'"):
        metrics.get("precission")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="DET")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state(np.zeros(3), np.zeros(3))


def test_metrics_in_fit_by_name():
    pyfapi.utils.set_random_seed(0)
    i = pyfapi.Input((4,))
    m = pyfapi.Model(i, pyfapi.layers.Dense(1, activation="sigmoid")(i))
    m.compile("sgd", "binary_crossentropy",
              metrics=["precision", "recall", "auc", metrics.AUC(curve="PR", name="pr")])
    x = RNG.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    h = m.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert {"precision", "recall", "auc", "pr"} <= set(h.history)
    res = m.evaluate(x, y, return_dict=True, verbose=0)
    p = m.predict(x, verbose=0)
    ref = metrics.AUC()
    ref.update_state(y, p)
    assert res["auc"] == pytest.approx(ref.result(), rel=1e-6)
