"""pyfapi.kernels.conv (dense + depthwise convolution kernels) against the float64 numpy
references in tests/references/conv_ref.py, on odd shapes; adjoint identities, finite
differences, error messages, thread-count independence."""
import numpy as np
import pytest

from pyfapi import _C
from pyfapi.kernels import conv as K
from pyfapi.kernels._shapes import conv_output_size, same_padding
from references.conv_ref import (conv_backward_input_ref, conv_backward_kernel_ref, conv_ref,
                                 depthwise_backward_input_ref, depthwise_backward_kernel_ref,
                                 depthwise_ref)

RTOL, ATOL = 1e-4, 1e-4

# (x shape, kernel spatial, filters, strides, padding, dilation)
CASES_2D = [
    ((1, 1, 1, 1), (1, 1), 1, 1, "valid", 1),            # 1x1 input, 1x1 kernel (pointwise path)
    ((2, 1, 1, 3), (3, 3), 5, 1, "same", 1),             # kernel larger than the input, 'same'
    ((2, 3, 2, 3), (5, 4), 2, 1, "same", 1),             # even kernel larger than the input
    ((3, 7, 5, 2), (2, 2), 3, 3, "valid", 1),            # stride larger than the kernel
    ((2, 6, 7, 3), (2, 4), 5, 1, "same", 1),             # even kernels, 'same'
    ((2, 9, 8, 3), (3, 3), 4, 2, "same", 1),             # stride 2, 'same' (col2im path)
    ((1, 9, 10, 5), (3, 3), 7, 1, "same", 2),            # dilation 2, batch 1
    ((2, 8, 9, 3), (3, 2), 4, (2, 1), "valid", (1, 2)),  # mixed strides / dilations
    ((0, 5, 5, 3), (3, 3), 4, 1, "same", 1),             # empty batch
    ((2, 5, 5, 7), (1, 1), 11, 1, "valid", 1),           # pointwise
    ((2, 5, 5, 7), (1, 1), 11, 2, "same", 1),            # 1x1 with stride 2
    ((2, 6, 6, 13), (3, 3), 17, (2, 3), "same", 1),      # primes
    ((1, 5, 5, 2), (3, 3), 3, 4, "same", 1),             # stride > kernel with 'same'
    ((2, 7, 6, 3), (3, 3), 2, 1, "valid", 2),            # dilation 2, 'valid'
    ((3, 30, 30, 13), (3, 3), 5, 1, "same", 1),          # several GEMM blocks (stride-1 bwd path)
    ((1, 31, 29, 11), (3, 3), 6, 2, "same", 1),          # several blocks, col2im with N=1
    ((2, 20, 20, 64), (3, 3), 9, 1, "valid", 1),         # large K, several blocks
    # Winograd F(2x2, 3x3) path (3x3, stride 1, dilation 1, >= 16 channels in and out)
    ((2, 7, 9, 17), (3, 3), 19, 1, "same", 1),           # odd sizes: partial tiles
    ((1, 5, 6, 16), (3, 3), 16, 1, "valid", 1),
    ((1, 2, 2, 16), (3, 3), 17, 1, "same", 1),           # one tile, mostly padding
    ((3, 20, 21, 16), (3, 3), 20, 1, "same", 1),         # several tile blocks
    ((1, 4, 3, 16), (3, 3), 16, 1, "valid", 1),          # output 2x1: below the Winograd minimum
    ((2, 3, 9, 16), (1, 5), 32, 1, "same", 1),           # 1 x r kernel: rows as sequences (1-D Winograd)
    ((2, 3, 9, 16), (1, 3), 32, 1, "valid", 1),
]

