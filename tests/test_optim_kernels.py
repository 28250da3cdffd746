"""pyfapi.kernels.optim (csrc/optim): the fused optimizer updates against the numpy float64
formulas of tests/references/training_ref.py, on odd sizes (0, 1, primes, more than one OpenMP
chunk), on every ISA path, 1 vs 2 threads, with clipping / weight decay, and bad input refused
before C++ writes anything. Also the optimizer classes: fused path vs the numpy reference path."""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C, optimizers
from pyfapi.autodiff import Variable
from pyfapi.kernels import optim as K
from references import training_ref as ref

SIZES = (0, 1, 7, 31, 97)
BIG = 200_003  # > 2 chunks of 2**15 and enough work for 2 threads
ISAS = [isa for isa in ("generic", "avx2", "avx512")]


def _f32(x):
    return np.asarray(x, dtype=np.float32)


# kind -> (kernel call on float32 arrays, ref step on float64, slot names kernel order -> ref key)
def _kernel_step(kind, w, g, slots, step, kw, extra):
    if kind == "sgd":
        K.sgd_update([w], [g], [slots["m"]] if kw.get("momentum") else None,
                     learning_rate=kw["lr"], momentum=kw.get("momentum", 0.0),
                     nesterov=kw.get("nesterov", False), **extra)
    elif kind == "rmsprop":
        K.rmsprop_update([w], [g], [slots["v"]],
                         [slots["m"]] if kw.get("momentum") else None,
                         [slots["a"]] if kw.get("centered") else None,
                         learning_rate=kw["lr"], rho=kw.get("rho", 0.9),
                         momentum=kw.get("momentum", 0.0), epsilon=kw.get("eps", 1e-7),
                         centered=kw.get("centered", False), **extra)
    elif kind == "adam":
        alpha = K.adam_alpha(kw["lr"], kw.get("b1", 0.9), kw.get("b2", 0.999), step)
        K.adam_update([w], [g], [slots["m"]], [slots["v"]],
                      [slots["vh"]] if kw.get("amsgrad") else None, alpha=alpha,
                      beta_1=kw.get("b1", 0.9), beta_2=kw.get("b2", 0.999),
                      epsilon=kw.get("eps", 1e-7), amsgrad=kw.get("amsgrad", False), **extra)
    else:
        K.adagrad_update([w], [g], [slots["acc"]], learning_rate=kw["lr"],
                         epsilon=kw.get("eps", 1e-7), **extra)


def _slot_keys(kind, kw):
    if kind == "sgd":
        return ["m"] if kw.get("momentum") else []
    if kind == "rmsprop":
        return ["v"] + (["m"] if kw.get("momentum") else []) + (["a"] if kw.get("centered") else [])
    if kind == "adam":
        return ["m", "v"] + (["vh"] if kw.get("amsgrad") else [])
    return ["acc"]


def _ref_step(kind, w, g, state, kw):
    if kind == "sgd":
        return ref.sgd(w, g, state, **kw)
    if kind == "rmsprop":
        return ref.rmsprop(w, g, state, **kw)
    if kind == "adam":
        return ref.adam(w, g, state, **kw)
    return ref.adagrad(w, g, state, **kw)


CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "nesterov": True}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "rho": 0.8, "centered": True}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "b1": 0.8, "b2": 0.99, "amsgrad": True}),
    ("adagrad", {"lr": 0.1, "init": 0.1}),
]


def _run_kernel(kind, kw, n, steps=3, seed=0, extra=None, pre=None):
    """``steps`` fused steps on float32 buffers and the float64 reference on the same data."""
    rng = np.random.default_rng(seed)
    w64 = rng.normal(size=n)
    w = _f32(w64)
    w64 = w.astype(np.float64)
    keys = _slot_keys(kind, kw)
    init = kw.get("init", 0.0) if kind == "adagrad" else 0.0
    slots = {k: np.full(n, init, np.float32) for k in keys}
    state = {}
    for t in range(1, steps + 1):
        g = _f32(rng.normal(size=n) * 2.0)
        _kernel_step(kind, w, g, slots, t, kw, extra or {})
        g64 = g.astype(np.float64)
        if pre is not None:
            w64, g64 = pre(w64, g64)
        w64, state = _ref_step(kind, w64, g64, state, kw)
    return w, w64, slots, state


