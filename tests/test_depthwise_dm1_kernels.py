"""The depth_multiplier == 1 register-blocked depthwise paths (csrc/conv/depthwise_rows.inc,
``dw1_*``): every ISA build against the float64 numpy references of tests/references/conv_ref.py,
on channel counts that hit the 4-vector, 1-vector and scalar-tail loops of every vector width
(1, 7, 16, 37, 67, 131), interior pixel pairs, borders, strides larger than the kernel,
dilation, an empty batch and kernels with more than 64 taps; 1 vs 2 threads bitwise equal."""
import numpy as np
import pytest

from pyfapi import _C
from pyfapi.kernels import conv as K
from references.conv_ref import (depthwise_backward_input_ref, depthwise_backward_kernel_ref,
                                 depthwise_ref)

RTOL, ATOL = 1e-4, 1e-4

# (x shape, kernel spatial, strides, padding, dilation)
CASES = [
    ((1, 1, 1, 1), (1, 1), 1, "valid", 1),
    ((2, 9, 11, 7), (3, 3), 1, "same", 1),
    ((1, 6, 13, 16), (3, 3), 1, "valid", 1),
    ((2, 7, 10, 37), (3, 3), 1, "same", 1),
    ((1, 8, 9, 67), (3, 3), 2, "same", 1),
    ((1, 5, 12, 131), (3, 3), 1, "same", 1),
    ((2, 7, 8, 37), (2, 2), 3, "valid", 1),          # stride larger than the kernel
    ((1, 9, 11, 67), (3, 3), 1, "same", 2),          # dilation 2
    ((1, 7, 9, 19), (5, 3), (2, 1), "same", (1, 2)),  # mixed
    ((1, 11, 9, 37), (3, 3), (2, 1), "same", (2, 1)),  # 3x3 sliding rows, vertical stride / dilation
    ((2, 4, 3, 16), (3, 3), 1, "valid", 1),          # one sliding column per row
    ((0, 5, 5, 37), (3, 3), 1, "same", 1),           # empty batch
    ((1, 10, 11, 5), (9, 9), 1, "same", 1),          # 81 taps (> 64: plain-loop fallback)
    ((1, 3, 3, 17), (5, 5), 1, "same", 1),           # kernel larger than the input
]


def _rand(rng, shape):
    return rng.standard_normal(shape).astype(np.float32)


def _run(x, k, dy, strides, padding, dilation):
    y = K.depthwise_conv_forward(x, k, strides, padding, dilation)
    dx = K.depthwise_conv_backward_input(dy, k, x.shape, strides, padding, dilation)
    dk = K.depthwise_conv_backward_kernel(x, dy, k.shape, strides, padding, dilation)
    return y, dx, dk


@pytest.fixture
def restore():
    isa, nt = _C.active_isa(), _C.get_num_threads()
    yield
    _C.set_isa(isa)
    _C.set_num_threads(nt)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_dm1_matches_reference_every_isa(isa, case, restore):
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    x_shape, ks, strides, padding, dilation = case
    rng = np.random.default_rng(11)
    x = _rand(rng, x_shape)
    k = _rand(rng, (*ks, x_shape[-1], 1))
    y_ref = depthwise_ref(x, k, strides, padding, dilation)
    dy = _rand(rng, y_ref.shape)
    y, dx, dk = _run(x, k, dy, strides, padding, dilation)
    np.testing.assert_allclose(y, y_ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dx, depthwise_backward_input_ref(dy, k, x.shape, strides, padding,
                                                                dilation), rtol=RTOL, atol=ATOL)
    dk_ref = depthwise_backward_kernel_ref(x, dy, k.shape, strides, padding, dilation)
    np.testing.assert_allclose(dk, dk_ref, rtol=RTOL, atol=ATOL * max(1, x_shape[0] * 10))
    if x_shape[0] == 0:
        assert y.shape[0] == 0 and dx.shape[0] == 0
        np.testing.assert_array_equal(dk, np.zeros(k.shape, np.float32))


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_dm1_same_result_with_1_and_2_threads(isa, restore):
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    rng = np.random.default_rng(5)
    x = _rand(rng, (3, 17, 19, 67))
    k = _rand(rng, (3, 3, 67, 1))
    dy = _rand(rng, (3, 17, 19, 67))
    runs = []
    for nt in (1, 2):
        _C.set_num_threads(nt)
        runs.append(_run(x, k, dy, 1, "same", 1))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_dm1_bad_input_raises_before_cpp():
    x = np.zeros((1, 5, 5, 8), np.float32)
    with pytest.raises(ValueError, match=r"depthwise_conv.*in_channels \(4.*\(8"):
        K.depthwise_conv_forward(x, np.zeros((3, 3, 4, 1), np.float32))
    with pytest.raises(ValueError, match="dy"):
        K.depthwise_conv_backward_input(np.zeros((1, 4, 4, 8), np.float32),
                                        np.zeros((3, 3, 8, 1), np.float32), x.shape, 1, "same")


def _shift_ref_3x3_same(x, k):
    """float64 'same' 3x3 stride-1 depthwise by shifted slices (fast enough for big arrays)."""
    n, h, w, c = x.shape
    xp = np.zeros((n, h + 2, w + 2, c))
    xp[:, 1:-1, 1:-1] = x
    y = np.zeros((n, h, w, c))
    for i in range(3):
        for j in range(3):
            y += xp[:, i:i + h, j:j + w] * k[i, j, :, 0].astype(np.float64)
    return y


@pytest.mark.parametrize("isa", ["avx2", "avx512"])
def test_dm1_large_output_streaming_stores(isa, restore):
    """Outputs >= 24 MiB on a 64-byte boundary take the streaming-store branch (AVX-512); the
    same call into a misaligned output takes the ordinary stores: both equal the reference and
    each other bitwise."""
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    rng = np.random.default_rng(9)
    x = _rand(rng, (1, 100, 101, 624))
    k = _rand(rng, (3, 3, 624, 1))
    g = K._Geometry("t", x.shape, k.shape, 1, "same", 1, True)
    aligned = K._empty_aligned(g.output_shape)
    assert aligned.ctypes.data % 64 == 0 and aligned.nbytes >= 24 << 20
    buf = K._empty_aligned((aligned.size + 1,))
    misaligned = buf[1:].reshape(g.output_shape)
    for out in (aligned, misaligned):
        _C.depthwise_forward(x.reshape(g.x4), k.reshape(g.k4), out.reshape(g.y4), *g.args)
    np.testing.assert_array_equal(aligned, misaligned)
    # reference on the first rows (rows 0..5 of the output only need input rows 0..6)
    np.testing.assert_allclose(aligned[:, :6], _shift_ref_3x3_same(x[:, :7], k)[:, :6],
                               rtol=RTOL, atol=ATOL)
