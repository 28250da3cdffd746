"""pyfapi.kernels.gemm (csrc/gemm, the BLIS-style packed SGEMM) against numpy in float64.

Tolerance: every C element is a length-K float32 dot product, so its rounding error grows with
K; we allow ``8 * eps32 * sqrt(K + 1)`` times the magnitude bound ``|alpha| |op(A)| @ |op(B)| +
|beta| |C0| + |bias|`` element by element (exact float64 reference, random normal data).
"""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C
from pyfapi.kernels import gemm

EPS32 = np.finfo(np.float32).eps
ALL_ISAS = ("generic", "avx2", "avx512")


def _reference(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c0=None, bias=None,
               activation=None):
    """float64 value and elementwise error bound of act(alpha op(a) op(b) + beta c0 + bias)."""
    a64 = np.asarray(a, np.float64)
    b64 = np.asarray(b, np.float64)
    a64 = a64.T if trans_a else a64
    b64 = b64.T if trans_b else b64
    val = alpha * (a64 @ b64)
    # |op(a)| @ |op(b)| only scales the tolerance: float32 is accurate enough and twice as fast.
    mag = abs(alpha) * (np.abs(a64.astype(np.float32)) @ np.abs(b64.astype(np.float32))).astype(np.float64)
    if beta != 0.0:
        val = val + beta * np.asarray(c0, np.float64)
        mag = mag + abs(beta) * np.abs(np.asarray(c0, np.float64))
    if bias is not None:
        val = val + np.asarray(bias, np.float64)
        mag = mag + np.abs(np.asarray(bias, np.float64))
    if activation == "relu":
        val = np.maximum(val, 0.0)
    k = a64.shape[1]
    return val, 8 * EPS32 * np.sqrt(k + 1) * mag + 1e-30


def _check(got, a, b, **kw):
    ref, tol = _reference(a, b, **kw)
    assert got.dtype == np.float32 and got.shape == ref.shape
    err = np.abs(got.astype(np.float64) - ref)
    assert np.all(np.isfinite(got))
    worst = np.unravel_index(np.argmax(err - tol), err.shape) if err.size else None
    assert np.all(err <= tol), f"max excess at {worst}: err {err[worst]:.3g} > tol {tol[worst]:.3g}"


def _operands(rng, m, n, k, trans_a, trans_b):
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    return a, b


@pytest.fixture(params=ALL_ISAS)
def isa(request):
    """Runs the test on one SIMD path (skipped when this CPU lacks it); restores the old path."""
    before = _C.active_isa()
    if not _C.set_isa(request.param):
        pytest.skip(f"CPU lacks {request.param} (detected {_C.detected_isa()})")
    yield request.param
    _C.set_isa(before)


@pytest.fixture(autouse=True)
def threads():
    """Runs each test on ONE thread unless it sets another count; restores the count after.

    The shape / ISA sweep is single-threaded so this file stays fast on a loaded 2-core machine
    (an OpenMP fork/join waits for a descheduled worker). The multi-threaded path is checked
    against float64 AND bitwise against one thread by test_one_and_two_threads_are_bitwise_equal.
    """
    before = pyfapi.get_num_threads()
    pyfapi.set_num_threads(1)
    yield
    pyfapi.set_num_threads(before)


TRANSPOSES = [(False, False), (True, False), (False, True), (True, True)]