@pytest.mark.parametrize("kind,kw", CASES)
@pytest.mark.parametrize("n", SIZES + (BIG,))
def test_matches_float64_formula(isa, kind, kw, n):
    w, w64, slots, state = _run_kernel(kind, kw, n)
    np.testing.assert_allclose(w, w64, rtol=2e-5, atol=2e-6)
    for k, buf in slots.items():
        np.testing.assert_allclose(buf, state[k], rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind,kw", CASES)
def test_clipvalue_scale_and_weight_decay(isa, kind, kw):
    lr = kw["lr"]
    wd, cv, sc = 0.05, 0.7, 0.6

    def pre(w, g):  # Keras order: scale (clipnorm), clip value, weight decay, update
        g = np.clip(g * float(np.float32(sc)), -cv, cv)
        return w - w * wd * lr, g

    extra = dict(weight_decay_lr=wd * lr, clipvalue=cv, grad_scale=[sc])
    w, w64, _, _ = _run_kernel(kind, kw, 97, extra=extra, pre=pre)
    np.testing.assert_allclose(w, w64, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kind,kw", CASES)
def test_one_and_two_threads_identical(kind, kw):
    before = pyfapi.get_num_threads() if hasattr(pyfapi, "get_num_threads") else \
        _C.get_num_threads()
    try:
        out = []
        for nt in (1, 2):
            _C.set_num_threads(nt)
            w, _, slots, _ = _run_kernel(kind, kw, BIG, steps=2)
            out.append((w, slots))
    finally:
        _C.set_num_threads(before)
    np.testing.assert_array_equal(out[0][0], out[1][0])
    for k in out[0][1]:
        np.testing.assert_array_equal(out[0][1][k], out[1][1][k])


def test_isa_paths_agree_bitwise():
    got = []
    before = _C.active_isa()
    try:
        for name in ISAS:
            if not _C.set_isa(name):
                continue
            got.append(_run_kernel("adam", {"lr": 0.01, "amsgrad": True}, 1031)[0])
    finally:
        _C.set_isa(before)
    for w in got[1:]:
        np.testing.assert_array_equal(w, got[0])


def test_several_variables_one_call():
    rng = np.random.default_rng(5)
    sizes = [0, 3, 1, 40000, 13]
    ws = [_f32(rng.normal(size=s)) for s in sizes]
    gs = [_f32(rng.normal(size=s)) for s in sizes]
    vs = [np.zeros(s, np.float32) for s in sizes]
    w64 = [w.astype(np.float64) for w in ws]
    K.rmsprop_update(ws, gs, vs, learning_rate=0.01)
    for w, w0, g in zip(ws, w64, gs):
        exp, _ = ref.rmsprop(w0, g.astype(np.float64), {}, lr=0.01)
        np.testing.assert_allclose(w, exp, rtol=2e-5, atol=2e-6)


# ---- bad input: an error naming the argument, nothing written -----------------------------------
def _good(n=5):
    return [np.ones(n, np.float32)], [np.ones(n, np.float32)], [np.zeros(n, np.float32)]


@pytest.mark.parametrize("mutate,exc,match", [
    (lambda w, g, v: (w, [np.ones(5, np.float64)], v), TypeError, r"grads\[0\] must be float32"),
    (lambda w, g, v: (w, [np.ones(6, np.float32)], v), ValueError, r"grads\[0\].*5 values"),
    (lambda w, g, v: (w, g, [np.zeros(4, np.float32)]), ValueError, r"velocities\[0\]"),
    (lambda w, g, v: ([np.ones(10, np.float32)[::2]], g, v), ValueError, r"C-contiguous"),
    (lambda w, g, v: (w, g + g, v), ValueError, r"one array per variable"),
    (lambda w, g, v: (w, g, []), ValueError, r"velocities must have one array"),
    (lambda w, g, v: (w[0], g, v), TypeError, r"params must be a list"),
    (lambda w, g, v: (w, [[1.0] * 5], v), TypeError, r"grads\[0\] must be a numpy array"),
    (lambda w, g, v: (w, [w[0]], v), ValueError, r"must not overlap"),
])
def test_bad_input_raises_before_writing(mutate, exc, match):
    w, g, v = mutate(*_good())
    snapshot = [a.copy() for a in (w if isinstance(w, list) else [w])]
    with pytest.raises(exc, match=match):
        K.rmsprop_update(w, g, v, learning_rate=0.1)
    for a, b in zip(w if isinstance(w, list) else [w], snapshot):
        np.testing.assert_array_equal(a, b)


def test_read_only_and_missing_slots_and_bad_scalars():
    w, g, v = _good()
    w[0].flags.writeable = False
    with pytest.raises(ValueError, match=r"params\[0\] is read-only"):
        K.sgd_update(w, g, learning_rate=0.1)
    w, g, v = _good()
    with pytest.raises(ValueError, match="momentum slots"):
        K.sgd_update(w, g, None, learning_rate=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="average_gradients"):
        K.rmsprop_update(w, g, v, learning_rate=0.1, centered=True)
    with pytest.raises(ValueError, match="velocity_hats"):
        K.adam_update(w, g, v, [np.zeros(5, np.float32)], alpha=0.1, amsgrad=True)
    with pytest.raises(ValueError, match="clipvalue must be > 0"):
        K.adagrad_update(w, g, v, learning_rate=0.1, clipvalue=0.0)
    with pytest.raises(ValueError, match="grad_scale must hold one value per variable"):
        K.adagrad_update(w, g, v, learning_rate=0.1, grad_scale=[1.0, 2.0])
    np.testing.assert_array_equal(w[0], 1.0)


def test_cpp_guard_refuses_without_writing():
    # the unchecked entry point still refuses a non-float32 / wrongly sized array in C++
    w, g, v = _good()
    with pytest.raises(ValueError, match="grads"):
        K.step_unchecked(K.KIND_RMSPROP, w, [np.ones(4, np.float32)], v, 1, None, 0.1, 0.0,
                         False, 0.0, False, 0.9, 0.1, 0.0, 1e-7, False, False)
    with pytest.raises(ValueError, match="slots"):
        K.step_unchecked(K.KIND_RMSPROP, w, g, v, 2, None, 0.1, 0.0, False, 0.0, False, 0.9,
                         0.1, 0.0, 1e-7, False, True)
    np.testing.assert_array_equal(w[0], 1.0)
    np.testing.assert_array_equal(v[0], 0.0)


# ---- optimizer classes: fused path == numpy reference path --------------------------------------
OPT_CASES = [
    (optimizers.SGD, {"learning_rate": 0.1}),
    (optimizers.SGD, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    (optimizers.SGD, {"momentum": 0.9, "clipvalue": 0.3, "weight_decay": 0.01}),
    (optimizers.RMSprop, {}),
    (optimizers.RMSprop, {"momentum": 0.5, "centered": True, "clipnorm": 0.5}),
    (optimizers.RMSprop, {"global_clipnorm": 0.5}),
    (optimizers.Adam, {"amsgrad": True}),
    (optimizers.Adam, {"learning_rate": lambda it: 0.01 / (1 + it)}),
    (optimizers.AdamW, {"weight_decay": 0.1}),
    (optimizers.Adagrad, {"clipnorm": 1.0}),
]


def _train(cls, kw, fused, steps=4):
    rng = np.random.default_rng(11)
    shapes = [(3,), (1,), (7, 13), (64, 33), (2, 3, 5)]
    vs = [Variable(rng.normal(size=s).astype(np.float32)) for s in shapes]
    opt = cls(**kw)
    opt._fused = fused
    for t in range(steps):
        gs = [rng.normal(size=s).astype(np.float32) for s in shapes]
        if t == 1:
            gs[1] = None  # a variable without gradient this step is left unchanged
        if t == 2:
            gs[2] = np.asfortranarray(gs[2])  # non-contiguous gradient: read once as a copy
        opt.apply(gs, vs)
    return [v.numpy() for v in vs], [s.numpy() for s in opt.variables]


@pytest.mark.parametrize("cls,kw", OPT_CASES)
def test_optimizer_fused_matches_numpy_path(cls, kw):
    w_f, s_f = _train(cls, kw, True)
    w_n, s_n = _train(cls, kw, False)
    for a, b in zip(w_f + s_f, w_n + s_n):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_optimizer_uses_fused_path_and_updates_in_place():
    v = Variable(np.ones((4, 3), np.float32))
    buf = v.value
    opt = optimizers.RMSprop()
    assert opt._fused
    opt.apply([np.full((4, 3), 0.5, np.float32)], [v])
    assert v.value is buf
    slot = opt.variables[2].value
    np.testing.assert_allclose(slot, 0.1 * 0.25, rtol=1e-6)
    exp = 1.0 - 0.001 * 0.5 / np.sqrt(0.1 * 0.25 + 1e-7)
    np.testing.assert_allclose(v.value, exp, rtol=1e-6)


def test_optimizer_falls_back_to_numpy_for_non_float32_variables():
    # the C++ guard refuses a float64 variable before writing; the numpy path then updates it
    out = []
    for fused in (True, False):
        v = Variable(np.ones(3), dtype="float64")
        opt = optimizers.SGD(0.1, momentum=0.5)
        opt._fused = fused
        for _ in range(2):
            opt.apply([np.ones(3, np.float32)], [v])
        out.append(v.numpy())
    np.testing.assert_allclose(out[0], 1.0 - 0.1 - (0.5 * 0.1 + 0.1), rtol=1e-6)
    np.testing.assert_array_equal(out[0], out[1])
