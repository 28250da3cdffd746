"""GRU and SimpleRNN recurrence kernels (csrc/rnn via pyfapi.ops.gru / simple_rnn) against the
float64 numpy references of tests/references/rnn_ref.py (Keras 3's equations): forward values,
gradients (tape through the op vs central differences of the float64 reference), masks (left /
right padding, all-masked rows, zero_output_for_mask), recurrent-dropout masks, odd shapes,
1-vs-2-thread bitwise equality, and shape errors."""
import numpy as np
import pytest
from references.rnn_ref import gru_ref, lstm_ref, simple_rnn_ref

import pyfapi
from pyfapi import ops
from pyfapi.autodiff import GradientTape
from pyfapi.kernels.rnn import gru_forward, simple_rnn_forward

ATOL = 2e-5


def _gru_params(rng, n, t, d, u, reset_after=True, bias=True, state=False):
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = (rng.standard_normal((d, 3 * u)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((u, 3 * u)) * 0.5).astype(np.float32)
    b = None
    if bias:
        b = (rng.standard_normal((2, 3 * u) if reset_after else (3 * u,)) * 0.3).astype(np.float32)
    h0 = rng.standard_normal((n, u)).astype(np.float32) if state else None
    return x, w, r, b, h0


def _run_gru(x, w, r, b, h0, mask=None, reset_after=True, rmasks=None, zero=False,
             return_sequences=True):
    """The layer's composition: xp = x @ W + b_in, then ops.gru."""
    xp = ops.matmul(x, w)
    brec = None
    if b is not None:
        if reset_after:
            xp = ops.add(xp, b[0])
            brec = b[1]
        else:
            xp = ops.add(xp, b)
    return ops.gru(xp, r, brec, initial_state=h0, mask=mask, recurrent_masks=rmasks,
                   reset_after=reset_after, zero_output_for_mask=zero,
                   return_sequences=return_sequences)


def _masks(n, t, kind, rng):
    if kind is None:
        return None
    m = np.ones((n, t), bool)
    if kind == "right":
        for i in range(n):
            m[i, t - (i % t):] = False
    elif kind == "left":
        for i in range(n):
            m[i, :i % t] = False
    elif kind == "random":
        m = rng.random((n, t)) > 0.4
        m[0] = False  # an all-masked row
    return m


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("n,t,d,u,bias,state", [
    (1, 1, 1, 1, True, False), (3, 5, 4, 2, True, True), (17, 7, 5, 3, False, False),
    (5, 3, 2, 37, True, True), (2, 4, 3, 131, True, False)])
@pytest.mark.parametrize("mask_kind", [None, "right", "left", "random"])
def test_gru_forward_matches_reference(reset_after, n, t, d, u, bias, state, mask_kind):
    rng = np.random.default_rng(n * 100 + u)
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, bias, state)
    mask = _masks(n, t, mask_kind, rng)
    out, h = _run_gru(x, w, r, b, h0, mask, reset_after)
    ref_out, ref_h = gru_ref(x, w, r, b, h0, mask, reset_after)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=ATOL, rtol=1e-4)
    np.testing.assert_allclose(h.numpy(), ref_h, atol=ATOL, rtol=1e-4)
    last, _ = _run_gru(x, w, r, b, h0, mask, reset_after, return_sequences=False)
    np.testing.assert_allclose(last.numpy(), ref_out[:, -1], atol=ATOL, rtol=1e-4)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_recurrent_dropout_masks_and_zero_output(reset_after):
    rng = np.random.default_rng(3)
    n, t, d, u = 19, 6, 4, 5
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, True, True)
    rm = ((rng.random((3, n, u)) > 0.3) / 0.7).astype(np.float32)
    mask = _masks(n, t, "random", rng)
    out, h = _run_gru(x, w, r, b, h0, mask, reset_after, rmasks=rm, zero=True)
    ref_out, ref_h = gru_ref(x, w, r, b, h0, mask, reset_after, recurrent_masks=rm,
                             zero_output_for_mask=True)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=ATOL, rtol=1e-4)
    np.testing.assert_allclose(h.numpy(), ref_h, atol=ATOL, rtol=1e-4)