# (M, N, K): ones, primes, tall and skinny, > 1000, and shapes that cross the blocking
# (MC = 384 / KC = 256 / NC = 4096 on AVX-512) with remainders on every loop, on both the
# unpacked-A and the packed-A paths (see csrc/gemm/gemm.cpp for when A is packed).
SHAPES = [
    (1, 1, 1), (1, 7, 1), (7, 1, 13), (7, 13, 127), (13, 127, 7), (127, 7, 13), (127, 127, 127),
    (2000, 3, 5), (3, 2000, 5), (1031, 33, 17), (9, 1200, 300), (401, 97, 601), (20, 4133, 7),
    # packed-A path: row stride a multiple of 2 KB (K = 512, or M = 512 when trans_a), or big N, K
    (37, 70, 512), (512, 100, 37), (40, 780, 520),
    # edge tiles of every height: the AVX-512 kernel runs 4-, 8- or 12-row variants for the last
    # m_rem = M mod 12 rows (1..4, 5..8, 9..11)
    (4, 33, 9), (5, 31, 10), (8, 17, 3), (21, 40, 11), (23, 64, 6), (64, 32, 128), (21, 70, 512),
]


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_matches_float64_on_every_isa(isa, m, n, k, trans_a, trans_b):
    rng = np.random.default_rng(m * 1000003 + n * 1009 + k)
    a, b = _operands(rng, m, n, k, trans_a, trans_b)
    _check(gemm(a, b, trans_a=trans_a, trans_b=trans_b), a, b, trans_a=trans_a, trans_b=trans_b)


@pytest.mark.parametrize("m,n,k", [(0, 5, 3), (5, 0, 3), (0, 0, 0), (4, 6, 0)])
def test_empty_dimensions(m, n, k):
    a = np.ones((m, k), np.float32)
    b = np.ones((k, n), np.float32)
    got = gemm(a, b)
    assert got.shape == (m, n)
    np.testing.assert_array_equal(got, np.zeros((m, n), np.float32))
    # K == 0 with beta and bias: out = beta * out + bias; beta == 0 does not read out.
    out = np.full((m, n), 2.0, np.float32)
    bias = np.arange(n, dtype=np.float32)
    gemm(a, b, beta=0.5, out=out, bias=bias)
    np.testing.assert_array_equal(out, np.broadcast_to(np.float32(1.0) + bias, (m, n)))
    out[...] = np.nan
    gemm(a, b, beta=0.0, out=out)
    np.testing.assert_array_equal(out, np.zeros((m, n), np.float32))


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (-0.5, 0.75), (2.0, 0.0), (0.0, -1.5)])
def test_alpha_beta(isa, trans_a, trans_b, alpha, beta):
    rng = np.random.default_rng(7)
    m, n, k = 45, 67, 300  # two KC blocks: the second one accumulates into out
    a, b = _operands(rng, m, n, k, trans_a, trans_b)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    out = c0.copy()
    got = gemm(a, b, trans_a=trans_a, trans_b=trans_b, alpha=alpha, beta=beta, out=out)
    assert got is out
    _check(out, a, b, trans_a=trans_a, trans_b=trans_b, alpha=alpha, beta=beta, c0=c0)


@pytest.mark.parametrize("m,n,k", [(7, 13, 3), (200, 300, 400)])
def test_beta_zero_never_reads_out(isa, m, n, k):
    rng = np.random.default_rng(3)
    a, b = _operands(rng, m, n, k, False, False)
    out = np.full((m, n), np.nan, np.float32)
    gemm(a, b, beta=0.0, out=out)
    _check(out, a, b)


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", [(13, 37, 7), (130, 97, 300)])
def test_bias_and_relu_epilogue(isa, m, n, k, trans_a, trans_b):
    rng = np.random.default_rng(11)
    a, b = _operands(rng, m, n, k, trans_a, trans_b)
    bias = rng.standard_normal(n).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    kw = dict(trans_a=trans_a, trans_b=trans_b)
    _check(gemm(a, b, bias=bias, **kw), a, b, bias=bias, **kw)
    got = gemm(a, b, activation="relu", **kw)
    _check(got, a, b, activation="relu", **kw)
    assert (got == 0).any() and (got > 0).any()
    out = c0.copy()
    gemm(a, b, alpha=0.5, beta=-1.0, out=out, bias=bias, activation="relu", **kw)
    _check(out, a, b, alpha=0.5, beta=-1.0, c0=c0, bias=bias, activation="relu", **kw)
    np.testing.assert_array_equal(gemm(a, b, activation="linear", **kw), gemm(a, b, **kw))


