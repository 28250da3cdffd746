"""Ftrl's fused C++ step (csrc/optim kind 8, pyfapi.kernels.optim.ftrl_update) against a float64
numpy transcription of Keras 3's update_step (keras/src/optimizers/ftrl.py), written here, on
odd sizes and every ISA path; 1 vs 2 threads bitwise; the optimizer class against its numpy path
and against real Keras after many steps."""
import numpy as np
import pytest
from keras_jax import keras_or_skip

import pyfapi
from pyfapi import _C, optimizers
from pyfapi.kernels import optim as K

SIZES = (0, 1, 7, 31, 97)
BIG = 200_003  # > 2 chunks of 2**15 and enough work for 2 threads

DEFAULT = {"learning_rate": 0.1}
FULL = {"learning_rate": 0.05, "learning_rate_power": -0.7, "l1_regularization_strength": 0.01,
        "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.03,
        "beta": 0.5}
SQRT_REG = {"learning_rate": 0.2, "l1_regularization_strength": 0.3,
            "l2_regularization_strength": 0.1, "beta": 1.0}
CASES = [DEFAULT, FULL, SQRT_REG, {"learning_rate": 0.01, "learning_rate_power": 0.0},
         {"learning_rate": 0.3, "learning_rate_power": -1.0}]


def ftrl_ref(w, g, n, z, learning_rate, learning_rate_power=-0.5, l1_regularization_strength=0.0,
             l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0):
    """One Ftrl step in float64 (Keras 3's formulas); returns new (w, n, z)."""
    p = -learning_rate_power
    l2 = l2_regularization_strength + beta / (2.0 * learning_rate)
    gu = g + 2.0 * l2_shrinkage_regularization_strength * w
    n1 = n + g * g
    z = z + gu - (n1 ** p - n ** p) / learning_rate * w
    quad = n1 ** p / learning_rate + 2.0 * l2
    l1 = l1_regularization_strength
    w = (np.clip(z, -l1, l1) - z) / quad
    return w, n1, z


def _close(a, b):
    """float32 vs float64: the linear term ``z`` sums terms far bigger than itself, so the error
    is relative to the array's scale."""
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    np.testing.assert_allclose(a, b, rtol=3e-5, atol=3e-6 * scale)


def _run(kw, n, steps=4, seed=0, init=0.1, extra=None, pre=None):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n).astype(np.float32)
    acc = np.full(n, init, np.float32)
    lin = np.zeros(n, np.float32)
    w64, n64, z64 = w.astype(np.float64), acc.astype(np.float64), lin.astype(np.float64)
    for _ in range(steps):
        g = (rng.normal(size=n) * 2.0).astype(np.float32)
        K.ftrl_update([w], [g], [acc], [lin], **kw, **(extra or {}))
        g64 = g.astype(np.float64)
        if pre is not None:
            w64, g64 = pre(w64, g64)
        w64, n64, z64 = ftrl_ref(w64, g64, n64, z64, **kw)
    return (w, acc, lin), (w64, n64, z64)


@pytest.mark.parametrize("kw", CASES, ids=["default", "full", "sqrt_reg", "p0", "p1"])
@pytest.mark.parametrize("n", SIZES + (BIG,))
def test_matches_float64_formula(isa, kw, n):
    got, want = _run(kw, n)
    for a, b in zip(got, want):
        _close(a, b)


