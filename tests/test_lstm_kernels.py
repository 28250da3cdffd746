"""pyfapi.kernels.lstm against the float64 numpy reference (tests/references/lstm_ref.py)."""
import numpy as np
import pytest

import pyfapi
from pyfapi.kernels.lstm import LSTMWorkspace, lstm_backward, lstm_forward
from references.lstm_ref import lstm_backward_ref, lstm_forward_ref

ATOL = 2e-5


def _make(n, t, d, u, seed=0, state=False, bias=True):
    rng = np.random.default_rng(seed)
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = f(n, t, d)
    w = f(d, 4 * u) * 0.5
    r = f(u, 4 * u) * 0.5
    b = f(4 * u) if bias else None
    st = (f(n, u), f(n, u)) if state else None
    return x, w, r, b, st


SHAPES = [(3, 5, 7, 5), (1, 1, 4, 3), (2, 1, 1, 1), (17, 6, 3, 4), (33, 3, 2, 2), (4, 9, 5, 8)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("state", [False, True])
def test_forward_matches_reference(shape, return_sequences, state):
    x, w, r, b, st = _make(*shape, seed=sum(shape), state=state)
    out, h, c, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=return_sequences)
    hs, cs, _ = lstm_forward_ref(x, w, r, b, *(st if st else (None, None)))
    assert ws is None
    assert out.dtype == h.dtype == c.dtype == np.float32
    np.testing.assert_allclose(out, hs if return_sequences else hs[:, -1], atol=ATOL, rtol=1e-5)
    np.testing.assert_allclose(h, hs[:, -1], atol=ATOL, rtol=1e-5)
    np.testing.assert_allclose(c, cs[:, -1], atol=ATOL, rtol=1e-5)


def test_forward_without_bias_and_saturating_inputs():
    x, w, r, _, _ = _make(3, 4, 5, 3, seed=7, bias=False)
    x = x * 40.0  # drives the gates into saturation: no NaN / inf
    out, h, c, _ = lstm_forward(x, w, r, None, return_sequences=True)
    hs, cs, _ = lstm_forward_ref(x, w, r)
    np.testing.assert_allclose(out, hs, atol=ATOL, rtol=1e-5)
    np.testing.assert_allclose(c, cs[:, -1], atol=1e-4, rtol=1e-5)


def test_empty_batch():
    x, w, r, b, _ = _make(0, 4, 3, 2)
    out, h, c, ws = lstm_forward(x, w, r, b, return_sequences=True, training=True)
    assert out.shape == (0, 4, 2) and h.shape == (0, 2) and c.shape == (0, 2)
    grads = lstm_backward(ws, np.zeros((0, 4, 2), np.float32))
    assert [g.shape for g in grads] == [(0, 4, 3), (3, 8), (2, 8), (8,), (0, 2), (0, 2)]
    assert all(not g.any() for g in grads)


def test_conversion_of_float64_and_non_contiguous_inputs():
    x, w, r, b, _ = _make(3, 4, 5, 2, seed=3)
    ref = lstm_forward(x, w, r, b)[0]
    xt = np.asfortranarray(x.astype(np.float64))
    out = lstm_forward(xt, w.astype(np.float64), r[:, ::1], list(b))[0]
    np.testing.assert_allclose(out, ref, atol=1e-6)
    x2 = np.zeros((3, 8, 5), np.float32)
    x2[:, ::2] = x  # strided view
    np.testing.assert_array_equal(lstm_forward(x2[:, ::2], w, r, b)[0], ref)


@pytest.mark.parametrize("shape", [(3, 5, 7, 5), (1, 1, 4, 3), (17, 4, 3, 4), (2, 3, 1, 1)])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("state", [False, True])
def test_backward_matches_reference_bptt(shape, return_sequences, state):
    n, t, d, u = shape
    x, w, r, b, st = _make(*shape, seed=11 + sum(shape), state=state)
    rng = np.random.default_rng(5)
    dy = rng.standard_normal((n, t, u) if return_sequences else (n, u)).astype(np.float32)
    dh = rng.standard_normal((n, u)).astype(np.float32)
    dc = rng.standard_normal((n, u)).astype(np.float32)
    _, _, _, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=return_sequences,
                               training=True)
    assert isinstance(ws, LSTMWorkspace)
    got = lstm_backward(ws, dy, dh, dc)
    _, _, cache = lstm_forward_ref(x, w, r, b, *(st if st else (None, None)))
    if return_sequences:
        want = lstm_backward_ref(x, w, r, cache, dhs=dy, dh_last=dh, dc_last=dc)
    else:
        want = lstm_backward_ref(x, w, r, cache, dh_last=dh + dy.astype(np.float64), dc_last=dc)
    names = ["d_inputs", "d_kernel", "d_recurrent_kernel", "d_bias", "d_h0", "d_c0"]
    for name, g, e in zip(names, got, want):
        assert g.shape == e.shape, name
        np.testing.assert_allclose(g, e, atol=1e-4, rtol=1e-4, err_msg=name)


