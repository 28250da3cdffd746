"""pyfapi.optimizers: the first steps of each optimizer against its formula in numpy float64
(tests/references/training_ref.py), clipping, weight decay, state/variables, learning-rate
setting, in-place updates and errors."""
import numpy as np
import pytest

from pyfapi import optimizers
from pyfapi.autodiff import Variable
from references import training_ref as ref

RNG = np.random.default_rng(3)


def _run(opt, ref_step, steps=4, shape=(3, 5), **ref_kwargs):
    w0 = RNG.normal(size=shape)
    grads = [RNG.normal(size=shape) for _ in range(steps)]
    var = Variable(w0.astype(np.float32))
    buf = var.value
    w, state = w0.copy(), {}
    for g in grads:
        opt.apply([g.astype(np.float32)], [var])
        w, state = ref_step(w, g, state, **ref_kwargs)
        np.testing.assert_allclose(var.value, w, rtol=2e-5, atol=2e-6)
    assert var.value is buf  # updated in place
    assert int(opt.iterations.value) == steps


@pytest.mark.parametrize("kw,rkw", [
    ({}, {}),
    ({"learning_rate": 0.1, "momentum": 0.9}, {"lr": 0.1, "momentum": 0.9}),
    ({"learning_rate": 0.05, "momentum": 0.5, "nesterov": True},
     {"lr": 0.05, "momentum": 0.5, "nesterov": True}),
])
def test_sgd_matches_formula(kw, rkw):
    _run(optimizers.SGD(**kw), ref.sgd, **rkw)


@pytest.mark.parametrize("kw,rkw", [
    ({}, {}),
    ({"momentum": 0.9, "rho": 0.8}, {"momentum": 0.9, "rho": 0.8}),
    ({"centered": True, "learning_rate": 0.01}, {"centered": True, "lr": 0.01}),
    ({"centered": True, "momentum": 0.5}, {"centered": True, "momentum": 0.5}),
])
def test_rmsprop_matches_formula(kw, rkw):
    _run(optimizers.RMSprop(**kw), ref.rmsprop, **rkw)