def _fd_grads(f, arrays, eps=1e-6):
    grads = []
    for a in arrays:
        g = np.zeros(a.shape)
        flat = a.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = f()
            flat[i] = old - eps
            fm = f()
            flat[i] = old
            g.reshape(-1)[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask_kind,rdrop,zero,return_sequences", [
    (None, False, False, True), ("left", False, False, True), ("random", True, False, False),
    ("right", True, True, True), (None, False, False, False)])
def test_gru_gradients_match_reference(reset_after, mask_kind, rdrop, zero, return_sequences):
    """Tape gradients (C++ BPTT + matmul VJPs) vs central differences of the float64 reference."""
    rng = np.random.default_rng(11)
    n, t, d, u = 3, 4, 3, 2
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, True, True)
    mask = _masks(n, t, mask_kind, rng)
    rm = ((rng.random((3, n, u)) > 0.3) / 0.7).astype(np.float32) if rdrop else None
    gy = rng.standard_normal((n, t, u) if return_sequences else (n, u))
    gh = rng.standard_normal((n, u))
    params = [a.astype(np.float64) for a in (x, w, r, b, h0)]

    def loss64():
        o, hh = gru_ref(*params, mask=mask, reset_after=reset_after, recurrent_masks=rm,
                        zero_output_for_mask=zero)
        o = o if return_sequences else o[:, -1]
        return float((o * gy).sum() + (hh * gh).sum())

    expected = _fd_grads(loss64, params)
    tensors = [pyfapi.Variable(a) for a in (x, w, r, b, h0)]
    with GradientTape() as tape:
        o, hh = _run_gru(*tensors, mask=mask, reset_after=reset_after, rmasks=rm, zero=zero,
                         return_sequences=return_sequences)
        total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                        ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    got = tape.gradient(total, tensors)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.asarray(g), e, atol=2e-4, rtol=2e-3)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("mask_kind,rdrop,zero", [(None, False, False), ("left", True, False),
                                                  ("random", False, True), ("right", True, False)])
def test_simple_rnn_forward_and_gradients(activation, mask_kind, rdrop, zero):
    rng = np.random.default_rng(5)
    n, t, d, u = 3, 4, 3, 2
    x = rng.standard_normal((n, t, d))
    w = rng.standard_normal((d, u)) * 0.5
    r = rng.standard_normal((u, u)) * 0.5
    b = rng.standard_normal(u) * 0.3
    h0 = rng.standard_normal((n, u))
    mask = _masks(n, t, mask_kind, rng)
    rm = ((rng.random((n, u)) > 0.3) / 0.7) if rdrop else None
    gy = rng.standard_normal((n, t, u))
    gh = rng.standard_normal((n, u))
    params = [x, w, r, b, h0]

    def loss64():
        o, hh = simple_rnn_ref(*params, mask=mask, activation=activation, recurrent_mask=rm,
                               zero_output_for_mask=zero)
        return float((o * gy).sum() + (hh * gh).sum())

    expected = _fd_grads(loss64, params)
    tensors = [pyfapi.Variable(a.astype(np.float32)) for a in params]
    with GradientTape() as tape:
        xp = ops.add(ops.matmul(tensors[0], tensors[1]), tensors[3])
        o, hh = ops.simple_rnn(xp, tensors[2], initial_state=tensors[4], mask=mask,
                               recurrent_masks=rm, activation=activation,
                               zero_output_for_mask=zero, return_sequences=True)
        total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                        ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    got = tape.gradient(total, tensors)
    ref_o, ref_h = simple_rnn_ref(*params, mask=mask, activation=activation, recurrent_mask=rm,
                                  zero_output_for_mask=zero)
    np.testing.assert_allclose(o.numpy(), ref_o, atol=ATOL, rtol=1e-4)
    np.testing.assert_allclose(hh.numpy(), ref_h, atol=ATOL, rtol=1e-4)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.asarray(g), e, atol=2e-4, rtol=2e-3)


def test_long_sequence_1000_steps():
    rng = np.random.default_rng(8)
    x, w, r, b, h0 = _gru_params(rng, 2, 1000, 3, 4, True, True, False)
    out, h = _run_gru(x, w, r, b, h0)
    ref_out, ref_h = gru_ref(x, w, r, b)
    np.testing.assert_allclose(out.numpy(), ref_out, atol=1e-4)
    np.testing.assert_allclose(h.numpy(), ref_h, atol=1e-4)


