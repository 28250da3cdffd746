"""The losses of issue 18 against Keras 3 (results stored by tests/references/gen_keras_api.py;
live under ``-m slow`` with KERAS_BACKEND=jax): per-sample values, weighted mean and sum on data
with edge rows (zero errors, zero targets / predictions, exact 0 and 1, zero vectors); gradients
against central differences; names, configs and errors."""
import json
import pathlib

import numpy as np
import pytest
from keras_jax import keras_or_skip
from references import keras_api_cases as cases

import pyfapi
from pyfapi import losses
from pyfapi.autodiff import GradientTape, Variable

REF = json.loads((pathlib.Path(__file__).parent / "references" / "keras_api.json").read_text())
IDS = [cases.case_id(i, c[0]) for i, c in enumerate(cases.LOSS_CASES)]


@pytest.mark.parametrize("i", range(len(cases.LOSS_CASES)), ids=IDS)
def test_loss_matches_keras_reference(i):
    got = cases.run_loss(losses, i)
    want = REF["losses"][IDS[i]]
    for k in ("none", "weighted", "sum"):
        np.testing.assert_allclose(got[k], want[k], rtol=2e-5, atol=2e-5, err_msg=k)


@pytest.mark.slow
@pytest.mark.parametrize("i", range(len(cases.LOSS_CASES)), ids=IDS)
def test_loss_matches_live_keras(i):
    keras = keras_or_skip()
    got = cases.run_loss(losses, i)
    want = cases.run_loss(keras.losses, i)
    for k in ("none", "weighted", "sum"):
        np.testing.assert_allclose(got[k], want[k], rtol=2e-5, atol=2e-5, err_msg=k)


GRAD_CASES = [("huber", {}, "reg"), ("log_cosh", {}, "reg"), ("poisson", {}, "pos"),
              ("kl_divergence", {}, "pos"), ("hinge", {}, "pm1"), ("squared_hinge", {}, "pm1"),
              ("categorical_hinge", {}, "cat"), ("cosine_similarity", {}, "cos"),
              ("mean_squared_logarithmic_error", {}, "pos"),
              ("mean_absolute_percentage_error", {}, "reg"),
              ("categorical_focal_crossentropy", {"from_logits": True}, "catlogits"),
              ("binary_focal_crossentropy", {"from_logits": True}, "binlogits")]


@pytest.mark.parametrize("name,kw,kind", GRAD_CASES, ids=[g[0] for g in GRAD_CASES])
def test_loss_gradient_matches_central_differences(name, kw, kind):
    yt, yp, _ = cases.loss_data(kind, seed=9)
    # stay away from kinks and clipping bounds where differences are meaningless
    if kind == "pos":
        yp = np.clip(yp, 0.2, 0.9)
    if kind in ("reg", "pm1", "cos"):
        yp = yp[3:]
        yt = yt[3:]
    fn = getattr(losses, name)
    v = Variable(yp.astype(np.float32))
    with GradientTape() as tape:
        loss = losses.ops.sum(fn(yt, v, **kw))
    g = tape.gradient(loss, v)
    g = np.asarray(getattr(g, "value", g))

    def f(p):
        return float(np.sum(np.asarray(fn(yt, p.astype(np.float32), **kw).value,
                                       dtype=np.float64)))

    h = 1e-2 if kind in ("catlogits", "binlogits") else 1e-3
    num = np.zeros_like(yp, dtype=np.float64)
    it = np.nditer(yp, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        up, dn = yp.astype(np.float64).copy(), yp.astype(np.float64).copy()
        up[idx] += h
        dn[idx] -= h
        num[idx] = (f(up) - f(dn)) / (2 * h)
    np.testing.assert_allclose(g, num, rtol=2e-2, atol=2e-2 * max(1.0, np.abs(num).max()))


def test_loss_names_configs_and_errors():
    for name, fn in [("huber", losses.huber), ("logcosh", losses.log_cosh),
                     ("kld", losses.kl_divergence), ("msle", losses.mean_squared_logarithmic_error),
                     ("mape", losses.mean_absolute_percentage_error), ("hinge", losses.hinge),
                     ("binary_focal_crossentropy", losses.binary_focal_crossentropy)]:
        assert losses.get(name) is fn
    h = losses.get("Huber")
    assert isinstance(h, losses.Huber) and h.name == "huber_loss"
    f = losses.BinaryFocalCrossentropy(gamma=3.0, apply_class_balancing=True)
    cfg = losses.serialize(f)
    g = losses.deserialize(cfg)
    assert isinstance(g, losses.BinaryFocalCrossentropy) and g.gamma == 3.0 and \
        g.apply_class_balancing is True
    with pytest.raises(ValueError, match="invalid reduction"):
        losses.Huber(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.CategoricalFocalCrossentropy(label_smoothing=2.0)(np.eye(3), np.eye(3) * 0.9)
    with pytest.raises(ValueError, match="same shape"):
        losses.Huber()(np.zeros((2, 3)), np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="unexpected arguments"):
        losses.Huber(alpha=1.0)
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'hubber'"):
        losses.get("hubber")


def test_mean_with_sample_weight_reduction():
    yt = np.zeros((4, 1), np.float32)
    yp = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    w = np.array([1.0, 0.0, 1.0, 2.0], np.float32)
    got = losses.MeanSquaredError(reduction="mean_with_sample_weight")(yt, yp, sample_weight=w)
    assert float(got.value) == pytest.approx((1 + 9 + 32) / 4.0)


def test_new_losses_train_through_compile():
    pyfapi.utils.set_random_seed(0)
    i = pyfapi.Input((3,))
    m = pyfapi.Model(i, pyfapi.layers.Dense(2)(i))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = x[:, :2] * 2
    for loss in ["huber", "log_cosh", losses.Huber(delta=0.5), "mape"]:
        m.compile("sgd", loss)
        h = m.fit(x, y, epochs=3, batch_size=8, verbose=0)
        assert h.history["loss"][-1] < h.history["loss"][0]


def test_ignore_class_averages_over_the_kept_samples():
    """Keras 3 masks the ignored samples, so the mean is over the 4 kept of 7 (figures from real
    Keras 3.15 on the same arrays)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5)).astype("float32")
    y = np.array([0, 1, 4, 4, 2, 4, 3])
    for from_logits in (True, False):
        loss = pyfapi.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=4)
        p = x if from_logits else np.exp(x) / np.exp(x).sum(-1, keepdims=True)
        assert float(np.asarray(loss(y, p))) == pytest.approx(1.5953110456466675, rel=1e-6)
        assert float(np.asarray(loss(y, p, sample_weight=np.arange(7, dtype="float32")))) == \
            pytest.approx(4.691619873046875, rel=1e-6)