@pytest.mark.parametrize("kw,rkw", [
    ({}, {}),
    ({"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5},
     {"lr": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-5}),
    ({"amsgrad": True}, {"amsgrad": True}),
])
def test_adam_matches_formula(kw, rkw):
    _run(optimizers.Adam(**kw), ref.adam, **rkw)


def test_adamw_matches_formula_with_decoupled_decay():
    _run(optimizers.AdamW(learning_rate=0.01), ref.adam, lr=0.01, weight_decay=0.004)
    _run(optimizers.AdamW(weight_decay=0.1), ref.adam, weight_decay=0.1)


@pytest.mark.parametrize("kw,rkw", [({}, {}), ({"learning_rate": 0.1,
                                                "initial_accumulator_value": 0.5},
                                               {"lr": 0.1, "init": 0.5})])
def test_adagrad_matches_formula(kw, rkw):
    _run(optimizers.Adagrad(**kw), ref.adagrad, **rkw)


def test_keras_defaults():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    r = optimizers.RMSprop()
    assert (float(r.learning_rate), r.rho, r.momentum, r.epsilon, r.centered) == \
        (pytest.approx(0.001), 0.9, 0.0, 1e-7, False)
    a = optimizers.Adam()
    assert (float(a.learning_rate), a.beta_1, a.beta_2, a.epsilon, a.amsgrad) == \
        (pytest.approx(0.001), 0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    ag = optimizers.Adagrad()
    assert (ag.initial_accumulator_value, ag.epsilon) == (0.1, 1e-7)


def test_clipnorm_clips_each_gradient_to_its_norm():
    g = np.array([3.0, 4.0], np.float32)  # norm 5
    v = Variable(np.zeros(2, np.float32))
    optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply([g], [v])
    np.testing.assert_allclose(v.value, -g / 5.0, rtol=1e-6)
    v2 = Variable(np.zeros(2, np.float32))  # below the threshold: unchanged gradient
    optimizers.SGD(learning_rate=1.0, clipnorm=10.0).apply([g], [v2])
    np.testing.assert_allclose(v2.value, -g, rtol=1e-6)


def test_global_clipnorm_scales_all_gradients_together():
    g1, g2 = np.array([3.0, 0.0], np.float32), np.array([0.0, 4.0], np.float32)
    a, b = Variable(np.zeros(2, np.float32)), Variable(np.zeros(2, np.float32))
    optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0).apply([g1, g2], [a, b])
    np.testing.assert_allclose(a.value, -g1 / 5.0, rtol=1e-6)
    np.testing.assert_allclose(b.value, -g2 / 5.0, rtol=1e-6)


def test_clipvalue_clips_elementwise():
    v = Variable(np.zeros(3, np.float32))
    optimizers.SGD(learning_rate=1.0, clipvalue=0.5).apply([np.array([-2.0, 0.1, 3.0])], [v])
    np.testing.assert_allclose(v.value, [0.5, -0.1, -0.5], rtol=1e-6)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="only one of clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_learning_rate_is_settable_and_used():
    opt = optimizers.SGD(learning_rate=0.1)
    v = Variable(np.ones(2, np.float32))
    opt.apply([np.ones(2, np.float32)], [v])
    opt.learning_rate = 0.01
    assert float(opt.learning_rate) == pytest.approx(0.01)
    opt.apply([np.ones(2, np.float32)], [v])
    np.testing.assert_allclose(v.value, 1 - 0.1 - 0.01, rtol=1e-6)
    with pytest.raises(ValueError, match="learning_rate"):
        opt.learning_rate = -1.0


def test_learning_rate_schedule_callable():
    opt = optimizers.SGD(learning_rate=lambda step: 0.1 / (1 + step))
    v = Variable(np.zeros(1, np.float32))
    for _ in range(3):
        opt.apply([np.ones(1, np.float32)], [v])
    np.testing.assert_allclose(v.value, -(0.1 + 0.05 + 0.1 / 3), rtol=1e-6)


def test_variables_order_for_saving():
    opt = optimizers.Adam()
    a, b = Variable(np.zeros((2, 3), np.float32)), Variable(np.zeros(3, np.float32))
    opt.apply([np.ones((2, 3)), np.ones(3)], [a, b])
    shapes = [tuple(v.shape) for v in opt.variables]
    # iterations, learning_rate, then per variable: momentum, velocity (Keras 3 order)
    assert shapes == [(), (), (2, 3), (2, 3), (3,), (3,)]
    assert int(opt.variables[0].value) == 1


def test_none_gradients_leave_variables_unchanged():
    opt = optimizers.Adam()
    a, b = Variable(np.ones(2, np.float32)), Variable(np.ones(2, np.float32))
    opt.apply([None, np.ones(2, np.float32)], [a, b])
    np.testing.assert_array_equal(a.value, 1.0)
    assert not np.allclose(b.value, 1.0)


def test_gradient_shape_mismatch_names_the_variable():
    v = Variable(np.zeros((2, 2), np.float32), name="kernel")
    with pytest.raises(ValueError, match=r"\(3,\).*kernel.*\(2, 2\)"):
        optimizers.SGD().apply([np.zeros(3, np.float32)], [v])
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        optimizers.SGD().apply([np.zeros((2, 2)), np.zeros((2, 2))], [v])


def test_get_and_serialization_round_trip():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    opt = optimizers.SGD(learning_rate=0.3, momentum=0.2, nesterov=True)
    back = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(back, optimizers.SGD)
    assert (float(back.learning_rate), back.momentum, back.nesterov) == \
        (pytest.approx(0.3), 0.2, True)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamm'.*adam"):
        optimizers.get("adamm")


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "adamw", "adagrad"])
def test_matches_keras_when_installed(name):
    keras = pytest.importorskip("keras")
    kw = {"sgd": dict(learning_rate=0.1, momentum=0.9), "rmsprop": dict(centered=True),
          "adam": {}, "adamw": {}, "adagrad": {}}[name]
    w0 = RNG.normal(size=(4, 3)).astype(np.float32)
    grads = [RNG.normal(size=(4, 3)).astype(np.float32) for _ in range(3)]
    kv = keras.Variable(w0.copy())
    kopt = keras.optimizers.get({"class_name": {"sgd": "SGD", "rmsprop": "RMSprop",
                                                "adam": "Adam", "adamw": "AdamW",
                                                "adagrad": "Adagrad"}[name], "config": kw})
    v = Variable(w0.copy())
    opt = optimizers.get(name)
    for k, val in kw.items():
        setattr(opt, k, val) if k != "learning_rate" else setattr(opt, "learning_rate", val)
    for g in grads:
        kopt.apply_gradients([(g, kv)])
        opt.apply([g], [v])
    np.testing.assert_allclose(v.value, np.asarray(kv), rtol=1e-5, atol=1e-6)