def test_empty_batch():
    xp = np.zeros((0, 3, 6), np.float32)
    r = np.zeros((2, 6), np.float32)
    out, h, _ = gru_forward(xp, r, return_sequences=True)
    assert out.shape == (0, 3, 2) and h.shape == (0, 2)
    out, h, _ = simple_rnn_forward(np.zeros((0, 3, 2), np.float32), r[:, :2])
    assert out.shape == (0, 2)


def _assert_same_on_one_and_two_threads(run):
    """``run()`` (a list of arrays) gives bitwise equal results with 1 and 2 threads."""
    old = pyfapi.get_num_threads()
    results = []
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            results.append(run())
    finally:
        pyfapi.set_num_threads(old)
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)


@pytest.mark.parametrize("reset_after", [True, False])
def test_one_and_two_threads_identical(force_parallel, reset_after):
    rng = np.random.default_rng(9)
    n, t, d, u = 41, 7, 5, 6
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, True, True)
    xp = (x @ w + (b[0] if reset_after else b)).astype(np.float32)
    brec = b[1] if reset_after else None
    mask = _masks(n, t, "random", rng)
    rm = ((rng.random((3, n, u)) > 0.3) / 0.7).astype(np.float32)
    dy = rng.standard_normal((n, t, u)).astype(np.float32)
    from pyfapi.kernels.rnn import gru_backward, simple_rnn_backward

    def run():
        out, h, ws = gru_forward(xp, r, brec, h0, mask, rm, reset_after, False, True, True)
        res = [out, h, *gru_backward(ws, dy, h)]
        out2, h2, ws2 = simple_rnn_forward(xp[..., :u], r[:, :u], h0, mask, rm[0],
                                           return_sequences=True, training=True)
        return res + [out2, h2, *simple_rnn_backward(ws2, dy, h2)]
    _assert_same_on_one_and_two_threads(run)


@pytest.mark.parametrize("kw, match", [
    (dict(xp=np.zeros((2, 3), np.float32)), r"must be 3-D"),
    (dict(xp=np.zeros((2, 0, 6), np.float32)), r"at least one timestep"),
    (dict(xp=np.zeros((2, 3, 9), np.float32)), r"expected \(batch, timesteps, 6\)"),
    (dict(recurrent_kernel=np.zeros((2, 4), np.float32)), r"recurrent_kernel must have shape"),
    (dict(initial_state=np.zeros((3, 2), np.float32)), r"initial_state has shape \(3, 2\)"),
    (dict(mask=np.ones((2, 4), bool)), r"mask has shape \(2, 4\), expected .* \(2, 3\)"),
    (dict(recurrent_masks=np.ones((2, 2, 2), np.float32)), r"recurrent_masks has shape"),
    (dict(recurrent_bias=np.zeros(5, np.float32)), r"recurrent_bias has shape \(5,\)"),
])
def test_bad_shapes_raise_value_error(kw, match):
    args = dict(xp=np.zeros((2, 3, 6), np.float32), recurrent_kernel=np.zeros((2, 6), np.float32))
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        gru_forward(**args)


@pytest.mark.parametrize("isa", ["generic", "avx2"])
def test_lower_isa_paths_agree(isa):
    """The portable and AVX2 cells give the reference's values (pyfapi._C.set_isa)."""
    from pyfapi import _C
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 6, 3)).astype(np.float32)
    w = (rng.standard_normal((3, 9)) * .5).astype(np.float32)
    r = (rng.standard_normal((3, 9)) * .5).astype(np.float32)
    m = rng.random((5, 6)) > .3
    old = _C.active_isa()
    try:
        _C.set_isa(isa)
        assert _C.active_isa() == isa
        for ra in (True, False):
            o, _ = ops.gru(x @ w, r, mask=m, reset_after=ra, return_sequences=True)
            np.testing.assert_allclose(o.numpy(), gru_ref(x, w, r, mask=m, reset_after=ra)[0],
                                       atol=ATOL)
        o, _ = ops.simple_rnn(x @ w[:, :3], r[:, :3], mask=m, return_sequences=True)
        np.testing.assert_allclose(o.numpy(), simple_rnn_ref(x, w[:, :3], r[:, :3], mask=m)[0],
                                   atol=ATOL)
    finally:
        _C.set_isa(old)


