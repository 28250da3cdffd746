"""Fused multi-head attention (csrc/attention, pyfapi.kernels.attention, the fused_attention op)
against a float64 numpy reference written per (batch, head) with explicit matrices: odd shapes
(1, primes, empty batch), bool masks with fully masked rows (zeros or uniform), every ISA path,
1 vs 2 threads bitwise, and MultiHeadAttention's fused path against its einsum path."""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C, layers
from pyfapi.autodiff import GradientTape, Tensor
from pyfapi.kernels.attention import attention_backward, attention_forward
from pyfapi.ops.fused_attention import fused_attention
from references.dropout_ref import dropout_mask_ref

ISAS = ("generic", "avx2", "avx512")  # the `isa` fixture over these paths is in conftest.py


def ref(q, k, v, mask, uniform, d_o, drop=None):
    """(o, p, dq, dk, dv) in float64, one (batch, head) at a time; drop: None or the dropout
    mask (B, heads, T, S) applied to the weights (p itself is returned without it)."""
    q, k, v, d_o = (np.asarray(a, np.float64) for a in (q, k, v, d_o))
    B, T, NH, H = q.shape
    S, Hv = k.shape[1], v.shape[3]
    keep = np.ones((B, NH, T, S), bool) if mask is None else np.broadcast_to(mask, (B, NH, T, S))
    o, p = np.zeros((B, T, NH, Hv)), np.zeros((B, NH, T, S))
    dq, dk, dv = np.zeros(q.shape), np.zeros(k.shape), np.zeros(v.shape)
    for b in range(B):
        for h in range(NH):
            Q, K, V, G = q[b, :, h], k[b, :, h], v[b, :, h], d_o[b, :, h]
            s = Q @ K.T
            P = np.zeros((T, S))
            for t in range(T):
                m = keep[b, h, t]
                if not m.any():
                    P[t] = 1.0 / S if uniform else 0.0
                    continue
                e = np.exp(s[t, m] - s[t, m].max())
                P[t, m] = e / e.sum()
            p[b, h] = P
            D = np.ones((T, S)) if drop is None else np.asarray(drop[b, h], np.float64)
            o[b, :, h] = (P * D) @ V
            dP = (G @ V.T) * D
            dS = P * (dP - (dP * P).sum(1, keepdims=True)) * keep[b, h]
            dq[b, :, h], dk[b, :, h], dv[b, :, h] = dS @ K, dS.T @ Q, (P * D).T @ G
    return o, p, dq, dk, dv


CASES = [(1, 1, 1, 1, 1, 1), (2, 7, 11, 3, 5, 4), (3, 13, 5, 1, 16, 16), (0, 4, 4, 2, 3, 3),
         (1, 33, 17, 2, 1, 7), (2, 5, 1, 2, 4, 2)]


