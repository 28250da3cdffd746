"""Transposed convolution (pyfapi.kernels.conv_transpose / ops.conv_transpose) against the
float64 numpy scatter reference (tests/references/conv_transpose_ref.py): odd shapes, strides
larger than the kernel, dilation, output_padding, 'same' / 'valid', 1-D and 2-D, empty batches;
gradients (the C++ conv forward and kernel-gradient passes) by directional finite differences;
1 vs 2 threads bitwise; Keras's output-size rule and its errors."""
import numpy as np
import pytest

import pyfapi
from pyfapi import ops
from pyfapi.autodiff import GradientTape, Tensor
from pyfapi.kernels.conv_transpose import (conv_transpose_backward_input,
                                           conv_transpose_backward_kernel,
                                           conv_transpose_forward, conv_transpose_geometry,
                                           deconv_output_length)
from references.conv_transpose_ref import conv_transpose_ref

# (spatial, kernel, strides, dilation, padding, output_padding, cin, filters)
CASES = [
    ((3, 5), (3, 3), (2, 2), (1, 1), "same", None, 2, 3),
    ((4, 3), (2, 3), (3, 1), (1, 1), "valid", None, 3, 2),
    ((5, 5), (3, 3), (1, 1), (2, 2), "same", None, 2, 2),
    ((3, 4), (1, 1), (4, 4), (1, 1), "valid", (1, 3), 2, 3),   # stride larger than the kernel
    ((7, 2), (5, 3), (2, 2), (1, 1), "same", (1, 1), 1, 4),
    ((1, 1), (3, 3), (2, 2), (1, 1), "valid", (0, 0), 3, 3),
    ((6, 6), (3, 3), (2, 2), (2, 1), "same", (1, 0), 5, 7),
    ((8, 8), (3, 3), (1, 1), (1, 1), "same", None, 16, 32),     # Winograd-eligible geometry
    ((2, 3), (4, 2), (3, 5), (1, 1), "same", (2, 4), 2, 1),
    ((5,), (3,), (2,), (1,), "same", None, 3, 2),
    ((4,), (2,), (5,), (1,), "valid", None, 2, 3),
    ((6,), (3,), (1,), (3,), "valid", (0,), 1, 2),
]


def _data(case, batch=2, seed=0):
    spatial, k, s, d, pad, op, cin, f = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, *spatial, cin)).astype(np.float32)
    w = rng.standard_normal((*k, f, cin)).astype(np.float32)
    g = conv_transpose_geometry(x.shape, w.shape, s, pad, op, d)
    return x, w, g


def _ref(x, w, g, case):
    _, _, s, d, *_ = case
    return conv_transpose_ref(x, w, s, g.output_shape[1:-1], [g.args[4], g.args[5]][-len(s):]
                              if len(s) == 2 else [g.args[5]], d)


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_reference(case):
    x, w, g = _data(case)
    y = conv_transpose_forward(x, w, case[2], case[4], case[5], case[3])
    assert y.shape == g.output_shape
    for i, (n, k, s, dd) in enumerate(zip(case[0], case[1], case[2], case[3])):
        op = None if case[5] is None else case[5][i]
        assert y.shape[1 + i] == deconv_output_length(n, k, s, case[4], op, dd)
    np.testing.assert_allclose(y, _ref(x, w, g, case), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", CASES)
def test_gradients_match_reference(case):
    x, w, g = _data(case, seed=1)
    rng = np.random.default_rng(2)
    dy = rng.standard_normal(g.output_shape)
    dx = conv_transpose_backward_input(dy.astype(np.float32), w, g)
    dk = conv_transpose_backward_kernel(x, dy.astype(np.float32), g)
    vx, vk = rng.standard_normal(x.shape), rng.standard_normal(w.shape)
    eps = 1e-3
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    fd = (np.sum(dy * _ref(x64 + eps * vx, w64 + eps * vk, g, case))
          - np.sum(dy * _ref(x64 - eps * vx, w64 - eps * vk, g, case))) / (2 * eps)
    an = np.sum(dx * vx) + np.sum(dk * vk)
    assert abs(an - fd) <= 1e-4 * (1 + abs(fd)), (an, fd)
    # and each gradient alone, exactly (linear maps): dx = J_x^T dy element by element
    np.testing.assert_allclose(np.sum(dx * vx),
                               np.sum(dy * _ref(vx, w64, g, case)), rtol=1e-4, atol=1e-3)


def test_empty_batch_and_op_gradients_through_the_tape():
    x, w, g = _data(CASES[0], batch=0)
    y = ops.conv_transpose(x, w, 2, "same")
    assert tuple(y.shape) == (0, 6, 10, 3)
    x, w, g = _data(CASES[1])
    xt, wt = Tensor(x), Tensor(w)
    with GradientTape() as tape:
        tape.watch([xt, wt])
        loss = ops.sum(ops.square(ops.conv_transpose(xt, wt, (3, 1), "valid")))
    gx, gw = tape.gradient(loss, [xt, wt])
    y = conv_transpose_forward(x, w, (3, 1), "valid")
    np.testing.assert_allclose(np.asarray(gx), conv_transpose_backward_input(2 * y, w, g),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(gw), conv_transpose_backward_kernel(x, 2 * y, g),
                               rtol=1e-6)


def test_same_bits_on_1_and_2_threads():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 16, 16, 64)).astype(np.float32)
    w = rng.standard_normal((3, 3, 32, 64)).astype(np.float32)
    g = conv_transpose_geometry(x.shape, w.shape, 2, "same")
    dy = rng.standard_normal(g.output_shape).astype(np.float32)
    old = pyfapi.get_num_threads()
    res = []
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            res.append((conv_transpose_forward(x, w, 2, "same"),
                        conv_transpose_backward_input(dy, w, g),
                        conv_transpose_backward_kernel(x, dy, g)))
    finally:
        pyfapi.set_num_threads(old)
    for a, b in zip(*res):
        assert np.array_equal(a, b)


def test_bad_geometry_raises_before_cpp():
    x = np.ones((1, 1, 4, 3), np.float32)
    with pytest.raises(ValueError, match=r"output size along spatial axis 0 would be 0"):
        ops.conv_transpose(x, np.ones((4, 4, 2, 3), np.float32), 2, "same", output_padding=0)
    with pytest.raises(ValueError, match="greater than output_padding"):
        ops.conv_transpose(x, np.ones((3, 3, 2, 3), np.float32), 2, "same", output_padding=2)
    with pytest.raises(ValueError, match="in_channels"):
        ops.conv_transpose(x, np.ones((3, 3, 2, 5), np.float32))
    with pytest.raises(ValueError, match="rank"):
        ops.conv_transpose(np.ones((4, 3), np.float32), np.ones((3, 2, 3), np.float32))
    with pytest.raises(ValueError, match="channels_last"):
        ops.conv_transpose(x, np.ones((3, 3, 2, 3), np.float32), data_format="channels_first")
