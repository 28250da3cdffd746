"""Adamax, Nadam, Adadelta, Lion, Ftrl and the learning-rate schedules against Keras 3 (results
stored by tests/references/gen_keras_api.py; live under ``-m slow`` with KERAS_BACKEND=jax):
five steps with clipping / weight decay / schedules; schedules saved and restored with the
optimizer; Keras's argument errors."""
import json
import pathlib

import numpy as np
import pytest
from keras_jax import keras_or_skip
from references import keras_api_cases as cases

import pyfapi
from pyfapi import optimizers
from pyfapi.optimizers import schedules

REF = json.loads((pathlib.Path(__file__).parent / "references" / "keras_api.json").read_text())
OPT_IDS = [cases.case_id(i, c[0]) for i, c in enumerate(cases.OPT_CASES)]
SCH_IDS = [cases.case_id(i, c[0]) for i, c in enumerate(cases.SCHEDULE_CASES)]


@pytest.mark.parametrize("i", range(len(cases.OPT_CASES)), ids=OPT_IDS)
def test_optimizer_steps_match_keras_reference(i):
    got = cases.run_optimizer(pyfapi, i)
    for a, b in zip(got, REF["optimizers"][OPT_IDS[i]]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("i", range(len(cases.SCHEDULE_CASES)), ids=SCH_IDS)
def test_schedule_matches_keras_reference(i):
    np.testing.assert_allclose(cases.run_schedule(schedules, i), REF["schedules"][SCH_IDS[i]],
                               rtol=1e-5, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("i", range(len(cases.OPT_CASES)), ids=OPT_IDS)
def test_optimizer_steps_match_live_keras(i):
    keras = keras_or_skip()
    for a, b in zip(cases.run_optimizer(pyfapi, i), cases.run_optimizer(keras, i)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fused_and_numpy_paths_agree_for_new_rules():
    for i, (cls, _) in enumerate(cases.OPT_CASES):
        a = cases.run_optimizer(pyfapi, i)
        orig = optimizers.Optimizer.__init__

        def no_fused(self, *args, **kw):
            orig(self, *args, **kw)
            self._fused = False
        optimizers.Optimizer.__init__ = no_fused
        try:
            b = cases.run_optimizer(pyfapi, i)
        finally:
            optimizers.Optimizer.__init__ = orig
        kw = cases.OPT_CASES[i][1]
        for x, y in zip(a, b):
            if cls == "Ftrl" and kw.get("learning_rate_power", -0.5) != -0.5:
                # double pow rounded (C++) vs numpy's float32 power: an ulp apart at times
                np.testing.assert_allclose(x, y, rtol=2e-6, atol=1e-7, err_msg=cls)
            else:
                np.testing.assert_array_equal(x, y, err_msg=cls)


def test_schedule_saved_and_restored_with_the_optimizer(tmp_path):
    pyfapi.utils.set_random_seed(0)
    i = pyfapi.Input((3,))
    m = pyfapi.Model(i, pyfapi.layers.Dense(1)(i))
    sched = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    m.compile(optimizers.Adam(learning_rate=sched), "mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(1, keepdims=True)
    m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)  # 4 steps
    assert float(m.optimizer.learning_rate) == pytest.approx(0.1 * 0.5 ** 2)
    cfg = m.optimizer.get_config()
    assert cfg["learning_rate"]["class_name"] == "ExponentialDecay"
    m.save(tmp_path / "m.keras")
    m2 = pyfapi.models.load_model(tmp_path / "m.keras")
    assert isinstance(m2.optimizer._schedule, schedules.ExponentialDecay)
    assert int(m2.optimizer.iterations.value) == 4
    m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    m2.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(m.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert float(m2.optimizer.learning_rate) == pytest.approx(0.1 * 0.5 ** 4)


def test_nadam_saves_u_product_after_the_slots():
    v = [pyfapi.Variable(np.ones((2, 2), np.float32))]
    opt = optimizers.Nadam()
    opt.apply([np.ones((2, 2), np.float32)], v)
    names = [x.name for x in opt.variables]
    assert names[-1] == "u_product" and len(names) == 5
    assert float(opt.variables[-1].value) == pytest.approx(0.9 * (1 - 0.5 * 0.96))


def test_names_and_argument_errors():
    for name in ["adamax", "nadam", "adadelta", "lion", "ftrl", "Nadam"]:
        assert type(optimizers.get(name)).__name__.lower() == name.lower()
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        optimizers.Ftrl(l1_regularization_strength=-1)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="Unknown learning rate schedule 'Warp'"):
        optimizers.deserialize({"class_name": "Adam", "config": {
            "learning_rate": {"class_name": "Warp", "config": {}}}})
    from pyfapi.optimizers.schedules import CosineDecay  # importable as in Keras
    assert CosineDecay is schedules.CosineDecay


@pytest.mark.parametrize("cls", ["Adamax", "Nadam", "Adadelta", "Lion", "Ftrl"])
def test_new_rules_run_the_fused_kernel(cls):
    opt = getattr(optimizers, cls)()
    calls = []
    orig = opt._apply_fused

    def spy(*a, **k):
        calls.append(orig(*a, **k))
        return calls[-1]
    opt._apply_fused = spy
    v = [pyfapi.Variable(np.ones((3, 5), np.float32))]
    opt.apply([np.full((3, 5), 0.5, np.float32)], v)
    assert calls == [True]  # the C++ step ran (it refuses nothing here)


def test_use_ema_averages_saved_and_finalized_by_fit():
    pyfapi.utils.set_random_seed(0)
    i = pyfapi.Input((3,))
    m = pyfapi.Model(i, pyfapi.layers.Dense(1)(i))
    opt = optimizers.SGD(0.05, use_ema=True, ema_momentum=0.9)
    m.compile(opt, "mse")
    x = np.random.default_rng(1).normal(size=(16, 3)).astype("float32")
    m.fit(x, x.sum(1, keepdims=True), batch_size=4, epochs=2, shuffle=False, verbose=0)
    names = [v.name for v in opt.variables]
    assert names[2].endswith("_average") and len(names) == 2 + 2  # kernel, bias averages
    for w, avg in zip(m.trainable_weights, opt.variables[2:4]):
        np.testing.assert_array_equal(w.value, avg.value)  # finalize_variable_values
    assert opt.get_config()["use_ema"] is True
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)


def test_gradient_accumulation_is_refused_not_ignored():
    """Keras updates every N-th step with the mean of N gradients; pyfapi does not implement it
    and says so instead of training differently (a config with None still loads)."""
    import pyfapi
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps=2.*SGD|SGD.*gradient_accumulation_steps=2"):
        pyfapi.optimizers.SGD(0.05, gradient_accumulation_steps=2)
    opt = pyfapi.optimizers.Adam(gradient_accumulation_steps=None, loss_scale_factor=8.0)
    assert isinstance(opt, pyfapi.optimizers.Adam)


def test_exclude_from_weight_decay_as_keras():
    """AdamW.exclude_from_weight_decay(var_names=["bias"]): the bias is not decayed; the
    weights after two steps equal real Keras's, and configuring it after build is refused."""
    import numpy as np

    import pyfapi

    def run(lib, exclude, epochs=2):
        i = lib.Input((3,))
        m = lib.Model(i, lib.layers.Dense(2)(i))
        m.set_weights([np.ones((3, 2), "float32"), np.ones(2, "float32")])
        opt = lib.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
        if exclude:
            opt.exclude_from_weight_decay(var_names=["bias"])
        m.compile(opt, "mse")
        m.fit(np.ones((4, 3), "float32"), np.full((4, 2), 3.0, "float32"), epochs=epochs,
              batch_size=4, verbose=0)
        return [np.asarray(w) for w in m.get_weights()], opt

    (one, _), (plain, _) = run(pyfapi, True, 1), run(pyfapi, False, 1)
    assert not np.allclose(one[1], plain[1])  # after one step the exclusion changed the bias only
    np.testing.assert_allclose(one[0], plain[0], rtol=1e-6)
    ours, opt = run(pyfapi, True)
    keras = pytest.importorskip("keras")
    theirs, _ = run(keras, True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])