def test_strided_out_views_are_written_in_place(isa):
    rng = np.random.default_rng(5)
    m, n, k = 37, 41, 29
    a, b = _operands(rng, m, n, k, False, False)
    # A row range of a bigger out: only those rows change.
    big = rng.standard_normal((m + 10, n)).astype(np.float32)
    keep = big.copy()
    view = big[4:4 + m]
    gemm(a, b, beta=1.0, out=view)
    _check(big[4:4 + m], a, b, beta=1.0, c0=keep[4:4 + m])
    np.testing.assert_array_equal(big[:4], keep[:4])
    np.testing.assert_array_equal(big[4 + m:], keep[4 + m:])
    # A column block (row stride larger than the row): neighbouring columns untouched.
    wide = np.full((m, n + 20), np.nan, np.float32)
    block = wide[:, 7:7 + n]
    assert gemm(a, b, out=block) is block
    _check(wide[:, 7:7 + n], a, b)
    assert np.isnan(wide[:, :7]).all() and np.isnan(wide[:, 7 + n:]).all()


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
def test_gate_block_slices_of_a_and_b(isa, trans_a, trans_b):
    """LSTM-style: a slice of a gate block of the kernel, without copies."""
    rng = np.random.default_rng(9)
    units, k, m = 23, 31, 17
    kernel = rng.standard_normal((4 * units, k) if trans_b else (k, 4 * units)).astype(np.float32)
    b = kernel[units:2 * units] if trans_b else kernel[:, units:2 * units]
    big_a = rng.standard_normal((k + 6, 3 * m) if trans_a else (3 * m, k + 6)).astype(np.float32)
    a = big_a[2:2 + k, m:2 * m] if trans_a else big_a[m:2 * m, 2:2 + k]
    _check(gemm(a, b, trans_a=trans_a, trans_b=trans_b), a, b, trans_a=trans_a, trans_b=trans_b)


def test_non_unit_stride_and_fortran_inputs(isa):
    rng = np.random.default_rng(13)
    a = rng.standard_normal((50, 80)).astype(np.float32)
    b = rng.standard_normal((40, 30)).astype(np.float32)
    _check(gemm(a[:, ::2], b), a[:, ::2], b)              # copied once
    _check(gemm(a[::-1, :40], b), a[::-1, :40], b)        # negative row stride: copied once
    af, bf = np.asfortranarray(a[:, :40]), np.asfortranarray(b)
    _check(gemm(af, bf), af, bf)                          # read as transposed C arrays
    _check(gemm(af, bf[:, :7].T, trans_b=True), af, bf[:, :7].T, trans_b=True)
    row = np.broadcast_to(rng.standard_normal((1, 40)).astype(np.float32), (5, 40))
    _check(gemm(row, b), row, b)                          # zero row stride


def test_float64_and_int_inputs_are_converted():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    b = np.arange(8, dtype=np.int64).reshape(4, 2)
    got = gemm(a, b)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, (a @ b).astype(np.float32))


def test_out_aliasing_an_input_uses_the_old_values():
    rng = np.random.default_rng(17)
    a = rng.standard_normal((24, 24)).astype(np.float32)
    b = rng.standard_normal((24, 24)).astype(np.float32)
    a0 = a.copy()
    gemm(a, b, beta=1.0, out=a)
    _check(a, a0, b, beta=1.0, c0=a0)


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("m,n,k", [(300, 517, 600), (1000, 64, 128), (64, 1000, 300), (5, 9, 3),
                                   (100, 780, 520)])