# (x shape, kernel width, filters, stride, padding, dilation)
CASES_1D = [
    ((1, 1, 1), (1,), 1, 1, "valid", 1),
    ((2, 3, 3), (5,), 4, 1, "same", 1),
    ((2, 9, 3), (3,), 5, 1, "causal", 2),
    ((2, 10, 3), (4,), 2, 3, "causal", 1),
    ((3, 11, 5), (2,), 3, 4, "valid", 1),
    ((2, 8, 7), (4,), 3, 2, "same", 1),
    ((0, 8, 7), (3,), 3, 1, "same", 1),
    ((2, 50, 7), (1,), 11, 1, "valid", 1),
    ((2, 300, 17), (5,), 13, 1, "causal", 3),
    # Winograd F(2, r) path (r = 3..5, stride 1, dilation 1, >= 16 in / >= 32 out channels)
    ((2, 9, 16), (3,), 32, 1, "same", 1),
    ((2, 10, 17), (5,), 33, 1, "causal", 1),
    ((1, 11, 16), (4,), 32, 1, "valid", 1),
    ((3, 2, 16), (5,), 40, 1, "same", 1),                # kernel longer than the input
    ((2, 700, 16), (5,), 32, 1, "same", 1),              # several tile blocks
]


def _rand(rng, shape):
    return rng.standard_normal(shape).astype(np.float32)