@pytest.mark.parametrize("mask_kind,zero,return_sequences", [
    ("left", False, True), ("right", True, True), ("random", False, False),
    ("random", True, True)])
def test_lstm_kernel_mask_forward_and_gradients(mask_kind, zero, return_sequences):
    """The LSTM kernel's sequence mask (csrc/lstm) vs the float64 reference, values and
    gradients (central differences of the reference)."""
    rng = np.random.default_rng(17)
    n, t, d, u = 3, 4, 3, 2
    arrays = [rng.standard_normal(s) * sc for s, sc in
              [((n, t, d), 1.0), ((d, 4 * u), 0.5), ((u, 4 * u), 0.5), ((4 * u,), 0.3),
               ((n, u), 1.0), ((n, u), 1.0)]]
    mask = _masks(n, t, mask_kind, rng)
    gy = rng.standard_normal((n, t, u) if return_sequences else (n, u))
    gh, gc = rng.standard_normal((n, u)), rng.standard_normal((n, u))

    def loss64():
        o, hh, cc = lstm_ref(*arrays, mask=mask, zero_output_for_mask=zero)
        o = o if return_sequences else o[:, -1]
        return float((o * gy).sum() + (hh * gh).sum() + (cc * gc).sum())

    expected = _fd_grads(loss64, arrays)
    tensors = [pyfapi.Variable(a.astype(np.float32)) for a in arrays]
    with GradientTape() as tape:
        o, hh, cc = ops.lstm(*tensors[:4], initial_state=tensors[4:], mask=mask,
                             zero_output_for_mask=zero, return_sequences=return_sequences)
        total = ops.add(ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                                ops.sum(ops.multiply(hh, gh.astype(np.float32)))),
                        ops.sum(ops.multiply(cc, gc.astype(np.float32))))
    got = tape.gradient(total, tensors)
    ro, rh, rc = lstm_ref(*arrays, mask=mask, zero_output_for_mask=zero)
    np.testing.assert_allclose(o.numpy(), ro if return_sequences else ro[:, -1], atol=ATOL)
    np.testing.assert_allclose(hh.numpy(), rh, atol=ATOL)
    np.testing.assert_allclose(cc.numpy(), rc, atol=ATOL)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(np.asarray(g), e, atol=2e-4, rtol=2e-3)


def test_lstm_masked_one_and_two_threads_identical(force_parallel):
    from pyfapi.kernels.lstm import lstm_backward, lstm_forward
    rng = np.random.default_rng(2)
    n, t, d, u = 37, 6, 4, 5
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = rng.standard_normal((d, 4 * u)).astype(np.float32) * 0.5
    r = rng.standard_normal((u, 4 * u)).astype(np.float32) * 0.5
    mask = _masks(n, t, "random", rng)
    dy = rng.standard_normal((n, u)).astype(np.float32)

    def run():
        out, h, c, ws = lstm_forward(x, w, r, None, training=True, mask=mask)
        return [out, h, c, *lstm_backward(ws, dy, h, c)]
    _assert_same_on_one_and_two_threads(run)


@pytest.fixture
def isa_path(request):
    """Runs the test body on the ISA path of its ``isa`` parameter (skips one this CPU lacks),
    restoring the active path after."""
    from pyfapi import _C
    isa = request.node.callspec.params["isa"]
    old = _C.active_isa()
    _C.set_isa(isa)
    if _C.active_isa() != isa:
        _C.set_isa(old)
        pytest.skip(f"{isa} not available on this CPU")
    yield isa
    _C.set_isa(old)


def _directional_check(loss64, params64, grads, rng, eps=1e-5):
    """<grad, v> of the kernels vs the central difference of the float64 reference along a
    random direction v, per parameter (wide shapes where per-element differences are too slow)."""
    for p, g in zip(params64, grads):
        if p is None:
            continue
        v = rng.standard_normal(p.shape)
        old = p.copy()
        p += eps * v
        fp = loss64()
        p[...] = old - eps * v
        fm = loss64()
        p[...] = old
        fd = (fp - fm) / (2 * eps)
        got = float((np.asarray(g, np.float64) * v).sum())
        scale = np.abs(np.asarray(g, np.float64)).sum() * 2e-5 + 1e-4
        assert abs(got - fd) <= scale + 1e-3 * abs(fd), (p.shape, got, fd)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