def test_backward_partial_gradients():
    """Only some output gradients given (None = zero)."""
    x, w, r, b, _ = _make(2, 3, 2, 3, seed=2)
    _, _, _, ws = lstm_forward(x, w, r, b, training=True)
    _, _, cache = lstm_forward_ref(x, w, r, b)
    dc = np.ones((2, 3), np.float32)
    got = lstm_backward(ws, None, None, dc)
    want = lstm_backward_ref(x, w, r, cache, dc_last=dc)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


def _fd(f, arrays, k, eps):
    a = arrays[k]
    grad = np.zeros_like(a, dtype=np.float64)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        fp = f(*arrays)
        a[idx] = old - eps
        fm = f(*arrays)
        a[idx] = old
        grad[idx] = (fp - fm) / (2 * eps)
    return grad


def test_reference_bptt_against_finite_differences():
    """The float64 reference backward itself agrees with central differences (tiny case)."""
    rng = np.random.default_rng(1)
    n, t, d, u = 2, 3, 2, 2
    arrays = [rng.standard_normal(s) for s in [(n, t, d), (d, 4 * u), (u, 4 * u), (4 * u,),
                                               (n, u), (n, u)]]
    wseq = rng.standard_normal((n, t, u))
    wc = rng.standard_normal((n, u))

    def loss(x, w, r, b, h0, c0):
        hs, cs, _ = lstm_forward_ref(x, w, r, b, h0, c0)
        return float((hs * wseq).sum() + (cs[:, -1] * wc).sum())

    _, _, cache = lstm_forward_ref(*arrays)
    analytic = lstm_backward_ref(arrays[0], arrays[1], arrays[2], cache, dhs=wseq, dc_last=wc)
    for k in range(6):
        np.testing.assert_allclose(analytic[k], _fd(loss, arrays, k, 1e-6), atol=1e-7, rtol=1e-6)


def test_kernel_gradients_against_finite_differences():
    """The float32 kernel's gradients agree with central differences of its own forward."""
    rng = np.random.default_rng(4)
    n, t, d, u = 2, 3, 3, 2
    arrays = [rng.standard_normal(s).astype(np.float32) for s in
              [(n, t, d), (d, 4 * u), (u, 4 * u), (4 * u,), (n, u), (n, u)]]
    wseq = rng.standard_normal((n, t, u))
    wh = rng.standard_normal((n, u))

    def loss(x, w, r, b, h0, c0):
        out, h, c, _ = lstm_forward(x, w, r, b, initial_state=(h0, c0), return_sequences=True)
        return float((out.astype(np.float64) * wseq).sum() + (c.astype(np.float64) * wh).sum())

    _, _, _, ws = lstm_forward(*arrays[:4], initial_state=tuple(arrays[4:]), return_sequences=True,
                               training=True)
    analytic = lstm_backward(ws, wseq, None, wh)
    for k in range(6):
        np.testing.assert_allclose(analytic[k], _fd(loss, arrays, k, 1e-2), atol=2e-3, rtol=2e-2)


def test_one_and_two_threads_identical(force_parallel):
    x, w, r, b, st = _make(40, 7, 9, 6, seed=9, state=True)
    dy = np.random.default_rng(0).standard_normal((40, 7, 6)).astype(np.float32)
    old = pyfapi.get_num_threads()
    results = []
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            out, h, c, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                                         training=True)
            results.append((out, h, c) + tuple(lstm_backward(ws, dy, h, c)))
    finally:
        pyfapi.set_num_threads(old)
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)