def _check_conv(x_shape, kshape, filters, strides, padding, dilation):
    rng = np.random.default_rng(sum(x_shape) + sum(kshape) + filters)
    x = _rand(rng, x_shape)
    k = _rand(rng, (*kshape, x_shape[-1], filters))
    y = K.conv_forward(x, k, strides, padding, dilation)
    y_ref = conv_ref(x, k, strides, padding, dilation)
    assert y.dtype == np.float32 and y.shape == y_ref.shape
    np.testing.assert_allclose(y, y_ref, rtol=RTOL, atol=ATOL)
    dy = _rand(rng, y.shape)
    dx = K.conv_backward_input(dy, k, x.shape, strides, padding, dilation)
    np.testing.assert_allclose(dx, conv_backward_input_ref(dy, k, x.shape, strides, padding, dilation),
                               rtol=RTOL, atol=ATOL)
    dk = K.conv_backward_kernel(x, dy, k.shape, strides, padding, dilation)
    np.testing.assert_allclose(dk, conv_backward_kernel_ref(x, dy, k.shape, strides, padding, dilation),
                               rtol=RTOL, atol=ATOL * max(1, x.shape[0] * np.prod(y.shape[1:-1])) ** 0.5)
    # adjoint identities in float64: <dy, conv(x)> = <dx, x> = <dk, k>
    lhs = float(np.vdot(dy.astype(np.float64), y_ref))
    assert np.isclose(lhs, np.vdot(dx.astype(np.float64), x), rtol=1e-4, atol=1e-3)
    assert np.isclose(lhs, np.vdot(dk.astype(np.float64), k), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("case", CASES_2D, ids=str)
def test_conv2d_matches_reference(case):
    _check_conv(*case)


@pytest.mark.parametrize("case", CASES_1D, ids=str)
def test_conv1d_matches_reference(case):
    _check_conv(*case)


def test_references_agree_with_direct_loops():
    """The slice-based reference equals the textbook 4-loop definition on a small 'same' case."""
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((1, 4, 5, 2)), rng.standard_normal((2, 3, 2, 3))
    # TF 'same', stride 2, dilation 1: out = (2, 3); pads before: h total max(1*2+2-4,0)=0,
    # w total max(2*2+3-5,0)=2 -> 1 before.
    y = np.zeros((1, 2, 3, 3))
    for oh in range(2):
        for ow in range(3):
            for kh in range(2):
                for kw in range(3):
                    ih, iw = oh * 2 + kh, ow * 2 - 1 + kw
                    if 0 <= ih < 4 and 0 <= iw < 5:
                        y[0, oh, ow] += x[0, ih, iw] @ k[kh, kw]
    np.testing.assert_allclose(conv_ref(x, k, 2, "same"), y, rtol=1e-12)


def test_conv_fused_bias_relu():
    rng = np.random.default_rng(1)
    x, k, b = _rand(rng, (2, 7, 6, 5)), _rand(rng, (3, 3, 5, 4)), _rand(rng, (4,))
    ref = conv_ref(x, k, 1, "same") + b
    np.testing.assert_allclose(K.conv_forward(x, k, 1, "same", bias=b), ref, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(K.conv_forward(x, k, 1, "same", bias=b, activation="relu"),
                               np.maximum(ref, 0), rtol=RTOL, atol=ATOL)
    x2, k2, b2 = _rand(rng, (2, 7, 6, 17)), _rand(rng, (3, 3, 17, 16)), _rand(rng, (16,))  # Winograd
    ref2 = conv_ref(x2, k2, 1, "same") + b2
    np.testing.assert_allclose(K.conv_forward(x2, k2, 1, "same", bias=b2, activation="relu"),
                               np.maximum(ref2, 0), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(K.conv_forward(x, k[:1, :1], 1, "same", activation="relu"),
                               np.maximum(conv_ref(x, k[:1, :1]), 0), rtol=RTOL, atol=ATOL)


def test_conv_finite_differences():
    """Central differences of L = sum(w * conv(x, k)) in float64 through the float32 kernel."""
    rng = np.random.default_rng(2)
    x, k = _rand(rng, (1, 4, 3, 2)), _rand(rng, (2, 3, 2, 2))
    args = ((2, 1), "same", 1)
    w = _rand(rng, K.conv_forward(x, k, *args).shape)
    dx = K.conv_backward_input(w, k, x.shape, *args)
    dk = K.conv_backward_kernel(x, w, k.shape, *args)
    eps = 1e-2
    for arr, grad, f in ((x, dx, lambda v: K.conv_forward(v, k, *args)),
                         (k, dk, lambda v: K.conv_forward(x, v, *args))):
        for i in range(arr.size):
            p, m = arr.copy(), arr.copy()
            p.flat[i] += eps
            m.flat[i] -= eps
            fd = (np.vdot(w, f(p).astype(np.float64)) - np.vdot(w, f(m).astype(np.float64))) / (2 * eps)
            assert abs(fd - grad.flat[i]) < 2e-3 * max(1.0, abs(fd)), (i, fd, grad.flat[i])


@pytest.mark.parametrize("case", [
    ((2, 6, 7, 3), (3, 3), 2, 1, "same", 1),
    ((1, 1, 1, 4), (3, 3), 3, 1, "same", 1),
    ((2, 6, 7, 4), (2, 2), 1, 2, "valid", 1),
    ((2, 9, 9, 3), (3, 3), 1, 1, "same", 2),
    ((1, 5, 4, 2), (5, 4), 3, (3, 1), "same", 1),
    ((0, 5, 5, 3), (3, 3), 2, 1, "same", 1),
    ((2, 9, 5), (3,), 2, 1, "causal", 2),
    ((2, 9, 5), (4,), 3, 2, "same", 1),
], ids=str)
def test_depthwise_matches_reference(case):
    x_shape, kshape, dm, strides, padding, dilation = case
    rng = np.random.default_rng(sum(x_shape) + dm)
    x = _rand(rng, x_shape)
    k = _rand(rng, (*kshape, x_shape[-1], dm))
    y = K.depthwise_conv_forward(x, k, strides, padding, dilation)
    y_ref = depthwise_ref(x, k, strides, padding, dilation)
    assert y.shape == y_ref.shape == (x_shape[0], *y_ref.shape[1:-1], x_shape[-1] * dm)
    np.testing.assert_allclose(y, y_ref, rtol=RTOL, atol=ATOL)
    dy = _rand(rng, y.shape)
    dx = K.depthwise_conv_backward_input(dy, k, x.shape, strides, padding, dilation)
    np.testing.assert_allclose(dx, depthwise_backward_input_ref(dy, k, x.shape, strides, padding, dilation),
                               rtol=RTOL, atol=ATOL)
    dk = K.depthwise_conv_backward_kernel(x, dy, k.shape, strides, padding, dilation)
    np.testing.assert_allclose(dk, depthwise_backward_kernel_ref(x, dy, k.shape, strides, padding, dilation),
                               rtol=RTOL, atol=ATOL)
    lhs = float(np.vdot(dy.astype(np.float64), y_ref))
    assert np.isclose(lhs, np.vdot(dx.astype(np.float64), x), rtol=1e-4, atol=1e-3)
    assert np.isclose(lhs, np.vdot(dk.astype(np.float64), k), rtol=1e-4, atol=1e-3)


def test_depthwise_reference_channel_order():
    """Output channel c*M + m comes from input channel c and kernel[..., c, m] (TF order)."""
    x = np.zeros((1, 1, 1, 2), np.float32)
    x[..., 1] = 1.0
    k = np.arange(2 * 3, dtype=np.float32).reshape(1, 1, 2, 3)
    expected = np.array([0, 0, 0, 3, 4, 5], np.float32)
    np.testing.assert_array_equal(K.depthwise_conv_forward(x, k)[0, 0, 0], expected)
    np.testing.assert_array_equal(depthwise_ref(x, k)[0, 0, 0], expected)


@pytest.fixture
def restore_threads():
    n = _C.get_num_threads()
    yield
    _C.set_num_threads(n)


@pytest.mark.parametrize("case", [
    ((4, 30, 30, 13), (3, 3), 5, 1, "same", 1),
    ((3, 25, 23, 16), (3, 3), 18, 1, "same", 1),
    ((3, 900, 16), (5,), 32, 1, "causal", 1),
    ((3, 33, 31, 11), (3, 3), 6, 2, "same", 1),
    ((1, 31, 29, 11), (3, 3), 6, 2, "same", 1),
    ((2, 4000, 7), (1,), 9, 1, "valid", 1),
], ids=str)
def test_same_result_with_1_and_2_threads(case, restore_threads, force_parallel):
    x_shape, kshape, f, strides, padding, dilation = case
    rng = np.random.default_rng(3)
    x = _rand(rng, x_shape)
    k = _rand(rng, (*kshape, x_shape[-1], f))
    dk_shape = (*kshape, x_shape[-1], 2)
    runs = []
    for nt in (1, 2):
        _C.set_num_threads(nt)
        y = K.conv_forward(x, k, strides, padding, dilation)
        dy = np.cos(y)
        dyd = np.cos(K.depthwise_conv_forward(x, np.ones(dk_shape, np.float32), strides,
                                              padding if len(x_shape) == 4 else "valid", dilation))
        pad_d = padding if len(x_shape) == 4 else "valid"
        runs.append((y, K.conv_backward_input(dy, k, x.shape, strides, padding, dilation),
                     K.conv_backward_kernel(x, dy, k.shape, strides, padding, dilation),
                     K.depthwise_conv_forward(x, k[..., :2], strides, pad_d, dilation),
                     K.depthwise_conv_backward_input(dyd, k[..., :2], x.shape, strides, pad_d, dilation),
                     K.depthwise_conv_backward_kernel(x, dyd, dk_shape, strides, pad_d, dilation)))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_output_size_helpers():
    assert conv_output_size(7, 3, 2, "valid") == 3
    assert conv_output_size(7, 3, 2, "same") == 4
    assert conv_output_size(7, 3, 1, "valid", 3) == 1
    assert conv_output_size(None, 3, 1, "same") is None
    assert same_padding(5, 4, 1) == (1, 2)      # odd pixel after
    assert same_padding(1, 3, 1) == (1, 1)
    assert same_padding(7, 3, 4) == (0, 0)
    assert same_padding(7, 4, 2) == (1, 2)
    assert same_padding(9, 3, 1, dilation=2) == (2, 2)
    assert K.conv_output_shape((None, 9, 8, 3), (3, 3, 3, 4), 2, "same") == (None, 5, 4, 4)
    assert K.conv_output_shape((None, None, 8, 3), (3, 3, 3, 4), 1, "valid") == (None, None, 6, 4)
    assert K.conv_output_shape((4, 10, 3), (3, 3, 5), 2, "causal", 2) == (4, 5, 5)


def test_converts_float64_and_non_contiguous_inputs():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 9, 7, 6))[:, ::2, :, ::2]  # float64, non-contiguous, C=3
    k = np.asfortranarray(rng.standard_normal((3, 3, 3, 4)))
    np.testing.assert_allclose(K.conv_forward(x, k, 1, "same"), conv_ref(x.astype(np.float32), k.astype(np.float32), 1, "same"),
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("call, match", [
    (lambda: K.conv_forward(np.zeros((2, 5, 5)), np.zeros((3, 3, 3, 4))), r"rank 3"),
    (lambda: K.conv_forward(np.zeros((5, 5)), np.zeros((3, 3, 4))), r"rank 3 .* or 4 .*got shape \(5, 5\)"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 2, 4))), r"in_channels \(2.*\(3"),
    (lambda: K.conv_forward(np.zeros((2, 2, 2, 3)), np.zeros((3, 3, 3, 4))), r"input size 2 .*kernel size 3"),
    (lambda: K.conv_forward(np.zeros((2, 4, 3)), np.zeros((3, 3, 4)), dilation_rate=2), r"would be 0 .*input size 4 .*dilated kernel size 5"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), strides=0), r"strides"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), strides=(1, 2, 3)), r"strides"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), dilation_rate=-1), r"dilation_rate"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), padding="full"), r"padding"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), padding="causal"), r"causal"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), bias=np.zeros(3)), r"bias .*\(3,\).*\(4,\)"),
    (lambda: K.conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 4)), activation="tanh"), r"activation"),
    (lambda: K.conv_backward_input(np.zeros((2, 3, 3, 4)), np.zeros((3, 3, 3, 4)), (2, 5, 5, 3), padding="same"), r"dy .*\(2, 3, 3, 4\).*\(2, 5, 5, 4\)"),
    (lambda: K.conv_backward_kernel(np.zeros((2, 5, 5, 3)), np.zeros((2, 3, 3, 5)), (3, 3, 3, 4)), r"dy .*\(2, 3, 3, 5\).*\(2, 3, 3, 4\)"),
    (lambda: K.depthwise_conv_forward(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 4, 1))), r"in_channels \(4.*\(3"),
    (lambda: K.depthwise_conv_forward(np.zeros((2, 1, 5, 3)), np.zeros((3, 3, 3, 1))), r"input size 1"),
], ids=range(16))
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_numeric_dtype_raises_type_error():
    with pytest.raises(TypeError, match="float32"):
        K.conv_forward(np.array([["a"]]), np.zeros((1, 1, 1)))


