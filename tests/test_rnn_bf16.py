"""bfloat16 recurrences (csrc/rnn/rnn_bf16.*) of LSTM / GRU / SimpleRNN under a bfloat16 compute
precision (``mixed_bfloat16`` layers, or ``compute_precision("bfloat16")`` around the ops).

Reference: tests/references/rnn_ref.py with ``operand=to_bf16``: every operand of every matrix
product (x, kernel, h_{t-1} (times its recurrent-dropout mask), recurrent_kernel, and GRU's
r * h_{t-1}) rounded to bfloat16 (round to nearest even, integer arithmetic on the float32 bits,
independent of the kernels), products, sums and gate math in float64.

Tolerance: the AVX512-BF16 kernels multiply exactly these rounded operands (vdpbf16ps products
are exact in float32) and accumulate in float32 (~1e-6 here), with gate functions of 3e-7
absolute error; what remains is the recurrence: where the kernel's float32 h and the reference's
float64 h round to neighbouring bfloat16 values (one ulp, 2^-8 relative), that step's product
differs by up to 2^-8 |h| |R| and the difference is carried along the sequence (damped by the
gates). ATOL = 2^-10, a quarter of a bfloat16 ulp at 1; and, so that a kernel that skipped the
rounding cannot pass, wherever the two references differ by more than ATOL the kernels' RMS
distance to the rounded reference must be at most a quarter of the references' RMS distance.

Every other path (a CPU without AVX512-BF16, or PYFAPI_ISA / set_isa below avx512_bf16) runs
the float32 kernels for a bfloat16 request: bitwise the float32 results.
"""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C, layers, mixed_precision as mp, ops
from pyfapi.autodiff import GradientTape, Tensor
from pyfapi.kernels.lstm import lstm_backward, lstm_forward
from pyfapi.kernels.precision import compute_precision, current_precision
from references.rnn_ref import gru_ref, lstm_ref, simple_rnn_ref

BF16 = _C.detected_isa() == "avx512_bf16"
ATOL = 2.0 ** -10


def to_bf16(x):
    """float -> float32 -> nearest bfloat16 (ties to even), as float64."""
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    return r.astype(np.float64)


@pytest.fixture
def bf16_path():
    """The AVX512-BF16 path active (skips on CPUs without it); restores the active path."""
    if not BF16:
        pytest.skip(f"CPU lacks AVX512-BF16 (detected {_C.detected_isa()})")
    old = _C.active_isa()
    _C.set_isa("avx512_bf16")
    yield
    _C.set_isa(old)


@pytest.fixture
def mixed():
    mp.set_global_policy("mixed_bfloat16")
    yield
    mp.set_global_policy("float32")


def _check(got, ref_bf16, ref_f32):
    got = np.asarray(got, np.float64)
    err = np.abs(got - ref_bf16)
    assert np.all(np.isfinite(got)) and err.max(initial=0.0) <= ATOL, err.max(initial=0.0)
    gap = np.abs(ref_f32 - ref_bf16)
    if gap.max(initial=0.0) > ATOL:  # the kernel rounded what the reference rounds
        assert np.sqrt(np.mean(err ** 2)) <= 0.25 * np.sqrt(np.mean(gap ** 2))


def _lstm_params(rng, n, t, d, u, state):
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = (rng.standard_normal((d, 4 * u)) / np.sqrt(d)).astype(np.float32)
    r = (rng.standard_normal((u, 4 * u)) / np.sqrt(u)).astype(np.float32)
    b = (0.1 * rng.standard_normal(4 * u)).astype(np.float32)
    st = None
    if state:
        st = [rng.standard_normal((n, u)).astype(np.float32) * 0.5 for _ in range(2)]
    return x, w, r, b, st


def _mask(rng, n, t):
    m = rng.random((n, t)) > 0.3
    if n:
        m[0] = False  # an all-masked row
    return m