@pytest.mark.parametrize("reset_after,rdrop", [(True, False), (True, True), (False, False),
                                               (False, True)])
def test_gru_gradients_wide_units_all_isas(isa_path, isa, reset_after, rdrop):
    """Units 37 (register tiles of 64 / 32 / 16 columns and the remainder; 4-row tiles and the
    rest) and 19 batch rows (two chunks) for the per-chunk recurrent-kernel gradient, on every
    ISA path, against the float64 reference (directional central differences)."""
    rng = np.random.default_rng(21)
    n, t, d, u = 19, 5, 3, 37
    x, w, r, b, h0 = _gru_params(rng, n, t, d, u, reset_after, True, True)
    r *= 0.3
    mask = _masks(n, t, "random", rng)
    rm = ((rng.random((3, n, u)) > 0.3) / 0.7).astype(np.float32) if rdrop else None
    gy = rng.standard_normal((n, t, u))
    gh = rng.standard_normal((n, u))
    params = [a.astype(np.float64) for a in (x, w, r, b, h0)]

    def loss64():
        o, hh = gru_ref(*params, mask=mask, reset_after=reset_after, recurrent_masks=rm)
        return float((o * gy).sum() + (hh * gh).sum())

    tensors = [pyfapi.Variable(a) for a in (x, w, r, b, h0)]
    with GradientTape() as tape:
        o, hh = _run_gru(*tensors, mask=mask, reset_after=reset_after, rmasks=rm)
        total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                        ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    got = tape.gradient(total, tensors)
    _directional_check(loss64, params, got, rng)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_simple_rnn_gradients_wide_units_all_isas(isa_path, isa):
    rng = np.random.default_rng(22)
    n, t, d, u = 19, 4, 3, 37
    x = rng.standard_normal((n, t, d))
    w = rng.standard_normal((d, u)) * 0.5
    r = rng.standard_normal((u, u)) * 0.15
    b = rng.standard_normal(u) * 0.3
    h0 = rng.standard_normal((n, u))
    mask = _masks(n, t, "left", rng)
    rm = (rng.random((n, u)) > 0.3) / 0.7
    gy = rng.standard_normal((n, t, u))
    gh = rng.standard_normal((n, u))
    params = [x, w, r, b, h0]

    def loss64():
        o, hh = simple_rnn_ref(*params, mask=mask, recurrent_mask=rm)
        return float((o * gy).sum() + (hh * gh).sum())

    tensors = [pyfapi.Variable(a.astype(np.float32)) for a in params]
    with GradientTape() as tape:
        xp = ops.add(ops.matmul(tensors[0], tensors[1]), tensors[3])
        o, hh = ops.simple_rnn(xp, tensors[2], initial_state=tensors[4], mask=mask,
                               recurrent_masks=rm, return_sequences=True)
        total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                        ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    got = tape.gradient(total, tensors)
    _directional_check(loss64, params, got, rng)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
@pytest.mark.parametrize("n,t,d,u,mask_kind,projected", [
    (1, 1, 1, 1, None, False), (3, 4, 3, 2, "random", True), (19, 5, 3, 37, "left", False),
    (19, 5, 2, 37, "right", True), (2, 3, 2, 131, None, False)])
