"""Batched SGEMM over strided views (csrc/gemm/batched_gemm.*, small_gemm_rows.inc;
pyfapi.kernels.gemm.batched_matmul) and the attention einsums that run on it, against float64
numpy references: odd shapes (1, primes, empty batch, K = 0), transposed head views, both the
small register-blocked kernel and the packed SGEMM, every ISA path, 1 vs 2 threads bitwise."""
import sys

import numpy as np
import pytest

import pyfapi
import pyfapi.kernels.gemm  # noqa: F401  (the module; pyfapi.kernels.gemm is the function)
from pyfapi import _C, ops
from pyfapi.autodiff import GradientTape, Tensor

batched_matmul = sys.modules["pyfapi.kernels.gemm"].batched_matmul
ISAS = ("generic", "avx2", "avx512")  # the `isa` fixture over these paths is in conftest.py


def _ref(a, b):
    return np.einsum("...mk,...kn->...mn", a.astype(np.float64), b.astype(np.float64))


# (batch, M, K, N): small kernel (N or K <= 64), the packed SGEMM (both > 64), tails of every
# vector width, empty batches and K = 0
CASES = [((), 1, 1, 1), ((3,), 7, 13, 17), ((2, 3), 5, 16, 33), ((1,), 128, 16, 128),
         ((2,), 37, 128, 16), ((2,), 70, 71, 67), ((0, 4), 3, 5, 7), ((3,), 4, 0, 5),
         ((2,), 1, 65, 1), ((5,), 13, 3, 97)]


@pytest.mark.parametrize("bs,m,k,n", CASES)
def test_matches_float64_reference(bs, m, k, n, isa):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(bs + (m, k)).astype(np.float32)
    b = rng.standard_normal(bs + (k, n)).astype(np.float32)
    out = batched_matmul(a, b)
    assert out.shape == bs + (m, n) and out.dtype == np.float32
    np.testing.assert_allclose(out, _ref(a, b), rtol=1e-5, atol=1e-5 * max(1, k) ** 0.5)


@pytest.mark.parametrize("m,k,n", [(11, 16, 23), (17, 80, 70)])
def test_transposed_views_read_in_place(m, k, n, isa):
    rng = np.random.default_rng(2)
    at = rng.standard_normal((3, k, m)).astype(np.float32)  # op(A) = at^T: unit stride along M
    bt = rng.standard_normal((3, n, k)).astype(np.float32)  # op(B) = bt^T
    a, b = at.transpose(0, 2, 1), bt.transpose(0, 2, 1)
    np.testing.assert_allclose(batched_matmul(a, b), _ref(a, b), rtol=1e-5, atol=1e-4)
    # an output view in another layout (rows unit-stride), written in place
    full = np.full((m, 3, n), np.nan, np.float32)
    r = batched_matmul(a, b, out=full.transpose(1, 0, 2))
    assert r.base is full
    np.testing.assert_allclose(full.transpose(1, 0, 2), _ref(a, b), rtol=1e-5, atol=1e-4)


def test_attention_head_views_no_copies():
    """(B, T, heads, H) projections seen as (B, heads, T, H) / (B, heads, H, S): the kernel reads
    the strided views; the einsum forms of MHA give the float64 answer."""
    rng = np.random.default_rng(3)
    q = rng.standard_normal((2, 19, 3, 5)).astype(np.float32)
    k = rng.standard_normal((2, 23, 3, 5)).astype(np.float32)
    s = rng.standard_normal((2, 3, 19, 23)).astype(np.float32)
    q64, k64, s64 = (x.astype(np.float64) for x in (q, k, s))
    for eq, args, ref in [("abcd,aecd->acbe", (q, k), np.einsum("abcd,aecd->acbe", q64, k64)),
                          ("acbe,aecd->abcd", (s, k), np.einsum("acbe,aecd->abcd", s64, k64)),
                          ("acbe,abcd->aecd", (s, q), np.einsum("acbe,abcd->aecd", s64, q64))]:
        y = ops.einsum(eq, *args).value
        assert y.flags.c_contiguous  # written straight into the output layout
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_attention_einsum_gradients_match_float64():
    rng = np.random.default_rng(4)
    q = rng.standard_normal((2, 7, 3, 5)).astype(np.float32)
    k = rng.standard_normal((2, 11, 3, 5)).astype(np.float32)
    g = rng.standard_normal((2, 3, 7, 11)).astype(np.float32)
    qt, kt = Tensor(q), Tensor(k)
    with GradientTape() as tape:
        tape.watch([qt, kt])
        y = ops.einsum("abcd,aecd->acbe", qt, kt)
    dq, dk = tape.gradient(y, [qt, kt], output_gradients=g)
    g64, q64, k64 = g.astype(np.float64), q.astype(np.float64), k.astype(np.float64)
    np.testing.assert_allclose(dq.value, np.einsum("acbe,aecd->abcd", g64, k64), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dk.value, np.einsum("acbe,abcd->aecd", g64, q64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads(isa_name):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    rng = np.random.default_rng(5)
    ops_ = [(rng.standard_normal((5, 3, 31, 16)).astype(np.float32),
             rng.standard_normal((5, 3, 16, 29)).astype(np.float32)),
            (rng.standard_normal((3, 67, 70)).astype(np.float32),
             rng.standard_normal((3, 70, 66)).astype(np.float32))]
    _C._set_force_threads(True)
    try:
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            res.append([batched_matmul(a, b) for a, b in ops_])
        for x, y in zip(*res):
            assert np.array_equal(x, y)
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


def test_bad_input_raises_before_cpp():
    a = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="same batch shape"):
        batched_matmul(a, np.zeros((3, 4, 5), np.float32))
    with pytest.raises(ValueError, match="same batch shape"):
        batched_matmul(a, np.zeros((2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="out must be"):
        batched_matmul(a, np.zeros((2, 4, 5), np.float32), out=np.zeros((2, 3, 6), np.float32))
    with pytest.raises(ValueError, match="overlaps"):
        buf = np.zeros((2, 4, 4), np.float32)
        batched_matmul(buf[:, :3], buf, out=buf[:, :3])
    with pytest.raises(TypeError):
        batched_matmul(np.array([[["x"]]]), a)
    with pytest.raises(ValueError):  # the binding's own guard
        _C.gemm_batched(a, np.zeros((2, 5, 5), np.float32), np.zeros((2, 3, 5), np.float32))