def test_variable_sequence_length_between_calls():
    x, w, r, b, _ = _make(3, 8, 4, 3, seed=12)
    for t in (8, 2, 5, 1):
        out = lstm_forward(x[:, :t], w, r, b, return_sequences=True)[0]
        np.testing.assert_allclose(out, lstm_forward_ref(x[:, :t], w, r, b)[0], atol=ATOL)


@pytest.mark.parametrize("args, match", [
    (dict(inputs=np.zeros((2, 3), np.float32)), r"inputs must be 3-D .* got shape \(2, 3\)"),
    (dict(inputs=np.zeros((2, 0, 4), np.float32)), r"at least one timestep"),
    (dict(kernel=np.zeros((5, 8), np.float32)), r"kernel has shape \(5, 8\), expected \(4, 8\)"),
    (dict(kernel=np.zeros((4, 6), np.float32)), r"kernel must have shape .*got shape \(4, 6\)"),
    (dict(recurrent_kernel=np.zeros((2, 4), np.float32)),
     r"recurrent_kernel has shape \(2, 4\), expected \(2, 8\)"),
    (dict(bias=np.zeros(4, np.float32)), r"bias has shape \(4,\), expected \(8,\)"),
    (dict(initial_state=(np.zeros((2, 2), np.float32), np.zeros((3, 2), np.float32))),
     r"c0\) has shape \(3, 2\), expected \(2, 2\)"),
])
def test_bad_shapes_raise_value_error(args, match):
    kw = dict(inputs=np.zeros((2, 3, 4), np.float32), kernel=np.zeros((4, 8), np.float32),
              recurrent_kernel=np.zeros((2, 8), np.float32), bias=np.zeros(8, np.float32))
    kw.update(args)
    with pytest.raises(ValueError, match=match):
        lstm_forward(**kw)


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="inputs must be a real"):
        lstm_forward(np.array([[["a"]]]), np.zeros((1, 4)), np.zeros((1, 4)))
    with pytest.raises(TypeError, match="LSTMWorkspace"):
        lstm_backward(None, np.zeros((1, 1)))


def test_backward_gradient_shape_checked():
    x, w, r, b, _ = _make(2, 3, 2, 3)
    _, _, _, ws = lstm_forward(x, w, r, b, training=True)
    with pytest.raises(ValueError, match=r"d_outputs has shape \(2, 3, 3\), expected \(2, 3\)"):
        lstm_backward(ws, np.zeros((2, 3, 3), np.float32))


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_every_simd_path_matches_reference(isa):
    """Each compiled cell / small-product path (chosen at run time) against the reference."""
    from pyfapi import _C
    old = _C.active_isa()
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    try:
        x, w, r, b, st = _make(21, 4, 5, 37, seed=13, state=True)  # 37 units: every tile edge
        out, h, c, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                                     training=True)
        dy = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
        got = lstm_backward(ws, dy, None, c)
    finally:
        _C.set_isa(old)
    hs, cs, cache = lstm_forward_ref(x, w, r, b, *st)
    np.testing.assert_allclose(out, hs, atol=1e-4, rtol=1e-4)
    want = lstm_backward_ref(x, w, r, cache, dhs=dy, dc_last=c)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, atol=2e-4, rtol=2e-4)


def test_large_units_use_the_sgemm_path():
    """units > 128: the per-step products go through pyfapi::sgemm instead of the small tiles."""
    x, w, r, b, st = _make(3, 3, 2, 130, seed=14, state=True)
    r *= 0.2
    out, h, c, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True,
                                 training=True)
    hs, cs, cache = lstm_forward_ref(x, w, r, b, *st)
    np.testing.assert_allclose(out, hs, atol=1e-4, rtol=1e-4)
    dy = np.random.default_rng(2).standard_normal(out.shape).astype(np.float32)
    got = lstm_backward(ws, dy, h, None)
    want = lstm_backward_ref(x, w, r, cache, dhs=dy, dh_last=h)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, atol=2e-4, rtol=2e-4)


