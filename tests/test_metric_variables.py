"""Metric state in variables, as Keras 3: for every case of keras_api_cases.METRIC_CASES the
variables (names, shapes, dtypes, order) and their values after three batches equal real Keras's
(stored by tests/references/gen_keras_api.py; live under -m slow with KERAS_BACKEND=jax), reset_state
zeroes them, Keras's state gives Keras's result through the stateless API, and the stateless calls
leave the metric unchanged."""
import json
import pathlib

import numpy as np
import pytest
from keras_jax import keras_or_skip
from references import keras_api_cases as cases

import pyfapi
from pyfapi import metrics

REF = json.loads((pathlib.Path(__file__).parent / "references" / "keras_api.json").read_text())
IDS = [cases.case_id(i, c[0]) for i, c in enumerate(cases.METRIC_CASES)]


def _check_state(got, want):
    assert [v[:3] for v in got] == [v[:3] for v in want]  # names, shapes, dtypes
    for g, w in zip(got, want):
        np.testing.assert_allclose(g[3], w[3], rtol=2e-6, atol=2e-5, err_msg=g[0])


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("i", range(len(cases.METRIC_CASES)), ids=IDS)
def test_variables_match_keras(i):
    got = cases.metric_state(pyfapi.metrics, i)
    want = REF["metric_variables"][IDS[i]]
    assert want["vars"], "every case has state"
    _check_state(got["vars"], want["vars"])
    _check_state(got["reset"], want["reset"])
    assert all(not any(v[3]) for v in got["reset"])


@pytest.mark.parametrize("i", range(len(cases.METRIC_CASES)), ids=IDS)
def test_keras_state_gives_keras_result(i):
    # Keras's variable values, put into pyfapi's metric, give Keras's result
    cls, kw, kind = cases.METRIC_CASES[i]
    m = getattr(metrics, cls)(**kw)
    data = cases.batches(kind, seed=100 + i)
    m.update_state(*data[0][:2])  # builds lazily made variables (F1, R2, multi-label AUC)
    state = [np.asarray(v[3], dtype=v[2]).reshape(v[1])
             for v in REF["metric_variables"][IDS[i]]["vars"]]
    before = [v.numpy().copy() for v in m.variables]
    got = m.stateless_result(state)
    np.testing.assert_allclose(np.asarray(got, np.float64), REF["metrics"][IDS[i]]["all"],
                               rtol=1e-5, atol=1e-6)
    for v, b in zip(m.variables, before):  # the metric itself is unchanged
        np.testing.assert_array_equal(v.numpy(), b)


@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.parametrize("cls,kw,kind", [("Precision", {"thresholds": [0.1, 0.6]}, "multi"),
                                         ("AUC", {"num_thresholds": 7}, "multi"),
                                         ("MeanIoU", {"num_classes": 5}, "ids"),
                                         ("R2Score", {}, "reg"),
                                         ("CategoricalAccuracy", {}, "cat")])
def test_stateless_update_equals_stateful(cls, kw, kind):
    data = cases.batches(kind, seed=7)
    stateful = getattr(metrics, cls)(**kw)
    stateless = getattr(metrics, cls)(**kw)
    stateful.update_state(*data[0][:2])
    stateless.update_state(*data[0][:2])
    values = [v.numpy().copy() for v in stateless.variables]
    frozen = [v.copy() for v in values]
    for yt, yp, sw in data[1:]:
        stateful.update_state(yt, yp, sample_weight=sw)
        values = stateless.stateless_update_state(values, yt, yp, sample_weight=sw)
    for v, f in zip(stateless.variables, frozen):
        np.testing.assert_array_equal(v.numpy(), f)
    for a, b in zip(values, stateful.variables):
        np.testing.assert_array_equal(a, b.numpy())
    assert stateless.stateless_result(values) == pytest.approx(stateful.result())
    zeros = stateless.stateless_reset_state()
    assert all(not np.any(z) for z in zeros)
    for v, f in zip(stateless.variables, frozen):
        np.testing.assert_array_equal(v.numpy(), f)


def test_mean_and_sum_keep_total_and_count():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 6.0])
    m.update_state(np.array([4.0, 8.0]), sample_weight=np.array([0.5, 0.25]))
    names = [(v.name, v.path, v.numpy().dtype, v.numpy().shape) for v in m.variables]
    assert names == [("total", "mean/total", np.float32, ()), ("count", "mean/count", np.float32, ())]
    assert float(m.total.numpy()) == 1 + 2 + 6 + 2 + 2 and float(m.count.numpy()) == 3.75
    assert m.result() == pytest.approx(13 / 3.75)
    m.reset_state()
    assert m.result() == 0.0 and float(m.count.numpy()) == 0
    s = metrics.Sum()
    s.update_state(np.array([[1.0, 2.0], [3.0, 4.0]]), sample_weight=np.array([2.0, 0.5]))
    assert [v.name for v in s.variables] == ["total"] and s.result() == pytest.approx(6 + 3.5)


def test_metric_variables_are_not_trainable_and_tracked_by_wrappers():
    m = metrics.Precision(thresholds=[0.2, 0.7])
    assert all(not v.trainable for v in m.variables)
    assert m.true_positives is m.variables[0] and m.false_positives is m.variables[1]
    m.update_state([1, 0, 1], [0.9, 0.8, 0.1])
    np.testing.assert_array_equal(m.true_positives.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(m.false_positives.numpy(), [1.0, 1.0])
    iou = metrics.MeanIoU(num_classes=3)
    assert iou.variables[0].numpy().dtype == np.int32  # "int", as Keras on JAX
    with pytest.warns(UserWarning, match="weight as `float`"):
        iou.update_state([0, 1, 2], [0, 2, 2], sample_weight=[1.7, 2.2, 1.0])
    np.testing.assert_array_equal(iou.total_cm.numpy(), [[1, 0, 0], [0, 0, 2], [0, 0, 1]])


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:You are passing weight as `float`")
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype")
@pytest.mark.parametrize("i", range(len(cases.METRIC_CASES)), ids=IDS)
def test_variables_match_live_keras(i):
    keras = keras_or_skip()
    got, want = cases.metric_state(pyfapi.metrics, i), cases.metric_state(keras.metrics, i)
    _check_state(got["vars"], want["vars"])
