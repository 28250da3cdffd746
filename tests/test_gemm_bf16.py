"""bfloat16 GEMM (csrc/gemm/ukernel_avx512_bf16.cpp) against a numpy reference.

Reference: the operands rounded to bfloat16 (round to nearest even, done here with integer
arithmetic on the float32 bits, independently of the kernel), products and sums in float64.

Tolerances (elementwise, ``mag = |alpha| |op(A)| @ |op(B)| + |beta| |C0| + |bias|``):
* the AVX512-BF16 path multiplies exactly the rounded operands (vdpbf16ps products are exact in
  float32) and accumulates in float32: ``8 eps32 sqrt(K + 1) mag``, the float32 GEMM's bound --
  a kernel that skipped the rounding would miss it by ~2^-9 mag;
* every other path (avx512, avx2, generic) is the float32 fallback: its operands differ from the
  rounded ones by at most 2^-9 relative each (bfloat16 keeps 8 significant bits), so
  ``2 * 2^-8 * mag`` plus the float32 bound.
"""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C
from pyfapi.kernels import gemm
from pyfapi.kernels.precision import compute_precision, current_precision

EPS32 = np.finfo(np.float32).eps
PATHS = ("avx512_bf16", "avx512", "avx2", "generic")


def to_bf16(x):
    """float32 -> nearest bfloat16 (ties to even), returned as float32 (NaN stays NaN)."""
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), r)


@pytest.fixture(params=PATHS)
def path(request):
    before = _C.active_isa()
    if not _C.set_isa(request.param):
        pytest.skip(f"CPU lacks {request.param} (detected {_C.detected_isa()})")
    yield request.param
    _C.set_isa(before)


def _check(path, got, a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, c0=None,
           bias=None, activation=None):
    A = a.T if trans_a else a
    B = b.T if trans_b else b
    val = alpha * (to_bf16(A).astype(np.float64) @ to_bf16(B).astype(np.float64))
    mag = abs(alpha) * (np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64))
    if beta:
        val += beta * c0.astype(np.float64)
        mag += abs(beta) * np.abs(c0.astype(np.float64))
    if bias is not None:
        val += bias.astype(np.float64)
        mag += np.abs(bias.astype(np.float64))
    if activation == "relu":
        val = np.maximum(val, 0)
    k = A.shape[1]
    tol = 8 * EPS32 * np.sqrt(k + 1) * mag + 1e-30
    if path != "avx512_bf16":
        tol += 2 * 2.0 ** -8 * mag
    assert got.dtype == np.float32 and got.shape == val.shape
    err = np.abs(got - val)
    assert np.all(err <= tol), f"{path}: max excess {np.max(err - tol):.3g}"


SHAPES = [(1, 1, 1), (1, 7, 2), (3, 5, 7), (12, 32, 2), (13, 33, 3), (11, 31, 513), (4, 1, 600),
          (97, 65, 259), (5, 200, 1), (64, 37, 1031)]


@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("trans_a,trans_b", [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_bf16_gemm_matches_rounded_reference(path, m, n, k, trans_a, trans_b):
    rng = np.random.default_rng(m * 1000 + n * 10 + k)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    with compute_precision("bfloat16"):
        got = gemm(a, b, trans_a=trans_a, trans_b=trans_b)
    _check(path, got, a, b, trans_a, trans_b)


def test_bf16_epilogue_alpha_beta_bias_relu_and_views(path):
    rng = np.random.default_rng(3)
    m, n, k = 29, 45, 77
    big = rng.standard_normal((m, k + 9)).astype(np.float32)
    a = big[:, 4:4 + k]  # a column block: unit-stride rows, row stride k + 9
    b = rng.standard_normal((k, n)).astype(np.float32)
    c0 = rng.standard_normal((m, n)).astype(np.float32)
    bias = rng.standard_normal(n).astype(np.float32)
    out = c0.copy()
    with compute_precision("bfloat16"):
        gemm(a, b, alpha=0.5, beta=-1.5, out=out, bias=bias, activation="relu")
    _check(path, out, a, b, alpha=0.5, beta=-1.5, c0=c0, bias=bias, activation="relu")


def test_bf16_kernel_really_rounds_the_operands():
    """On the AVX512-BF16 path the result equals the float32 GEMM of the pre-rounded operands
    (to float32 accumulation error) and differs from the float32 GEMM of the raw ones."""
    if not _C.set_isa("avx512_bf16"):
        pytest.skip("no AVX512-BF16")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((40, 300)).astype(np.float32)
    b = rng.standard_normal((300, 50)).astype(np.float32)
    with compute_precision("bfloat16"):
        got = gemm(a, b)
    raw = gemm(a, b)
    pre = gemm(to_bf16(a), to_bf16(b))
    assert np.max(np.abs(got - pre)) < 1e-4
    assert np.max(np.abs(got - raw)) > 1e-3


def test_bf16_special_values():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((13, 20)).astype(np.float32)
    b = rng.standard_normal((20, 17)).astype(np.float32)
    a[2, 3] = np.nan
    b[5, 6] = np.inf
    with compute_precision("bfloat16"):
        got = gemm(a, b)
    assert np.all(np.isnan(got[2]))
    assert np.all(~np.isfinite(got[:, 6]))
    ok = np.ones(got.shape, bool)
    ok[2] = False
    ok[:, 6] = False
    assert np.all(np.isfinite(got[ok]))


def test_bf16_same_on_1_and_2_threads():
    rng = np.random.default_rng(11)
    a = rng.standard_normal((300, 257)).astype(np.float32)
    b = rng.standard_normal((257, 190)).astype(np.float32)
    old = pyfapi.get_num_threads()
    try:
        _C._set_force_threads(True)
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            with compute_precision("bfloat16"):
                res.append(gemm(a, b, trans_b=False))
        assert np.array_equal(res[0], res[1])
    finally:
        _C._set_force_threads(False)
        pyfapi.set_num_threads(old)


def test_compute_precision_scope_and_errors():
    assert current_precision() == "float32"
    with compute_precision("bfloat16"):
        assert current_precision() == "bfloat16"
        assert _C.gemm_precision() == 1
        with compute_precision("float32"):
            assert _C.gemm_precision() == 0
        assert _C.gemm_precision() == 1
    assert current_precision() == "float32" and _C.gemm_precision() == 0
    with pytest.raises(ValueError, match="compute_precision"):
        with compute_precision("float16"):
            pass


def test_forced_paths_in_a_fresh_process(run_python):
    code = ("import pyfapi, numpy as np; from pyfapi import _C; from pyfapi.kernels import gemm;"
            "from pyfapi.kernels.precision import compute_precision as cp;"
            "a = np.ones((3, 5), np.float32) * np.float32(1 + 2**-10);"
            "ctx = cp('bfloat16'); ctx.__enter__(); print(_C.active_isa(), gemm(a, a.T)[0, 0])")
    best = _C.detected_isa()
    for name in PATHS:
        out = run_python("-c", code, env={"PYFAPI_ISA": name}).stdout.split()
        order = list(reversed(PATHS))
        expect = name if order.index(name) <= order.index(best) else best
        assert out[0] == expect
        # 1 + 2^-10 rounds to 1 in bfloat16: 5.0 on the bf16 kernel, > 5 on float32 paths
        assert (float(out[1]) == 5.0) == (expect == "avx512_bf16")
    cfg = run_python("-c", "import pyfapi; pyfapi.show_config()", env={"PYFAPI_ISA": "avx512"})
    assert "bf16_gemm: float32 fallback" in cfg.stdout