def test_one_and_two_threads_are_bitwise_equal(isa, m, n, k, trans_a, trans_b, force_parallel):
    """Results are BITWISE EQUAL for 1 and 2 threads (on every SIMD path).

    The blocking (MC/KC/NC, the small-matrix switch) never depends on the thread count, threads
    only split rows or column micro-panels among themselves, and every C element is the same FMA
    chain over k in increasing KC blocks, so the thread count cannot change a single bit.
    """
    if not _C.openmp_enabled():
        pytest.skip("built without OpenMP")
    rng = np.random.default_rng(m + n + k)
    a, b = _operands(rng, m, n, k, trans_a, trans_b)
    bias = rng.standard_normal(n).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    results = []
    for nt in (1, 2):
        pyfapi.set_num_threads(nt)
        out = c0.copy()
        gemm(a, b, trans_a=trans_a, trans_b=trans_b, alpha=0.7, beta=0.3, out=out, bias=bias,
             activation="relu")
        results.append(out)
    np.testing.assert_array_equal(results[0], results[1])
    _check(results[1], a, b, trans_a=trans_a, trans_b=trans_b, alpha=0.7, beta=0.3, c0=c0,
           bias=bias, activation="relu")


def test_every_isa_gives_correct_results_for_the_same_problem():
    rng = np.random.default_rng(19)
    a, b = _operands(rng, 150, 70, 260, True, False)
    before = _C.active_isa()
    try:
        for name in ALL_ISAS:
            if _C.set_isa(name):
                _check(gemm(a, b, trans_a=True), a, b, trans_a=True)
    finally:
        _C.set_isa(before)
    assert _C.active_isa() == before


# ---- errors: raised in Python, naming the shapes, before C++ touches memory ----

def test_wrong_dtype_raises_type_error():
    b = np.ones((3, 2), np.float32)
    with pytest.raises(TypeError, match=r"complex64"):
        gemm(np.ones((2, 3), np.complex64), b)
    with pytest.raises(TypeError, match=r"<U1"):
        gemm(np.array([["a"]]), b)
    with pytest.raises(TypeError, match=r"out must be a float32.*float64"):
        gemm(np.ones((2, 3), np.float32), b, out=np.zeros((2, 2)))


def test_wrong_rank_raises_value_error_naming_the_shape():
    with pytest.raises(ValueError, match=r"a must be 2-D, got shape \(2, 3, 4\)"):
        gemm(np.ones((2, 3, 4), np.float32), np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match=r"b must be 2-D, got shape \(3,\)"):
        gemm(np.ones((2, 3), np.float32), np.ones(3, np.float32))


def test_mismatched_inner_dimensions_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        gemm(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"\(3, 2\).*trans_a=True.*\(4, 5\)"):
        gemm(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32), trans_a=True)


def test_out_of_wrong_shape_names_both_shapes():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 5), np.float32)
    with pytest.raises(ValueError, match=r"out has shape \(5, 2\), expected \(2, 5\).*\(2, 3\).*\(3, 5\)"):
        gemm(a, b, out=np.zeros((5, 2), np.float32))


def test_other_bad_arguments():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 5), np.float32)
    with pytest.raises(ValueError, match=r"bias has shape \(4,\), expected \(5,\)"):
        gemm(a, b, bias=np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"activation.*'tanh'"):
        gemm(a, b, activation="tanh")
    ro = np.zeros((2, 5), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=r"read-only"):
        gemm(a, b, out=ro)
    with pytest.raises(ValueError, match=r"unit-stride, non-overlapping rows"):
        gemm(a, b, out=np.zeros((2, 10), np.float32)[:, ::2])


@pytest.mark.parametrize("k", [0, 3])
def test_length_one_bias_with_any_stride(k):
    """numpy flags a 1-element vector contiguous whatever its stride; the kernel must accept it
    (hypothesis found a K = 0, N = 1 case the binding refused)."""
    a = np.ones((2, k), np.float32)
    b = np.ones((k, 1), np.float32)
    bias = np.full(4, 2.5, np.float32)[::4]
    assert bias.strides != (4,) and bias.flags.c_contiguous
    np.testing.assert_array_equal(gemm(a, b, bias=bias), np.full((2, 1), k + 2.5, np.float32))


# ---- the fast path (csrc/bindings.cpp, fastcall) and the checked path agree ------------------------
class _Sub(np.ndarray):
    """An ndarray subclass (the fast entry takes exact ndarrays only)."""