def test_cpp_guards_refuse_bad_arrays():
    """The C++ wrappers re-check and never convert (last guard behind the Python face)."""
    x = np.zeros((1, 4, 4, 3), np.float32)
    k = np.zeros((3, 3, 3, 2), np.float32)
    with pytest.raises(TypeError):
        _C.conv2d_forward(x.astype(np.float64), k, np.zeros((1, 2, 2, 2), np.float32), 1, 1, 1, 1, 0, 0, None, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        _C.conv2d_forward(x, np.zeros((3, 3, 2, 2), np.float32), np.zeros((1, 2, 2, 2), np.float32), 1, 1, 1, 1, 0, 0, None, 0)
    with pytest.raises(ValueError, match="contiguous"):
        _C.conv2d_forward(x[:, :, ::2], k, np.zeros((1, 2, 1, 2), np.float32), 1, 1, 1, 1, 0, 0, None, 0)
    with pytest.raises(ValueError, match=">= 1"):
        _C.depthwise_forward(x, k, np.zeros((1, 2, 2, 6), np.float32), 0, 1, 1, 1, 0, 0)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_depthwise_every_isa_path(isa):
    """The depthwise row kernels are compiled per ISA; each path matches the reference."""
    previous = _C.active_isa()
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    try:
        rng = np.random.default_rng(8)
        for dm in (1, 3):
            x = _rand(rng, (2, 7, 9, 37))
            k = _rand(rng, (3, 2, 37, dm))
            y = K.depthwise_conv_forward(x, k, (1, 2), "same", 1)
            np.testing.assert_allclose(y, depthwise_ref(x, k, (1, 2), "same"), rtol=RTOL, atol=ATOL)
            dy = _rand(rng, y.shape)
            np.testing.assert_allclose(K.depthwise_conv_backward_input(dy, k, x.shape, (1, 2), "same"),
                                       depthwise_backward_input_ref(dy, k, x.shape, (1, 2), "same"),
                                       rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(K.depthwise_conv_backward_kernel(x, dy, k.shape, (1, 2), "same"),
                                       depthwise_backward_kernel_ref(x, dy, k.shape, (1, 2), "same"),
                                       rtol=RTOL, atol=ATOL)
    finally:
        _C.set_isa(previous)


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @st.composite
    def _geometries(draw):
        rank = draw(st.sampled_from([1, 2]))
        spatial = [draw(st.integers(1, 9)) for _ in range(rank)]
        ks = [draw(st.integers(1, 4)) for _ in range(rank)]
        strides = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        dil = tuple(draw(st.integers(1, 3)) for _ in range(rank))
        padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
        if padding == "valid":  # keep the output non-empty
            spatial = [max(n, (k - 1) * d + 1) for n, k, d in zip(spatial, ks, dil)]
        n = draw(st.integers(0, 3))
        c = draw(st.sampled_from([1, 2, 3, 5, 16, 17]))
        f = draw(st.sampled_from([1, 2, 4, 16, 19, 32]))
        return (n, *spatial, c), (*ks, c, f), strides, padding, dil

    @settings(max_examples=60, deadline=None)
    @given(_geometries())
    def test_conv_random_geometries_match_reference(geom):
        x_shape, k_shape, strides, padding, dil = geom
        rng = np.random.default_rng(0)
        x, k = _rand(rng, x_shape), _rand(rng, k_shape)
        y = K.conv_forward(x, k, strides, padding, dil)
        np.testing.assert_allclose(y, conv_ref(x, k, strides, padding, dil), rtol=RTOL, atol=ATOL)
        dy = _rand(rng, y.shape)
        np.testing.assert_allclose(K.conv_backward_input(dy, k, x.shape, strides, padding, dil),
                                   conv_backward_input_ref(dy, k, x.shape, strides, padding, dil),
                                   rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(K.conv_backward_kernel(x, dy, k.shape, strides, padding, dil),
                                   conv_backward_kernel_ref(x, dy, k.shape, strides, padding, dil),
                                   rtol=RTOL, atol=10 * ATOL)
        kd = k[..., :2]
        yd = K.depthwise_conv_forward(x, kd, strides, padding, dil)
        np.testing.assert_allclose(yd, depthwise_ref(x, kd, strides, padding, dil), rtol=RTOL, atol=ATOL)
        dyd = _rand(rng, yd.shape)
        np.testing.assert_allclose(K.depthwise_conv_backward_input(dyd, kd, x.shape, strides, padding, dil),
                                   depthwise_backward_input_ref(dyd, kd, x.shape, strides, padding, dil),
                                   rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(K.depthwise_conv_backward_kernel(x, dyd, kd.shape, strides, padding, dil),
                                   depthwise_backward_kernel_ref(x, dyd, kd.shape, strides, padding, dil),
                                   rtol=RTOL, atol=10 * ATOL)


def test_zero_sized_axes():
    """Empty spatial axes with 'same', zero filters / channels: empty or zero results, no C++ call
    on empty memory."""
    x = np.zeros((2, 0, 5, 3), np.float32)
    k = np.ones((3, 3, 3, 4), np.float32)
    assert K.conv_forward(x, k, 1, "same").shape == (2, 0, 5, 4)
    assert K.conv_backward_input(np.zeros((2, 0, 5, 4), np.float32), k, x.shape, 1, "same").shape == x.shape
    np.testing.assert_array_equal(K.conv_backward_kernel(x, np.zeros((2, 0, 5, 4), np.float32), k.shape, 1, "same"), 0)
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(np.float32)
    assert K.conv_forward(x, np.zeros((3, 3, 3, 0), np.float32), 1, "same").shape == (2, 4, 4, 0)
    np.testing.assert_array_equal(
        K.conv_backward_input(np.zeros((2, 4, 4, 0), np.float32), np.zeros((3, 3, 3, 0), np.float32), x.shape, 1, "same"), 0)
    np.testing.assert_array_equal(  # no input channels: the output is the bias
        K.conv_forward(np.zeros((1, 3, 3, 0), np.float32), np.zeros((3, 3, 0, 2), np.float32), 1, "same",
                       bias=np.array([1.5, -2.0], np.float32)),
        np.broadcast_to(np.array([1.5, -2.0], np.float32), (1, 3, 3, 2)))