def test_ops_lstm_on_the_tape():
    """pyfapi.ops.lstm: Tensors out, tape gradients equal the reference BPTT, float64 preserved."""
    from pyfapi import GradientTape, Variable, ops
    x, w, r, b, st = _make(3, 4, 5, 2, seed=21, state=True)
    wv, rv, bv = Variable(w), Variable(r), Variable(b)
    with GradientTape() as tape:
        out, h, c = ops.lstm(x, wv, rv, bv, initial_state=list(st), return_sequences=True)
        loss = ops.sum(out) + ops.sum(c)
    gw, gr, gb = tape.gradient(loss, [wv, rv, bv])
    _, cs, cache = lstm_forward_ref(x, w, r, b, *st)
    want = lstm_backward_ref(x, w, r, cache, dhs=np.ones((3, 4, 2)), dc_last=np.ones((3, 2)))
    np.testing.assert_allclose(gw.numpy(), want[1], atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(gr.numpy(), want[2], atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(gb.numpy(), want[3], atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(c.numpy(), cs[:, -1], atol=ATOL)
    out64 = ops.lstm(x.astype(np.float64), w, r, None)[0]
    assert out64.dtype == np.float64 and out64.shape == (3, 2)
    with pytest.raises(ValueError, match="initial_state must be a list"):
        ops.lstm(x, w, r, b, initial_state=st[0])
    with pytest.raises(ValueError, match=r"kernel has shape \(5, 8\), expected \(7, 8\)"):
        ops.lstm(np.zeros((1, 2, 7), np.float32), w, r, b)


def test_nan_and_inf_inputs_propagate():
    """A NaN input gives NaN outputs (never a silently finite value); +-inf saturates the gates."""
    x, w, r, b, _ = _make(2, 3, 2, 3, seed=15)
    x[0, 1, 0] = np.nan
    out, h, c, _ = lstm_forward(x, w, r, b, return_sequences=True)
    assert np.isnan(out[0, 1:]).all() and np.isnan(c[0]).all()
    assert np.isfinite(out[1]).all() and np.isfinite(out[0, 0]).all()
    x[0, 1, 0] = np.inf
    out, _, _, _ = lstm_forward(x, w, r, b, return_sequences=True)
    assert np.isfinite(out[1]).all() and np.isfinite(out[0, 0]).all()


def test_medium_case_with_every_tile_edge():
    """37 rows (2 full chunks + 5: row tiles 4 and 1), units 70 (4u = 280 = 4 x 64 + 16 + 8)."""
    x, w, r, b, st = _make(37, 12, 13, 70, seed=16, state=True)
    r *= 0.3
    out, h, c, ws = lstm_forward(x, w, r, b, initial_state=st, return_sequences=True, training=True)
    hs, cs, cache = lstm_forward_ref(x, w, r, b, *st)
    np.testing.assert_allclose(out, hs, atol=5e-5, rtol=1e-4)
    dy = np.random.default_rng(3).standard_normal(out.shape).astype(np.float32)
    got = lstm_backward(ws, dy, None, None)
    want = lstm_backward_ref(x, w, r, cache, dhs=dy)
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, atol=5e-4, rtol=5e-4)


def test_c_entry_points_guard_themselves():
    """pyfapi._C.lstm_* re-check shapes / dtypes / contiguity and raise instead of reading memory."""
    from pyfapi import _C
    x, w, r, b, _ = _make(2, 3, 4, 2)
    with pytest.raises(ValueError):
        _C.lstm_forward(x, w, r[:1], b, None, None)
    with pytest.raises(ValueError):
        _C.lstm_forward(x, w, r, b[:4], None, None)
    with pytest.raises(TypeError):
        _C.lstm_forward(x.astype(np.float64), w, r, b, None, None)
    with pytest.raises(TypeError):
        _C.lstm_forward(x, w, r, b.astype(np.float64), None, None)
    with pytest.raises(ValueError):
        _C.lstm_forward(np.asfortranarray(x), w, r, b, None, None)
    g, hs, cs, _ = _C.lstm_forward(x, w, r, b, None, None)
    with pytest.raises(ValueError):
        _C.lstm_backward(x, w, r, None, None, g[:, :2], hs, cs, None, None, None)


def test_backward_without_inputs_gradient():
    x, w, r, b, _ = _make(5, 3, 4, 3, seed=17)
    _, _, _, ws = lstm_forward(x, w, r, b, return_sequences=True, training=True)
    dy = np.ones((5, 3, 3), np.float32)
    full = lstm_backward(ws, dy)
    part = lstm_backward(ws, dy, need_inputs_grad=False)
    assert part[0] is None
    for a, e in zip(part[1:], full[1:]):
        np.testing.assert_array_equal(a, e)