def _fast_and_checked(*args, **kw):
    """``gemm`` through the one-call fast path and through the checked Python path (the fast
    entry is bypassed by passing the flags as numpy bools, which it declines)."""
    fast = gemm(*args, **kw)
    slow_kw = dict(kw, trans_a=np.bool_(kw.get("trans_a", False)))
    if "out" in kw:
        slow_kw["out"] = np.full_like(kw["out"], np.nan) if kw.get("beta", 0.0) == 0.0 \
            else kw["out"].copy()
    slow = gemm(*args, **slow_kw)
    return fast, slow


@pytest.mark.parametrize("trans_a,trans_b", TRANSPOSES)
@pytest.mark.parametrize("activation,with_bias", [(None, False), ("relu", True), ("linear", True)])
def test_fast_path_equals_checked_path_bitwise(trans_a, trans_b, activation, with_bias):
    rng = np.random.default_rng(3)
    a, b = _operands(rng, 29, 45, 17, trans_a, trans_b)
    bias = rng.standard_normal(45).astype(np.float32) if with_bias else None
    fast, slow = _fast_and_checked(a, b, trans_a=trans_a, trans_b=trans_b, bias=bias,
                                   activation=activation)
    assert np.array_equal(fast, slow)
    _check(fast, a, b, trans_a=trans_a, trans_b=trans_b, bias=bias, activation=activation)


def test_fast_path_out_alpha_beta_and_int_scalars():
    rng = np.random.default_rng(4)
    a, b = _operands(rng, 13, 7, 5, False, False)
    c0 = rng.standard_normal((13, 7)).astype(np.float32)
    out = c0.copy()
    r = gemm(a, b, alpha=2, beta=-1, out=out)  # Python ints are taken by the fast path too
    assert r is out
    _check(out, a, b, alpha=2.0, beta=-1.0, c0=c0)
    out2 = c0.copy()
    gemm(a, b, alpha=np.float32(2), beta=np.float64(-1), out=out2)  # numpy scalars: checked path
    assert np.array_equal(out, out2)