@pytest.mark.parametrize("n,t,d,u,state,masked,rdrop", [
    (1, 1, 3, 1, False, False, False),      # batch 1, T = 1, one unit
    (5, 30, 7, 13, True, False, False),     # prime units, odd features, initial state
    (33, 40, 64, 32, False, True, False),   # three batch chunks (16 + 16 + 1), sequence mask
    (20, 12, 5, 17, True, True, True),      # recurrent-dropout masks (per-gate products)
    (3, 4, 9, 131, False, False, False),    # units > 128 (the float32 path's sgemm range)
])
def test_lstm_forward_matches_bf16_reference(bf16_path, n, t, d, u, state, masked, rdrop):
    rng = np.random.default_rng(n * 1000 + u)
    x, w, r, b, st = _lstm_params(rng, n, t, d, u, state)
    mask = _mask(rng, n, t) if masked else None
    rm = (rng.random((4, n, u)) > 0.25).astype(np.float32) / 0.75 if rdrop else None
    with compute_precision("bfloat16"):
        seq, h, c, _ = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                                    mask=mask, recurrent_masks=rm)
    assert seq.dtype == np.float32 and current_precision() == "float32"
    h0, c0 = st if state else (None, None)
    kw = dict(h0=h0, c0=c0, mask=mask, recurrent_masks=rm)
    rb = lstm_ref(x, w, r, b, operand=to_bf16, **kw)
    rf = lstm_ref(x, w, r, b, **kw)
    for got, ref_b, ref_f in zip((seq, h, c), rb, rf):
        _check(got, ref_b, ref_f)


def test_lstm_projected_input_and_empty_batch(bf16_path):
    rng = np.random.default_rng(3)
    u = 7
    _, w, r, b, _ = _lstm_params(rng, 1, 1, 5, u, False)
    # kernel=None: x is the projection (4u features). Its values are bfloat16 numbers here, so
    # the reference (identity kernel, every operand rounded) rounds nothing the kernel does not.
    x = to_bf16(rng.standard_normal((6, 9, 4 * u))).astype(np.float32)
    with compute_precision("bfloat16"):
        seq, _, _, _ = lstm_forward(x, None, r, b, return_sequences=True)
        empty = lstm_forward(np.zeros((0, 3, 5), np.float32), w, r, b, training=True)
        grads = lstm_backward(empty[3], np.zeros((0, u), np.float32))
    eye = np.eye(4 * u)
    _check(seq, lstm_ref(x, eye, r, b, operand=to_bf16)[0], lstm_ref(x, eye, r, b)[0])
    assert empty[0].shape == (0, u) and grads[0].shape == (0, 3, 5)
    assert not grads[2].any() and grads[2].shape == (u, 4 * u)


def _gru_params(rng, n, t, d, u, reset_after, state):
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = (rng.standard_normal((d, 3 * u)) / np.sqrt(d)).astype(np.float32)
    r = (rng.standard_normal((u, 3 * u)) / np.sqrt(u)).astype(np.float32)
    b = (0.1 * rng.standard_normal((2, 3 * u) if reset_after else (3 * u,))).astype(np.float32)
    h0 = rng.standard_normal((n, u)).astype(np.float32) * 0.5 if state else None
    return x, w, r, b, h0


def _run_gru(x, w, r, b, h0, mask, reset_after, rm=None):
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, None)
    xp = ops.linear(x, w, b_in)  # (the layers' projection: one GEMM over N * T rows)
    return ops.gru(xp, r, b_rec, initial_state=h0, mask=mask, recurrent_masks=rm,
                   reset_after=reset_after, return_sequences=True)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("n,t,d,u,state,masked,rdrop", [
    (1, 1, 3, 1, False, False, False),
    (5, 25, 7, 13, True, True, False),
    (33, 30, 24, 32, False, False, True),
])
def test_gru_forward_matches_bf16_reference(bf16_path, reset_after, n, t, d, u, state, masked,
                                            rdrop):
    rng = np.random.default_rng(7 * n + u)
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, state)
    mask = _mask(rng, n, t) if masked else None
    rm = (rng.random((3, n, u)) > 0.25).astype(np.float32) / 0.75 if rdrop else None
    with compute_precision("bfloat16"):
        out, h = _run_gru(x, w, r, b, h0, mask, reset_after, rm)
    kw = dict(h0=h0, mask=mask, reset_after=reset_after, recurrent_masks=rm)
    rb = gru_ref(x, w, r, b, operand=to_bf16, **kw)
    rf = gru_ref(x, w, r, b, **kw)
    _check(out.numpy(), rb[0], rf[0])
    _check(h.numpy(), rb[1], rf[1])