def test_l1_zeroes_small_linear_terms():
    # |z| <= l1 gives w = 0 exactly: the sparsity FTRL is used for
    w = np.ones(5, np.float32)
    acc = np.full(5, 0.1, np.float32)
    lin = np.zeros(5, np.float32)
    g = np.array([0.01, -0.02, 0.0, 5.0, -5.0], np.float32)
    K.ftrl_update([w], [g], [acc], [lin], learning_rate=0.1, l1_regularization_strength=1.0)
    ref, _, _ = ftrl_ref(np.ones(5), g.astype(np.float64), np.full(5, 0.1), np.zeros(5),
                         learning_rate=0.1, l1_regularization_strength=1.0)
    assert ref[0] == 0 and ref[3] != 0  # the case is meaningful
    np.testing.assert_array_equal(w[:3], 0.0)
    np.testing.assert_allclose(w, ref, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kw", [DEFAULT, FULL], ids=["default", "full"])
def test_clipvalue_scale_and_weight_decay(isa, kw):
    lr = kw["learning_rate"]
    wd, cv, sc = 0.05, 0.7, 0.6

    def pre(w, g):  # Keras order: scale (clipnorm), clip value, weight decay, update
        g = np.clip(g * float(np.float32(sc)), -cv, cv)
        return w - w * wd * lr, g

    extra = dict(weight_decay_lr=wd * lr, clipvalue=cv, grad_scale=[sc])
    got, want = _run(kw, 97, extra=extra, pre=pre)
    for a, b in zip(got, want):
        _close(a, b)


@pytest.mark.parametrize("kw", [DEFAULT, FULL], ids=["sqrt", "pow"])
def test_one_and_two_threads_identical(kw):
    before = _C.get_num_threads()
    try:
        out = []
        for nt in (1, 2):
            _C.set_num_threads(nt)
            out.append(_run(kw, BIG, steps=2)[0])
    finally:
        _C.set_num_threads(before)
    for a, b in zip(out[0], out[1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kw", [DEFAULT, FULL], ids=["sqrt", "pow"])
def test_isa_paths_agree_bitwise(kw):
    got = []
    before = _C.active_isa()
    try:
        for name in ("generic", "avx2", "avx512"):
            if _C.set_isa(name):
                got.append(_run(kw, 1031)[0])
    finally:
        _C.set_isa(before)
    for g in got[1:]:
        for a, b in zip(g, got[0]):
            np.testing.assert_array_equal(a, b)


def test_bad_input_refused_before_writing():
    w = np.ones(4, np.float32)
    acc, lin = np.full(4, 0.1, np.float32), np.zeros(4, np.float32)
    g = np.ones(4, np.float32)
    with pytest.raises(ValueError, match="linears"):
        K.ftrl_update([w], [g], [acc], [np.zeros(3, np.float32)], learning_rate=0.1)
    with pytest.raises(TypeError, match="accumulators"):
        K.ftrl_update([w], [g], [acc.astype(np.float64)], [lin], learning_rate=0.1)
    with pytest.raises(ValueError, match="learning_rate"):
        K.ftrl_update([w], [g], [acc], [lin], learning_rate=0.0)
    with pytest.raises(ValueError, match="overlap"):
        K.ftrl_update([w], [g], [acc], [acc], learning_rate=0.1)
    np.testing.assert_array_equal(w, 1.0)
    np.testing.assert_array_equal(lin, 0.0)


def _train(kw, fused, steps=6, opt_kw=None):
    rng = np.random.default_rng(3)
    shapes = [(7, 3), (5,), (2, 2, 3)]
    vs = [pyfapi.Variable(rng.normal(size=s).astype(np.float32)) for s in shapes]
    opt = optimizers.Ftrl(**kw, **(opt_kw or {}))
    opt._fused = fused
    used = []
    orig = opt._apply_fused
    opt._apply_fused = lambda *a: used.append(orig(*a)) or used[-1]
    for t in range(steps):
        gs = [rng.normal(size=s).astype(np.float32) for s in shapes]
        if t == 1:
            gs[1] = None
        opt.apply(gs, vs)
    return [v.numpy() for v in vs] + [s.numpy() for s in opt.variables], used


@pytest.mark.parametrize("opt_kw", [{}, {"clipnorm": 0.5, "weight_decay": 0.1},
                                    {"global_clipnorm": 1.0}, {"clipvalue": 0.2}],
                         ids=["plain", "clipnorm_wd", "global", "clipvalue"])
def test_optimizer_fused_equals_numpy_path(opt_kw):
    fused, used = _train(DEFAULT, True, opt_kw=opt_kw)
    assert used and all(used)  # the C++ step ran every time
    numpy_, used = _train(DEFAULT, False, opt_kw=opt_kw)
    assert not used
    for a, b in zip(fused, numpy_):  # x^0.5 is sqrt on both paths: bitwise
        np.testing.assert_array_equal(a, b)
    fused, _ = _train(FULL, True, opt_kw=opt_kw)
    numpy_, _ = _train(FULL, False, opt_kw=opt_kw)
    for a, b in zip(fused, numpy_):  # double pow vs numpy's float32 power: ulps, amplified
        scale = max(1.0, float(np.abs(b).max()))  # by the cancellation in w = (clip(z) - z) / q
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("kw", [DEFAULT, FULL, SQRT_REG], ids=["default", "full", "sqrt_reg"])
def test_matches_real_keras_after_many_steps(kw):
    keras = keras_or_skip()
    rng = np.random.default_rng(11)
    w0 = [rng.normal(size=(9, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in w0] for _ in range(30)]
    out = []
    for lib in (keras, pyfapi):
        opt = lib.optimizers.Ftrl(**kw, clipnorm=2.0)
        vs = [lib.Variable(w) for w in w0]
        for g in grads:
            opt.apply(g, vs)
        out.append([np.asarray(v.numpy()) for v in vs] +
                   [np.asarray(v.numpy()) for v in opt.variables[2:]])
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3, 0.7, 1.0, 2.0, 3.5])
def test_power_is_correctly_rounded(isa, p):
    # w = 0, z = 0, l1 = l2 = 0, lr = 1: one step gives w = -g / n'^p exactly up to the rounding
    # of n'^p and of the division, so the kernel's x^p is checked over 80 decades of x
    x = np.geomspace(1e-40, 1e38, 4001).astype(np.float32)
    x = np.concatenate([x, np.float32([1, 2, 0.5, 3, 1e-45, np.finfo(np.float32).max])])
    small = x < 1
    g = np.where(small, np.float32(2.0 ** -80), np.float32(1))  # small x: g^2 flushes to 0
    acc = np.where(small, x, x - np.float32(1))  # n' = acc + g^2 = x
    ok = (acc + g * g) == x
    acc, x, g = acc[ok], x[ok], g[ok]
    n1 = x.astype(np.float64)
    w = np.zeros_like(x)
    K.ftrl_update([w], [g], [acc], [np.zeros_like(x)], learning_rate=1.0,
                  learning_rate_power=-p)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        pw = n1 ** float(np.float32(p))  # the power the kernel is given: float32(p)
        want = -g.astype(np.float64) / pw.astype(np.float32).astype(np.float64)
        want = want.astype(np.float32)
        finite = np.isfinite(pw.astype(np.float32)) & (pw.astype(np.float32) > 0)
    # x^p rounded once to float32 (ulp-exact but for near-ties), then -g / x^p as float32
    close = np.abs(w[finite] - want[finite]) <= 1.01 * np.spacing(np.abs(want[finite]))
    assert close.mean() == 1.0, (p, x[finite][~close][:5], w[finite][~close][:5])
    assert finite.sum() > (1000 if p < 3 else 500)
