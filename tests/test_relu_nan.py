"""One ReLU semantics everywhere: NaN in gives NaN out (issue 21), as ``keras.ops.relu``,
``np.maximum`` and PyTorch, in the unfused op and in every fused epilogue (the GEMM micro-kernels
of each ISA and their edge tiles, the K = 0 epilogue, im2col / 1x1 / Winograd 2-D and 1-D
convolutions, the bf16 GEMM, SimpleRNN's relu), on every SIMD path. A silent 0 would hide a
diverged model."""
import numpy as np
import pytest

from pyfapi import _C, layers, ops
from pyfapi.kernels import conv as kconv
from pyfapi.kernels.gemm import gemm as _gemm

RNG = np.random.default_rng(21)


def _relu_ref(z):
    return np.where(np.isnan(z), np.nan, np.maximum(z, 0.0))  # float64 reference, NaN kept


def _assert_relu_matches(got, z64):
    exp = _relu_ref(z64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(exp))
    np.testing.assert_allclose(got, exp, rtol=1e-4, atol=1e-4)  # equal_nan: NaN == NaN


def _with_nans(shape, frac=0.2):
    x = RNG.normal(size=shape).astype(np.float32)
    x[RNG.random(shape) < frac] = np.nan
    return x


@pytest.fixture(params=["generic", "avx2", "avx512", "avx512_bf16"])
def isa(request):
    previous = _C.active_isa()
    if not _C.set_isa(request.param):
        pytest.skip(f"CPU lacks {request.param}")
    yield request.param
    _C.set_isa(previous)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 5, 3), (13, 17, 37), (33, 64, 50)])
def test_gemm_relu_epilogue_keeps_nan(isa, m, k, n):
    a = _with_nans((m, k), 0.1)
    b = RNG.normal(size=(k, n)).astype(np.float32)
    bias = RNG.normal(size=n).astype(np.float32)
    bias[0] = np.nan  # a NaN bias poisons a whole column
    z = a.astype(np.float64) @ b + bias
    _assert_relu_matches(_gemm(a, b, bias=bias, activation="relu"), z)
    # beta path: out read back (NaN there too)
    out = np.full((m, n), -1.0, np.float32)
    out[0, -1] = np.nan
    z2 = 2.0 * (a.astype(np.float64) @ b) + 0.5 * out + bias
    _assert_relu_matches(_gemm(a, b, alpha=2.0, beta=0.5, out=out, bias=bias, activation="relu"),
                         z2)


def test_bf16_gemm_relu_epilogue_keeps_nan(isa):
    from pyfapi.kernels.precision import compute_precision

    a = _with_nans((13, 40), 0.05)
    b = RNG.normal(size=(40, 37)).astype(np.float32)
    bias = RNG.normal(size=37).astype(np.float32)
    with compute_precision("bfloat16"):  # the bf16 micro-kernel on avx512_bf16, else float32
        y = _gemm(a, b, bias=bias, activation="relu")
    exp = _relu_ref(a.astype(np.float64) @ b + bias)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(exp))
    assert np.isnan(y).any()
    np.testing.assert_allclose(y, exp, rtol=3e-2, atol=0.3)  # bf16 operands


def test_gemm_relu_epilogue_without_products(isa):
    # K = 0: the output is act(bias) from the epilogue-only loop
    bias = np.array([np.nan, -1.0, 2.0], np.float32)
    y = _gemm(np.zeros((4, 0), np.float32), np.zeros((0, 3), np.float32), bias=bias,
                   activation="relu")
    _assert_relu_matches(y, np.broadcast_to(bias.astype(np.float64), (4, 3)))