def test_lstm_recurrent_dropout_kernel(isa_path, isa, n, t, d, u, mask_kind, projected):
    """ops.lstm with per-gate recurrent-dropout masks (and a projected input with per-gate
    input masks, kernel=None) vs the float64 reference of Keras's implementation 1: values and
    directional gradients, on every ISA path (units 37 and 131 cover the register tiles, their
    remainders and the sgemm path)."""
    rng = np.random.default_rng(n * 7 + u)
    x = rng.standard_normal((n, t, d))
    w = rng.standard_normal((d, 4 * u)) * 0.5
    r = rng.standard_normal((u, 4 * u)) * (0.5 if u < 10 else 0.15)
    b = rng.standard_normal(4 * u) * 0.3
    h0, c0 = rng.standard_normal((n, u)), rng.standard_normal((n, u))
    mask = _masks(n, t, mask_kind, rng)
    rm = (rng.random((4, n, u)) > 0.3) / 0.7
    im = (rng.random((4, n, d)) > 0.2) / 0.8 if projected else None
    gy = rng.standard_normal((n, t, u))
    gh, gc = rng.standard_normal((n, u)), rng.standard_normal((n, u))
    params = [x, w, r, b, h0, c0]

    def loss64():
        o, hh, cc = lstm_ref(*params, mask=mask, input_masks=im, recurrent_masks=rm)
        return float((o * gy).sum() + (hh * gh).sum() + (cc * gc).sum())

    tv = [pyfapi.Variable(a.astype(np.float32)) for a in params]
    with GradientTape() as tape:
        if projected:  # the layer's composition: per-gate masked projections, then the kernel
            xp = ops.concatenate([ops.matmul(ops.multiply(tv[0], im[q][:, None, :].astype(
                np.float32)), tv[1][:, q * u:(q + 1) * u]) for q in range(4)], axis=-1)
            o, hh, cc = ops.lstm(xp, None, tv[2], tv[3], initial_state=tv[4:], mask=mask,
                                 return_sequences=True, recurrent_masks=rm)
        else:
            o, hh, cc = ops.lstm(tv[0], tv[1], tv[2], tv[3], initial_state=tv[4:], mask=mask,
                                 return_sequences=True, recurrent_masks=rm)
        total = ops.add(ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                                ops.sum(ops.multiply(hh, gh.astype(np.float32)))),
                        ops.sum(ops.multiply(cc, gc.astype(np.float32))))
    got = tape.gradient(total, tv)
    ro, rh, rc = lstm_ref(*params, mask=mask, input_masks=im, recurrent_masks=rm)
    np.testing.assert_allclose(o.numpy(), ro, atol=5e-5, rtol=1e-4)
    np.testing.assert_allclose(hh.numpy(), rh, atol=5e-5, rtol=1e-4)
    np.testing.assert_allclose(cc.numpy(), rc, atol=5e-5, rtol=1e-4)
    _directional_check(loss64, params, got, rng)


def test_lstm_recurrent_dropout_one_and_two_threads_identical(force_parallel):
    from pyfapi.kernels.lstm import lstm_backward, lstm_forward
    rng = np.random.default_rng(12)
    n, t, d, u = 37, 6, 4, 5
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    w = rng.standard_normal((d, 4 * u)).astype(np.float32) * 0.5
    r = rng.standard_normal((u, 4 * u)).astype(np.float32) * 0.5
    xp = (x.reshape(-1, d) @ w).reshape(n, t, 4 * u)
    mask = _masks(n, t, "random", rng)
    rm = ((rng.random((4, n, u)) > 0.3) / 0.7).astype(np.float32)
    dy = rng.standard_normal((n, t, u)).astype(np.float32)

    def run():
        res = []
        for inp, ker in ((x, w), (xp, None)):
            out, h, c, ws = lstm_forward(inp, ker, r, None, return_sequences=True,
                                         training=True, mask=mask, recurrent_masks=rm)
            res += [out, h, c, *(g for g in lstm_backward(ws, dy, h, c) if g is not None)]
        return res
    _assert_same_on_one_and_two_threads(run)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
@pytest.mark.parametrize("kind,act,ract", [
    ("gru", "relu", "hard_sigmoid"), ("gru_before", "linear", "sigmoid"),
    ("gru", "tanh", "tanh"), ("lstm", "relu", "hard_sigmoid"), ("lstm", "linear", "tanh"),
    ("lstm", "sigmoid", "relu")])