def test_fast_path_declines_what_the_checked_path_must_handle():
    """Everything the fast entry does not take returns None from it (never an error, never a
    write), so the checked path converts, copies or raises as documented."""
    rng = np.random.default_rng(5)
    a, b = _operands(rng, 6, 5, 4, False, False)
    out = np.zeros((6, 5), np.float32)
    fast = _C.gemm_fast
    declined = [
        (a.astype(np.float64), b, out, False, False, 1.0, 0.0, None, None),   # dtype
        (a.astype(">f4"), b, out, False, False, 1.0, 0.0, None, None),        # byte order
        (a.view(_Sub), b, out, False, False, 1.0, 0.0, None, None),          # subclass
        (a[:, ::2], b[:2], out, False, False, 1.0, 0.0, None, None),           # strided rows
        (a, b[:3], out, False, False, 1.0, 0.0, None, None),                  # inner mismatch
        (a, b, out[:, :4], False, False, 1.0, 0.0, None, None),               # out shape
        (a, b, out, 1, False, 1.0, 0.0, None, None),                          # non-bool flag
        (a, b, out, False, False, np.float32(1), 0.0, None, None),            # numpy scalar
        (a, b, out, False, False, 1.0, 0.0, np.ones(4, np.float32), None),     # bias length
        (a, b, out, False, False, 1.0, 0.0, np.ones(5), None),                # bias dtype
        (a, b, out, False, False, 1.0, 0.0, None, "tanh"),                    # activation
        (a, b, np.zeros((6, 10), np.float32)[:, ::2], False, False, 1.0, 0.0, None, None),
        (a, b, np.zeros((5, 6), np.float32).T, False, False, 1.0, 0.0, None, None),
        (a[:0], b, out[:0], False, False, 1.0, 0.0, None, None),              # empty
    ]
    ro = np.zeros((6, 5), np.float32)
    ro.flags.writeable = False
    declined.append((a, b, ro, False, False, 1.0, 0.0, None, None))
    buf = np.zeros(64, np.float32)
    alias = buf[:30].reshape(6, 5)
    declined.append((buf[:24].reshape(6, 4), b, alias, False, False, 1.0, 0.0, None, None))
    rows_overlap = np.lib.stride_tricks.as_strided(np.zeros(40, np.float32), (6, 5), (8, 4))
    declined.append((a, b, rows_overlap, False, False, 1.0, 0.0, None, None))
    buf_b = np.zeros(64, np.float32)
    declined.append((a, buf_b[:20].reshape(4, 5), buf_b[10:40].reshape(6, 5), False, False, 1.0,
                     0.0, None, None))                                       # out overlaps b
    out_b = np.zeros((6, 5), np.float32)
    declined.append((a, b, out_b, False, False, 1.0, 0.0, out_b[2], None))   # bias inside out
    declined.append((a, b, out, False, False, 1e39, 0.0, None, None))        # beyond float32
    raw = np.zeros(6 * 5 * 4 + 1, np.uint8)
    unaligned = raw[1:].view(np.float32).reshape(6, 5)
    assert not unaligned.flags.aligned
    declined.append((a, b, unaligned, False, False, 1.0, 0.0, None, None))
    for args in declined:
        before = [x.copy() for x in args[:3] if isinstance(x, np.ndarray)]
        assert fast(*args) is None, args
        after = [x for x in args[:3] if isinstance(x, np.ndarray)]
        assert all(np.array_equal(x, y) for x, y in zip(before, after))
    with pytest.raises(TypeError, match="9 positional"):
        fast(a, b)
    # and the checked path gives the right answer or the documented error for them
    # (float64 reference; atol for the cancellation in sums of unit-size terms, as every path
    # -- FMA or not, PYFAPI_ISA=generic included -- rounds in its own order)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    tol = dict(rtol=1e-6, atol=1e-6 * a.shape[1])
    np.testing.assert_allclose(gemm(a.astype(np.float64), b), ref, **tol)
    np.testing.assert_allclose(gemm(a.astype(">f4"), b), ref, **tol)
    np.testing.assert_allclose(gemm(a, b, out=unaligned), ref, **tol)
    with pytest.raises(ValueError, match="activation"):
        gemm(a, b, activation="tanh")


def test_fast_path_allocates_out_and_ignores_beta_without_out():
    rng = np.random.default_rng(6)
    a, b = _operands(rng, 12, 40, 3, True, True)
    r = gemm(a, b, trans_a=True, trans_b=True, beta=5.0)
    assert r.flags.c_contiguous and r.dtype == np.float32 and r.shape == (12, 40)
    _check(r, a, b, trans_a=True, trans_b=True)


def test_bias_inside_out_is_read_before_out_is_written():
    rng = np.random.default_rng(7)
    a, b = _operands(rng, 40, 64, 9, False, False)
    for flag in (False, np.bool_(False)):  # fast entry declines; checked path copies the bias
        out = rng.standard_normal((40, 64)).astype(np.float32)
        bias = out[3].copy()
        r = gemm(a, b, out=out, bias=out[3], trans_a=flag)
        _check(r, a, b, bias=bias)


def test_result_that_cannot_be_allocated_raises_numpys_error():
    """The fast entry allocates the result itself: numpy's error must come out as a Python
    exception (it used to abort the process with an uncaught C++ exception). Broadcast operands
    keep the inputs tiny; the 2**40 x 2**40 result is refused by numpy before any allocation."""
    a = np.broadcast_to(np.ones((1, 1), np.float32), (2 ** 40, 1))  # rows of one element
    assert _C.gemm_fast(a[:3], a[:5], None, False, True, 1.0, 0.0, None, None) is not None
    with pytest.raises(ValueError, match="too big"):
        gemm(a, a, trans_b=True)  # taken by the fast entry: (2**40 x 1) @ (1 x 2**40)
    with pytest.raises(ValueError, match="too big"):
        gemm(a, a, trans_b=np.bool_(True))  # the checked path says the same