@pytest.mark.parametrize("kshape,strides", [
    ((2, 2, 3, 5), 1),     # im2col + GEMM
    ((1, 1, 3, 5), 1),     # 1x1: one GEMM
    ((3, 3, 16, 16), 1),   # Winograd F(2x2, 3x3)
    ((3, 3, 3, 4), 2),     # strided im2col
])
def test_conv2d_relu_epilogue_keeps_nan(isa, kshape, strides):
    x = RNG.normal(size=(2, 7, 6, kshape[2])).astype(np.float32)
    x[0, 3, 2, 0] = np.nan
    k = RNG.normal(size=kshape).astype(np.float32) * 0.3
    bias = RNG.normal(size=kshape[-1]).astype(np.float32)
    fused = kconv.conv_forward(x, k, strides, "same", bias=bias, activation="relu")
    plain = kconv.conv_forward(x, k, strides, "same") + bias
    assert np.isnan(fused).any() and not np.isnan(fused).all()
    _assert_relu_matches(fused, plain.astype(np.float64))


def test_conv1d_winograd_relu_epilogue_keeps_nan(isa):
    x = RNG.normal(size=(2, 11, 16)).astype(np.float32)
    x[1, 4, 3] = np.nan
    k = RNG.normal(size=(3, 16, 32)).astype(np.float32) * 0.2
    bias = RNG.normal(size=32).astype(np.float32)
    fused = kconv.conv_forward(x, k, 1, "same", bias=bias, activation="relu")
    plain = kconv.conv_forward(x, k, 1, "same") + bias
    assert np.isnan(fused).any()
    _assert_relu_matches(fused, plain.astype(np.float64))


def test_simple_rnn_relu_keeps_nan(isa):
    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    x[0, 1, 2] = np.nan  # sample 0 turns NaN from step 1 on (through the recurrence)
    rnn = layers.SimpleRNN(5, activation="relu", return_sequences=True)
    y = np.asarray(rnn(x))
    assert np.isnan(y[0, 1:]).all() and not np.isnan(y[0, 0]).any()
    assert not np.isnan(y[1]).any()


def test_dense_relu_fused_equals_unfused_on_nan():
    x = _with_nans((9, 5), 0.15)
    fused = layers.Dense(4, activation="relu")
    fused.build(x.shape)
    unfused = layers.Dense(4)
    unfused.build(x.shape)
    unfused.set_weights(fused.get_weights())
    a = np.asarray(fused(x))
    b = np.asarray(layers.Activation("relu")(unfused(x)))
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    assert np.isnan(a).any()
    np.testing.assert_allclose(a, b, rtol=1e-6)
    c = np.asarray(ops.relu(np.array([np.nan, -1.0, 0.0, 2.0], np.float32)))
    np.testing.assert_array_equal(c, [np.nan, 0.0, 0.0, 2.0])


def test_model_predict_keeps_nan_through_relu():
    # predict runs the fused inference plan (BatchNormalization folded, bias+relu in epilogues)
    from pyfapi import Input, Model

    i = Input((6, 6, 3))
    x = layers.Conv2D(16, 3, padding="same")(i)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(4, activation="relu")(x)
    model = Model(i, out)
    data = RNG.normal(size=(3, 6, 6, 3)).astype(np.float32)
    data[1, 2, 2, 0] = np.nan
    y = model.predict(data, verbose=0)
    assert np.isnan(y[1]).all() and not np.isnan(y[[0, 2]]).any()
    np.testing.assert_allclose(y, np.asarray(model(data)), rtol=1e-4, atol=1e-5)


def test_conv_layer_relu_fused_equals_unfused_on_nan():
    x = RNG.normal(size=(1, 6, 6, 16)).astype(np.float32)
    x[0, 2, 2, :] = np.nan
    fused = layers.Conv2D(16, 3, padding="same", activation="relu")
    fused.build(x.shape)
    unfused = layers.Conv2D(16, 3, padding="same")
    unfused.build(x.shape)
    unfused.set_weights(fused.get_weights())
    a = np.asarray(fused(x))
    b = np.asarray(ops.relu(unfused(x)))
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_matches_keras_ops_relu_on_nan():
    keras = pytest.importorskip("keras")
    x = np.array([np.nan, -np.inf, -1.0, -0.0, 0.0, 3.0, np.inf], np.float32)
    k = np.asarray(keras.ops.relu(x))
    p = np.asarray(ops.relu(x))
    np.testing.assert_array_equal(np.isnan(p), np.isnan(k))
    np.testing.assert_array_equal(p, k)