def test_non_default_activations_in_kernels(isa_path, isa, kind, act, ract):
    """GRU (reset_after True / False) and LSTM kernels with activations other than Keras's
    defaults vs the float64 references (values and directional gradients), masks and recurrent
    dropout on, units 37 (tiles and remainders) over two batch chunks, every ISA."""
    rng = np.random.default_rng(31)
    n, t, d, u = 19, 4, 3, 37
    mask = _masks(n, t, "random", rng)
    gy = rng.standard_normal((n, t, u))
    gh = rng.standard_normal((n, u))
    if kind.startswith("gru"):
        ra = kind == "gru"
        x, w, r, b, h0 = _gru_params(rng, n, t, d, u, ra, True, True)
        r *= 0.3
        rm = ((rng.random((3, n, u)) > 0.3) / 0.7).astype(np.float32)
        params = [a.astype(np.float64) for a in (x, w, r, b, h0)]

        def ref():
            return gru_ref(*params, mask=mask, reset_after=ra, recurrent_masks=rm,
                           activation=act, recurrent_activation=ract)

        tv = [pyfapi.Variable(a) for a in (x, w, r, b, h0)]
        with GradientTape() as tape:
            xp = ops.matmul(tv[0], tv[1])
            xp = ops.add(xp, tv[3][0] if ra else tv[3])
            o, hh = ops.gru(xp, tv[2], tv[3][1] if ra else None, initial_state=tv[4], mask=mask,
                            recurrent_masks=rm, reset_after=ra, return_sequences=True,
                            activation=act, recurrent_activation=ract)
            total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                            ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    else:
        params = [rng.standard_normal(s) * sc for s, sc in
                  [((n, t, d), 1.0), ((d, 4 * u), 0.5), ((u, 4 * u), 0.15), ((4 * u,), 0.3),
                   ((n, u), 1.0), ((n, u), 1.0)]]
        rm = (rng.random((4, n, u)) > 0.3) / 0.7

        def ref():
            o, hh, _ = lstm_ref(*params, mask=mask, recurrent_masks=rm, activation=act,
                                recurrent_activation=ract)
            return o, hh

        tv = [pyfapi.Variable(a.astype(np.float32)) for a in params]
        with GradientTape() as tape:
            o, hh, _ = ops.lstm(tv[0], tv[1], tv[2], tv[3], initial_state=tv[4:], mask=mask,
                                return_sequences=True, recurrent_masks=rm, activation=act,
                                recurrent_activation=ract)
            total = ops.add(ops.sum(ops.multiply(o, gy.astype(np.float32))),
                            ops.sum(ops.multiply(hh, gh.astype(np.float32))))
    got = tape.gradient(total, tv)
    ro, rh = ref()
    np.testing.assert_allclose(o.numpy(), ro, atol=5e-5, rtol=1e-4)
    np.testing.assert_allclose(hh.numpy(), rh, atol=5e-5, rtol=1e-4)

    def loss64():
        o64, h64 = ref()
        return float((o64 * gy).sum() + (h64 * gh).sum())
    _directional_check(loss64, params, got, rng)


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_non_default_activations_one_and_two_threads_identical(force_parallel, kind):
    from pyfapi.kernels.lstm import lstm_backward, lstm_forward
    from pyfapi.kernels.rnn import gru_backward
    rng = np.random.default_rng(13)
    n, t, u = 37, 5, 5
    mask = _masks(n, t, "random", rng)
    dy = rng.standard_normal((n, t, u)).astype(np.float32)
    g = 3 if kind == "gru" else 4
    xp = rng.standard_normal((n, t, g * u)).astype(np.float32)
    r = (rng.standard_normal((u, g * u)) * 0.5).astype(np.float32)

    def run():
        if kind == "gru":
            out, h, ws = gru_forward(xp, r, None, None, mask, None, True, False, True, True,
                                     activation="relu", recurrent_activation="hard_sigmoid")
            return [out, h, *gru_backward(ws, dy, h)]
        out, h, c, ws = lstm_forward(xp, None, r, None, return_sequences=True, training=True,
                                     mask=mask, activation="relu",
                                     recurrent_activation="hard_sigmoid")
        return [out, h, c, *(a for a in lstm_backward(ws, dy, h, c) if a is not None)]
    _assert_same_on_one_and_two_threads(run)


def test_unknown_kernel_activation_is_a_value_error():
    with pytest.raises(ValueError, match=r"gru: activation must be one of"):
        gru_forward(np.zeros((1, 2, 3), np.float32), np.zeros((1, 3), np.float32),
                    activation="selu")
    with pytest.raises(ValueError, match=r"lstm: recurrent_activation must be one of"):
        ops.lstm(np.zeros((1, 2, 3), np.float32), np.zeros((3, 4), np.float32),
                 np.zeros((1, 4), np.float32), None, recurrent_activation="softmax")
