"""Trainer behaviours compared live with real Keras 3 (JAX backend): what ``train_on_batch`` /
``test_on_batch`` report call after call, and the names a subclassed multi-output model gives
its losses and metrics."""
from __future__ import annotations

import numpy as np
import pytest

import pyfapi

RNG = np.random.default_rng(21)


def _pair(keras):
    """The same two-layer classifier in pyfapi and Keras, same initial weights, compiled alike."""
    def build(api):
        i = api.Input((5,))
        return api.Model(i, api.layers.Dense(3, activation="softmax")(
            api.layers.Dense(8, activation="tanh")(i)))
    ours, theirs = build(pyfapi), build(keras)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for api, m in ((pyfapi, ours), (keras, theirs)):
        m.compile(api.optimizers.SGD(0.1), "categorical_crossentropy",
                  metrics=["accuracy", api.metrics.MeanAbsoluteError()])
    return ours, theirs


@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch"])
def test_on_batch_metrics_are_those_of_the_batch_as_keras(method):
    """Keras 3 resets the metrics at every train_on_batch / test_on_batch call (all backends'
    trainers call reset_metrics() before the step): each call reports its batch only."""
    keras = pytest.importorskip("keras")
    ours, theirs = _pair(keras)
    batches = [(RNG.standard_normal((n, 5)).astype(np.float32),
                np.eye(3, dtype=np.float32)[RNG.integers(0, 3, n)]) for n in (6, 10, 4)]
    for x, y in batches:
        got = getattr(ours, method)(x, y, return_dict=True)
        want = getattr(theirs, method)(x, y, return_dict=True)
        assert set(got) == set(want)
        for k in want:
            np.testing.assert_allclose(got[k], float(want[k]), rtol=1e-5, atol=1e-6, err_msg=k)
        if method == "test_on_batch":  # the flat list, in Keras's order
            np.testing.assert_allclose(ours.test_on_batch(x, y),
                                       [float(v) for v in theirs.test_on_batch(x, y)], rtol=1e-5)


def _subclassed(api, as_dict):
    class Two(api.Model):
        def __init__(self):
            super().__init__()
            self.a = api.layers.Dense(2, name="out_a")
            self.b = api.layers.Dense(1, name="out_b")

        def call(self, x):
            a, b = self.a(x), self.b(x)
            return {"first": a, "second": b} if as_dict else [a, b]
    return Two()


@pytest.mark.parametrize("as_dict, loss, metrics, weighted", [
    (False, ["mse", "mae"], [["mae"], ["mse", "mae"]], None),
    (False, "mse", None, None),                      # two "mse_loss" trackers, as Keras
    (False, ["mse", None], [["mae"], ["mae"]], [["mae"], None]),
    (True, {"first": "mse", "second": "mae"}, {"first": ["mae"], "second": ["mse"]},
     {"first": ["mae"]}),
])
def test_subclassed_multi_output_names_match_keras(as_dict, loss, metrics, weighted):
    """History keys, metrics_names, evaluate's dict and list of a subclassed model with list /
    dict outputs: a list's outputs have no names in Keras 3 (losses are ``<loss>_loss``,
    metrics unprefixed, repeats ``_1``); a weighted twin is ``<output>_weighted_<metric>``."""
    keras = pytest.importorskip("keras")
    x = RNG.random((8, 3), dtype=np.float32)
    ya, yb = RNG.random((8, 2), dtype=np.float32), RNG.random((8, 1), dtype=np.float32)
    y = {"first": ya, "second": yb} if as_dict else [ya, yb]
    theirs, ours = _subclassed(keras, as_dict), _subclassed(pyfapi, as_dict)
    theirs(x[:1])
    ours(x[:1])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for api, m in ((keras, theirs), (pyfapi, ours)):
        m.compile(api.optimizers.SGD(0.01), loss=loss, metrics=metrics, weighted_metrics=weighted)
    hk = theirs.fit(x, y, epochs=1, batch_size=8, verbose=0).history
    hp = ours.fit(x, y, epochs=1, batch_size=8, verbose=0).history
    assert sorted(hp) == sorted(hk)
    assert ours.metrics_names == theirs.metrics_names
    ek = theirs.evaluate(x, y, verbose=0, return_dict=True)
    ep = ours.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(ep) == sorted(ek)  # (JAX's logs come back with sorted keys)
    for k in ek:
        np.testing.assert_allclose(ep[k], float(ek[k]), rtol=1e-5, err_msg=k)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0),
                               [float(v) for v in theirs.evaluate(x, y, verbose=0)], rtol=1e-5)