def test_slots_are_built_for_all_variables_in_order_even_without_gradient():
    opt = optimizers.Adam()
    a, b = Variable(np.zeros(2, np.float32)), Variable(np.zeros(3, np.float32))
    opt.apply([None, np.ones(3)], [a, b])
    opt.apply([np.ones(2), np.ones(3)], [a, b])
    assert [tuple(v.shape) for v in opt.variables[2:]] == [(2,), (2,), (3,), (3,)]


def test_several_variables_flat_and_per_variable_paths_match_the_formula():
    """Variables built together share flat slot buffers (one vectorised update for all); a step
    where one gradient is None falls back to per-variable updates and leaves that variable and
    its slots untouched. Both must follow the formula, with clipnorm applied per variable."""
    shapes = [(4, 3), (3,), (1,), (2, 5)]
    w0 = [RNG.normal(size=s) for s in shapes]
    vs = [Variable(w.astype(np.float32)) for w in w0]
    opt = optimizers.Adam(learning_rate=0.01, clipnorm=1.5)
    refs = [(w.copy(), {}) for w in w0]

    def clip(g):
        n = np.sqrt(np.sum(g * g))
        return g * 1.5 / n if n > 1.5 else g
    for step in range(4):
        grads = [RNG.normal(size=s) * 2 for s in shapes]
        if step == 2:
            grads[1] = None
        opt.apply([None if g is None else g.astype(np.float32) for g in grads], vs)
        for k, g in enumerate(grads):
            if g is None:
                continue
            w, st = refs[k]
            st = dict(st, t=step)  # the step count is global (iterations), not per variable
            refs[k] = ref.adam(w, clip(g), st, lr=0.01)
        for v, (w, _) in zip(vs, refs):
            np.testing.assert_allclose(v.value, w, rtol=2e-5, atol=2e-6)
    assert int(opt.iterations.value) == 4


def test_constraint_applied_after_the_update():
    v = Variable(np.zeros(3, np.float32))
    v.constraint = lambda x: np.clip(np.asarray(x), -0.1, 0.1)
    optimizers.SGD(learning_rate=1.0).apply([np.array([-5.0, 0.05, 5.0], np.float32)], [v])
    np.testing.assert_allclose(v.value, [0.1, -0.05, -0.1], rtol=1e-6)


@pytest.mark.parametrize("flat_max", [0, 1 << 20])
@pytest.mark.parametrize("name,rfn,kw", [
    ("rmsprop", ref.rmsprop, {"momentum": 0.5, "centered": True}),
    ("sgd", ref.sgd, {"momentum": 0.9, "nesterov": True}),
    ("adagrad", ref.adagrad, {}),
])
def test_big_groups_update_per_variable_with_the_same_result(monkeypatch, flat_max, name, rfn,
                                                             kw):
    monkeypatch.setattr(optimizers, "_FLAT_MAX", flat_max)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    w0 = [RNG.normal(size=s) for s in shapes]
    vs = [Variable(w.astype(np.float32)) for w in w0]
    opt = optimizers.get(name)
    for k, v in kw.items():
        setattr(opt, k, v)
    refs = [(w.copy(), {}) for w in w0]
    lr = float(opt.learning_rate)
    for _ in range(3):
        grads = [RNG.normal(size=s) for s in shapes]
        opt.apply([g.astype(np.float32) for g in grads], vs)
        refs = [rfn(w, g, st, lr=lr, **kw) for (w, st), g in zip(refs, grads)]
    for v, (w, _) in zip(vs, refs):
        np.testing.assert_allclose(v.value, w, rtol=2e-5, atol=2e-6)