def test_simple_rnn_forward_matches_bf16_reference(bf16_path):
    rng = np.random.default_rng(5)
    n, t, d, u = 19, 20, 6, 11
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = (rng.standard_normal((d, u)) / np.sqrt(d)).astype(np.float32)
    r = (rng.standard_normal((u, u)) / np.sqrt(u)).astype(np.float32)
    b = (0.1 * rng.standard_normal(u)).astype(np.float32)
    mask = _mask(rng, n, t)
    with compute_precision("bfloat16"):
        xp = ops.linear(x, w, b)
        out, h = ops.simple_rnn(xp, r, mask=mask, return_sequences=True)
    rb = simple_rnn_ref(x, w, r, b, mask=mask, operand=to_bf16)
    rf = simple_rnn_ref(x, w, r, b, mask=mask)
    _check(out.numpy(), rb[0], rf[0])
    _check(h.numpy(), rb[1], rf[1])


def _layer_pair(cls, units, x_shape, **kw):
    """The same layer (same weights) under mixed_bfloat16 and float32."""
    l16 = cls(units, dtype="mixed_bfloat16", **kw)
    l32 = cls(units, **kw)
    l16.build(x_shape)
    l32.build(x_shape)
    l32.set_weights(l16.get_weights())
    return l16, l32


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU])
def test_layer_policy_dtypes_and_bf16_outputs(cls):
    """mixed_bfloat16: float32 variables, float32 output arrays holding the bfloat16-operand
    results (return_sequences, go_backwards and a mask included); precision restored."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((7, 15, 10)).astype(np.float32)
    mask = _mask(rng, 7, 15)
    kw = dict(return_sequences=True, go_backwards=True)
    l16, l32 = _layer_pair(cls, 9, (None, 15, 10), **kw)
    assert (l16.compute_dtype, l16.variable_dtype) == ("bfloat16", "float32")
    assert all(v.value.dtype == np.float32 for v in l16.weights)
    y16 = np.asarray(l16(x, mask=mask).value)
    y32 = np.asarray(l32(x, mask=mask).value)
    assert y16.dtype == np.float32 and y16.shape == (7, 15, 9)
    assert current_precision() == "float32"
    xr, mr = x[:, ::-1], mask[:, ::-1]
    wts = l16.get_weights()
    if cls is layers.LSTM:
        rb = lstm_ref(xr, *wts, mask=mr, operand=to_bf16)[0]
        rf = lstm_ref(xr, *wts, mask=mr)[0]
    else:
        rb = gru_ref(xr, *wts, mask=mr, operand=to_bf16)[0]
        rf = gru_ref(xr, *wts, mask=mr)[0]
    np.testing.assert_allclose(y32, rf, atol=1e-5)
    if BF16 and _C.active_isa() == "avx512_bf16":
        _check(y16, rb, rf)
    else:
        np.testing.assert_array_equal(y16, y32)


@pytest.mark.parametrize("cls,units,kw", [
    (layers.LSTM, 13, {}), (layers.GRU, 13, {}), (layers.GRU, 13, {"reset_after": False}),
    (layers.LSTM, 131, {}),  # units > 128: the float32 path's sgemm range
    (layers.LSTM, 9, {"recurrent_dropout": 0.3, "seed": 1}),  # per-gate products, training
])
def test_gradients_finite_and_close_to_float32(cls, units, kw):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((21, 17, 8)).astype(np.float32)
    l16, l32 = _layer_pair(cls, units, (None, 17, 8), return_sequences=True, **kw)
    grads = []
    for lay in (l16, l32):
        xt = Tensor(x)
        with GradientTape() as tape:
            tape.watch(xt)
            y = lay(xt, training=True)
            loss = ops.sum(ops.multiply(y, y))
        grads.append([np.asarray(g.value) for g in tape.gradient(loss, [xt, *lay.weights])])
        assert current_precision() == "float32"
    for g16, g32 in zip(*grads):
        assert g16.dtype == np.float32 and np.all(np.isfinite(g16))
        rel = np.linalg.norm(g16 - g32) / np.linalg.norm(g32)
        assert rel < 3e-2, rel
    if BF16 and _C.active_isa() == "avx512_bf16":  # the bf16 backward ran
        assert any(not np.array_equal(a, b) for a, b in zip(*grads))


@pytest.mark.parametrize("which", ["lstm", "gru"])
def test_bf16_same_on_1_and_2_threads(bf16_path, force_parallel, which):
    rng = np.random.default_rng(13)
    n, t, d, u = 40, 9, 6, 11
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    res = []
    old = pyfapi.get_num_threads()
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            if which == "lstm":
                _, w, r, b, _ = _lstm_params(np.random.default_rng(1), n, t, d, u, False)
            else:
                _, w, r, b, _ = _gru_params(np.random.default_rng(1), n, t, d, u, True, False)
            ws = [Tensor(a) for a in (x, w, r, b)]
            with compute_precision("bfloat16"), GradientTape() as tape:
                for a in ws:
                    tape.watch(a)
                if which == "lstm":
                    seq, h, c = ops.lstm(ws[0], ws[1], ws[2], ws[3], return_sequences=True)
                else:
                    seq, h = _run_gru(*ws, None, None, True)
                loss = ops.sum(ops.multiply(seq, seq))
            gs = tape.gradient(loss, ws)
            res.append([seq.numpy().copy()] + [np.asarray(g.value).copy() for g in gs])
    finally:
        pyfapi.set_num_threads(old)
    for a, b in zip(*res):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("path", ["avx512", "avx2", "generic"])
def test_forced_lower_path_runs_float32_exactly(path):
    """Below avx512_bf16 a bfloat16 request runs the float32 recurrences: bitwise equal."""
    old = _C.active_isa()
    if not _C.set_isa(path):
        pytest.skip(f"CPU lacks {path}")
    try:
        rng = np.random.default_rng(17)
        x, w, r, b, st = _lstm_params(rng, 18, 6, 5, 7, True)
        ref = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                           training=True)
        dy = rng.standard_normal(ref[0].shape).astype(np.float32)
        gref = lstm_backward(ref[3], dy)
        with compute_precision("bfloat16"):
            got = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                               training=True)
            ggot = lstm_backward(got[3], dy)
            gx, gw, gr, gb, gh = _gru_params(rng, 18, 6, 5, 7, True, True)
            gru16 = _run_gru(gx, gw, gr, gb, gh, None, True)
        gru32 = _run_gru(gx, gw, gr, gb, gh, None, True)
        for a, c in zip(got[:3] + ggot, ref[:3] + gref):
            assert np.array_equal(a, c)
        for a, c in zip(gru16, gru32):
            assert np.array_equal(a.numpy(), c.numpy())
    finally:
        _C.set_isa(old)


def test_forced_path_in_a_fresh_process(run_python):
    """PYFAPI_ISA=avx512 (AVX512-BF16 off): a mixed_bfloat16 LSTM equals its float32 twin."""
    code = ("import numpy as np, pyfapi; from pyfapi import layers, _C\n"
            "x = np.random.default_rng(0).standard_normal((4, 6, 3)).astype(np.float32)\n"
            "a = layers.LSTM(5, dtype='mixed_bfloat16'); b = layers.LSTM(5)\n"
            "a.build((None, 6, 3)); b.build((None, 6, 3)); b.set_weights(a.get_weights())\n"
            "print(_C.active_isa(), bool(np.array_equal(a(x).numpy(), b(x).numpy())))")
    out = run_python("-c", code, env={"PYFAPI_ISA": "avx512"}).stdout.split()
    assert out[1] == "True" and out[0] in ("avx512", "avx2", "generic")


def test_global_policy_model_trains(mixed):
    """A mixed_bfloat16 functional LSTM + GRU model trains (finite, decreasing loss) with
    float32 weights."""
    rng = np.random.default_rng(19)
    x = rng.standard_normal((32, 12, 5)).astype(np.float32)
    y = x[:, -3:, :2].sum(1)
    inp = pyfapi.Input((12, 5))
    hseq = layers.LSTM(16, return_sequences=True)(inp)
    out = layers.Dense(2, dtype="float32")(layers.GRU(8)(hseq))
    model = pyfapi.Model(inp, out)
    assert model.layers[1].compute_dtype == "bfloat16"
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit(x, y, epochs=8, batch_size=16, verbose=0).history["loss"]
    assert np.all(np.isfinite(hist)) and hist[-1] < hist[0]
    assert all(w.dtype == np.float32 for w in model.get_weights())