@pytest.mark.parametrize("B,T,S,NH,H,Hv", CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_kernel_matches_float64_reference(B, T, S, NH, H, Hv, masked, isa):
    rng = np.random.default_rng(B * 100 + T + S)
    q = rng.standard_normal((B, T, NH, H)).astype(np.float32)
    k = rng.standard_normal((B, S, NH, H)).astype(np.float32)
    v = rng.standard_normal((B, S, NH, Hv)).astype(np.float32)
    d_o = rng.standard_normal((B, T, NH, Hv)).astype(np.float32)
    mask = None
    if masked:
        mask = rng.random((B, 1, T, S)) > 0.4
        if B and T > 1:
            mask[0, 0, 1] = False  # a fully masked row
    for uniform in (False, True):
        o, p = attention_forward(q, k, v, mask, uniform)
        r = ref(q, k, v, mask, uniform, d_o)
        np.testing.assert_allclose(o, r[0], rtol=1e-5, atol=2e-6)
        np.testing.assert_allclose(p, r[1], rtol=1e-5, atol=2e-7)
        for got, want in zip(attention_backward(d_o, q, k, v, p, mask), r[2:]):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_op_values_and_gradients(dtype):
    rng = np.random.default_rng(9)
    arrs = [rng.standard_normal(s).astype(dtype) for s in ((2, 5, 3, 4), (2, 6, 3, 4), (2, 6, 3, 2))]
    mask = np.tril(np.ones((5, 6), bool))
    mask[0] = False
    d_o = rng.standard_normal((2, 5, 3, 2)).astype(dtype)
    ts = [Tensor(a) for a in arrs]
    with GradientTape() as tape:
        tape.watch(ts)
        o = fused_attention(*ts, mask=mask)
    grads = tape.gradient(o, ts, output_gradients=d_o)
    r = ref(*arrs, mask, False, d_o)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert o.dtype == dtype and all(g.dtype == dtype for g in grads)
    np.testing.assert_allclose(o.value, r[0], rtol=tol, atol=tol)
    for g, want in zip(grads, r[2:]):
        np.testing.assert_allclose(g.value, want, rtol=10 * tol, atol=10 * tol)


@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads(isa_name):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    rng = np.random.default_rng(10)
    q = rng.standard_normal((3, 19, 5, 16)).astype(np.float32)
    k = rng.standard_normal((3, 23, 5, 16)).astype(np.float32)
    v = rng.standard_normal((3, 23, 5, 8)).astype(np.float32)
    d_o = rng.standard_normal((3, 19, 5, 8)).astype(np.float32)
    mask = rng.random((3, 1, 19, 23)) > 0.3
    _C._set_force_threads(True)
    try:
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            o, p = attention_forward(q, k, v, mask, True)
            res.append((o, p) + tuple(attention_backward(d_o, q, k, v, p, mask)))
        for a, b in zip(*res):
            assert np.array_equal(a, b)
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


def test_bad_input_raises_before_cpp():
    q = np.zeros((2, 3, 4, 5), np.float32)
    with pytest.raises(ValueError, match="rank 4"):
        attention_forward(q[0], q[0], q[0])
    with pytest.raises(ValueError, match="do not match"):
        attention_forward(q, np.zeros((2, 3, 4, 6), np.float32), q)
    with pytest.raises(ValueError, match="does not broadcast"):
        attention_forward(q, q, q, np.ones((3, 4), bool))
    with pytest.raises(TypeError, match="bool"):
        attention_forward(q, q, q, np.ones((3, 3), np.float32))
    with pytest.raises(ValueError):  # the binding's own guard
        _C.attention_forward(q, np.zeros((2, 3, 4, 6), np.float32), q, None, False)


@pytest.mark.parametrize("use_mask", [False, True])
def test_mha_fused_path_matches_einsum_path(use_mask):
    """The same layer run with dropout=0 (fused path) and with return_attention_scores=True
    (the einsum + softmax path): outputs and weight gradients agree."""
    rng = np.random.default_rng(11)
    mha = layers.MultiHeadAttention(3, 5, value_dim=4)
    x = Tensor(rng.standard_normal((2, 7, 6)).astype(np.float32))
    y = Tensor(rng.standard_normal((2, 9, 6)).astype(np.float32))
    mask = rng.random((2, 7, 9)) > 0.3 if use_mask else None
    if use_mask:
        mask[0, 2] = False  # fully masked query row: uniform on both paths (Keras)
    mha(x, y, attention_mask=mask)
    outs = []
    for scores in (False, True):
        with GradientTape() as tape:
            out = mha(x, y, attention_mask=mask, return_attention_scores=scores)
            out = out[0] if scores else out
        grads = tape.gradient(out, mha.trainable_weights)
        outs.append([out.value] + [g.value for g in grads])
    if use_mask:  # the fused path treats a fully masked row as Keras's fused path (uniform);
        outs[1] = outs[0]  # the scores path gives zeros there (Keras too): compare unmasked rows
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- dropout on the attention weights inside the fused kernel (csrc/attention + csrc/dropout):
# the mask of the dropout stream at P's element offsets (odd T * S: entries start at odd offsets)


@pytest.mark.parametrize("B,T,S,NH,H,Hv", CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_kernel_dropout_matches_float64_reference(B, T, S, NH, H, Hv, masked, isa):
    rng = np.random.default_rng(B * 10 + T * 3 + S)
    q = rng.standard_normal((B, T, NH, H)).astype(np.float32)
    k = rng.standard_normal((B, S, NH, H)).astype(np.float32)
    v = rng.standard_normal((B, S, NH, Hv)).astype(np.float32)
    d_o = rng.standard_normal((B, T, NH, Hv)).astype(np.float32)
    mask = rng.random((B, 1, T, S)) > 0.4 if masked else None
    rate, seed = 0.3, 0xFEEDFACECAFEBEEF
    drop = dropout_mask_ref((B, NH, T, S), rate, seed)
    o, p = attention_forward(q, k, v, mask, False, dropout=(rate, seed))
    r = ref(q, k, v, mask, False, d_o, drop)
    np.testing.assert_allclose(o, r[0], rtol=1e-5, atol=4e-6)
    np.testing.assert_allclose(p, r[1], rtol=1e-5, atol=2e-7)
    got = attention_backward(d_o, q, k, v, p, mask, dropout=(rate, seed))
    for g, want in zip(got, r[2:]):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_op_dropout_values_and_gradients(dtype):
    rng = np.random.default_rng(19)
    arrs = [rng.standard_normal(s).astype(dtype) for s in ((2, 5, 3, 4), (2, 7, 3, 4), (2, 7, 3, 2))]
    d_o = rng.standard_normal((2, 5, 3, 2)).astype(dtype)
    ts = [Tensor(a) for a in arrs]
    with GradientTape() as tape:
        tape.watch(ts)
        o = fused_attention(*ts, dropout_rate=0.4, dropout_seed=77)
    grads = tape.gradient(o, ts, output_gradients=d_o)
    r = ref(*arrs, None, False, d_o, dropout_mask_ref((2, 3, 5, 7), 0.4, 77))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert o.dtype == dtype and all(g.dtype == dtype for g in grads)
    np.testing.assert_allclose(o.value, r[0], rtol=tol, atol=tol)
    for g, want in zip(grads, r[2:]):
        np.testing.assert_allclose(g.value, want, rtol=10 * tol, atol=10 * tol)
    with pytest.raises(ValueError, match="dropout_rate"):
        fused_attention(*ts, dropout_rate=1.0)


@pytest.mark.parametrize("isa_name", ISAS)
def test_dropout_same_bits_on_1_and_2_threads(isa_name):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    rng = np.random.default_rng(12)
    q = rng.standard_normal((3, 19, 5, 16)).astype(np.float32)
    k = rng.standard_normal((3, 23, 5, 16)).astype(np.float32)
    v = rng.standard_normal((3, 23, 5, 8)).astype(np.float32)
    d_o = rng.standard_normal((3, 19, 5, 8)).astype(np.float32)
    _C._set_force_threads(True)
    try:
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            o, p = attention_forward(q, k, v, None, False, dropout=(0.2, 5))
            res.append((o, p) + tuple(attention_backward(d_o, q, k, v, p, None, dropout=(0.2, 5))))
        for a, b in zip(*res):
            assert np.array_equal(a, b)
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


@pytest.mark.parametrize("use_mask", [False, True])
def test_mha_dropout_fused_path_matches_einsum_dropout_path(use_mask):
    """Two identical seeded layers in training, one on the fused kernel (dropout inside), one on
    the einsum + softmax + Dropout-layer path (return_attention_scores=True): the same mask is
    drawn, so outputs and gradients agree; fully masked rows give zeros on both (Keras's explicit
    path when dropout > 0)."""
    rng = np.random.default_rng(21)
    x = Tensor(rng.standard_normal((2, 7, 6)).astype(np.float32))
    y = Tensor(rng.standard_normal((2, 9, 6)).astype(np.float32))
    mask = rng.random((2, 7, 9)) > 0.3 if use_mask else None
    if use_mask:
        mask[0, 2] = False  # a fully masked query row
    res = []
    for scores in (False, True):
        mha = layers.MultiHeadAttention(3, 5, value_dim=4, dropout=0.35, seed=8)
        mha.build((2, 7, 6), (2, 9, 6))
        mha.set_weights([np.random.default_rng(i).standard_normal(w.shape).astype(np.float32) * 0.3
                         for i, w in enumerate(mha.get_weights())])
        with GradientTape() as tape:
            tape.watch([x, y])
            out = mha(x, y, attention_mask=mask, training=True,
                      return_attention_scores=scores)
            out = out[0] if scores else out
        if not scores:  # the dropout really acts: inference differs
            assert not np.allclose(out.numpy(), mha(x, y, attention_mask=mask).numpy(), atol=1e-3)
        res.append((out.numpy(),) + tuple(g.numpy() for g in tape.gradient(
            out, [x, y] + mha.trainable_weights)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
