"""Convolution / pooling benchmarks (pytest-benchmark), pyfapi against PyTorch CPU (when
installed) at the SAME thread count, in one run.

Run:   cd <repo> && PYTHONPATH=. pytest bench/test_bench_conv.py --benchmark-only -s -p no:randomly
       (PYFAPI_BENCH_THREADS=n to pick the thread count; default: all cores)
Cases (issue 4):
  conv2d 3x3, 128 -> 128, 'same', on (32, 32, 32, 128): forward, forward + backward
  conv1d k=5, 256 -> 256, 'same', on (64, 500, 256): forward, forward + backward
  max pooling 2x2 on (32, 64, 64, 64): forward, forward + backward
  plus the bare SGEMM of the conv2d forward (M = 32*32*32, K = 3*3*128, N = 128) for the
  "conv at >= 40% of the GEMM's GFLOP/s" ratio.
On a shared / loaded machine, wall-clock medians mostly measure contention; the single-thread
CPU-time comparison is robust:  PYFAPI_BENCH_THREADS=1 ... --benchmark-timer=time.process_time
Torch runs NCHW (its default layout) with autograd for the backward pass; pyfapi runs NHWC
(Keras layout) calling the kernels directly. GF/s count the direct-convolution flops
(2 * N * Ho * Wo * kh * kw * Cin * Cout per pass): the Winograd path does 2.25x fewer. The table printed at the end (with -s) gives the
medians, GFLOP/s (GB/s of input for pooling) and the pyfapi / torch speed ratio.
"""
import os

import numpy as np
import pytest

from pyfapi.kernels import conv as K
from pyfapi.kernels import gemm
from pyfapi.kernels import pool as P

from _util import bench_threads

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - torch is optional (bench-peers extra)
    torch = None

THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", os.cpu_count() or 1))
ROUNDS = int(os.environ.get("PYFAPI_BENCH_ROUNDS", 5))
_RESULTS = {}  # (case, framework) -> (median seconds, work units, unit)

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


@pytest.fixture(scope="module", autouse=True)
def threads_and_report():
    with bench_threads(THREADS, torch):
        yield
    _print_table()


def _print_table():
    print(f"\n\nthreads={THREADS}  (median of {ROUNDS} rounds)")
    print(f"{'case':44s} {'pyfapi ms':>10s} {'rate':>14s} {'torch ms':>10s} {'rate':>14s} {'speedup':>8s}")
    for case in dict.fromkeys(c for c, _ in _RESULTS):
        row = [f"{case:44s}"]
        for fw in ("pyfapi", "torch"):
            if (case, fw) in _RESULTS:
                t, work, unit = _RESULTS[(case, fw)]
                row.append(f"{t * 1e3:10.2f} {work / t / 1e9:9.1f} {unit:4s}")
            else:
                row.append(f"{'-':>10s} {'-':>14s}")
        if (case, "torch") in _RESULTS and (case, "pyfapi") in _RESULTS:
            row.append(f"{_RESULTS[(case, 'torch')][0] / _RESULTS[(case, 'pyfapi')][0]:8.2f}x")
        print(" ".join(row))


def _run(benchmark, case, fw, fn, work, unit="GF/s"):
    benchmark.group = case
    benchmark.extra_info.update(threads=THREADS, framework=fw)
    benchmark.pedantic(fn, rounds=ROUNDS, warmup_rounds=1, iterations=1)
    med = benchmark.stats.stats.median
    benchmark.extra_info["rate"] = work / med / 1e9
    _RESULTS[(case, fw)] = (med, work, unit)


def _data(x_shape, k_shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(x_shape, dtype=np.float32),
            (rng.standard_normal(k_shape, dtype=np.float32) * 0.05).astype(np.float32))


CONV = {
    "conv2d 3x3 128->128 (32,32,32,128)": ((32, 32, 32, 128), (3, 3, 128, 128)),
    "conv1d k5 256->256 (64,500,256)": ((64, 500, 256), (5, 256, 256)),
}


def _conv_flops(x_shape, k_shape):
    # 'same', stride 1: output pixels = input pixels
    return 2.0 * np.prod(x_shape[:-1]) * np.prod(k_shape)


@pytest.mark.parametrize("name", list(CONV))
@pytest.mark.parametrize("passes", ["fwd", "fwd+bwd"])
def test_conv_pyfapi(benchmark, name, passes):
    x_shape, k_shape = CONV[name]
    x, k = _data(x_shape, k_shape)
    dy = np.ones(x_shape[:-1] + (k_shape[-1],), np.float32)

    def run():
        y = K.conv_forward(x, k, 1, "same")
        if passes == "fwd+bwd":
            K.conv_backward_input(dy, k, x.shape, 1, "same")
            K.conv_backward_kernel(x, dy, k.shape, 1, "same")
        return y

    _run(benchmark, f"{name} {passes}", "pyfapi", run,
         _conv_flops(x_shape, k_shape) * (3 if passes == "fwd+bwd" else 1))


@needs_torch
@pytest.mark.parametrize("name", list(CONV))
@pytest.mark.parametrize("passes", ["fwd", "fwd+bwd"])
def test_conv_torch(benchmark, name, passes):
    x_shape, k_shape = CONV[name]
    x, k = _data(x_shape, k_shape)
    rank = len(x_shape) - 2
    # NHWC -> NCHW, (kh, kw, cin, cout) -> (cout, cin, kh, kw)
    xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))
    kt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(k, (-1, -2), (0, 1))))
    conv = F.conv2d if rank == 2 else F.conv1d
    if passes == "fwd+bwd":
        xt.requires_grad_(True)
        kt.requires_grad_(True)
        dy = torch.ones(conv(xt, kt, padding="same").shape)

    def run():
        if passes == "fwd":
            with torch.no_grad():
                return conv(xt, kt, padding="same")
        xt.grad = kt.grad = None
        y = conv(xt, kt, padding="same")
        y.backward(dy)
        return y

    _run(benchmark, f"{name} {passes}", "torch", run,
         _conv_flops(x_shape, k_shape) * (3 if passes == "fwd+bwd" else 1))


def test_gemm_of_conv2d(benchmark):
    """The conv2d forward's GEMM alone (im2col already done): the GEMM kernel's own rate."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((32 * 32 * 32, 3 * 3 * 128), dtype=np.float32)
    b = rng.standard_normal((3 * 3 * 128, 128), dtype=np.float32)
    out = np.empty((a.shape[0], 128), np.float32)
    _run(benchmark, "sgemm 32768x1152x128 (conv2d GEMM)", "pyfapi",
         lambda: gemm(a, b, out=out), 2.0 * a.shape[0] * a.shape[1] * b.shape[1])


POOL_SHAPE = (32, 64, 64, 64)


@pytest.mark.parametrize("passes", ["fwd", "fwd+bwd"])
def test_maxpool_pyfapi(benchmark, passes):
    x, _ = _data(POOL_SHAPE, (1,))
    dy = np.ones((32, 32, 32, 64), np.float32)

    def run():
        y = P.max_pool_forward(x, 2)
        if passes == "fwd+bwd":
            P.max_pool_backward(x, dy, 2)
        return y

    _run(benchmark, f"maxpool 2x2 (32,64,64,64) {passes}", "pyfapi", run, x.nbytes, "GB/s")


@needs_torch
@pytest.mark.parametrize("passes", ["fwd", "fwd+bwd"])
def test_maxpool_torch(benchmark, passes):
    x, _ = _data(POOL_SHAPE, (1,))
    xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))
    if passes == "fwd+bwd":
        xt.requires_grad_(True)
        dy = torch.ones((32, 64, 32, 32))

    def run():
        if passes == "fwd":
            with torch.no_grad():
                return F.max_pool2d(xt, 2)
        xt.grad = None
        y = F.max_pool2d(xt, 2)
        y.backward(dy)
        return y

    _run(benchmark, f"maxpool 2x2 (32,64,64,64) {passes}", "torch", run, x.nbytes, "GB/s")


# Depthwise 3x3 'same' (depth_multiplier 1) on Xception's shapes (batch 8, 299x299 input).
DEPTHWISE = {
    "depthwise 3x3 (8,147,147,128)": (8, 147, 147, 128),
    "depthwise 3x3 (8,74,74,256)": (8, 74, 74, 256),
    "depthwise 3x3 (8,37,37,728)": (8, 37, 37, 728),
    "depthwise 3x3 (8,19,19,728)": (8, 19, 19, 728),
}


@pytest.mark.parametrize("name", list(DEPTHWISE))
@pytest.mark.parametrize("passes", ["fwd", "bwd_input", "bwd_kernel"])
def test_depthwise_pyfapi(benchmark, name, passes):
    x_shape = DEPTHWISE[name]
    x, k = _data(x_shape, (3, 3, x_shape[-1], 1))

    def run():
        if passes == "fwd":
            return K.depthwise_conv_forward(x, k, 1, "same")
        if passes == "bwd_input":
            return K.depthwise_conv_backward_input(x, k, x.shape, 1, "same")
        return K.depthwise_conv_backward_kernel(x, x, k.shape, 1, "same")

    _run(benchmark, f"{name} {passes}", "pyfapi", run, 2.0 * 9 * np.prod(x_shape))


@needs_torch
@pytest.mark.parametrize("name", list(DEPTHWISE))
def test_depthwise_torch(benchmark, name):
    x_shape = DEPTHWISE[name]
    x, k = _data(x_shape, (3, 3, x_shape[-1], 1))
    xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1)))
    kt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(k, (-2, -1), (0, 1))))

    def run():
        with torch.no_grad():
            return F.conv2d(xt, kt, padding="same", groups=x_shape[-1])

    _run(benchmark, f"{name} fwd", "torch", run, 2.0 * 9 * np.prod(x_shape))


def test_bias_relu_backward_pyfapi(benchmark):
    """The conv / dense epilogue backward (relu mask + bias gradient) on 4M elements."""
    from pyfapi.kernels.elementwise import bias_act_backward
    g, y = _data((32768, 128), (32768, 128))
    _run(benchmark, "bias+relu backward (32768,128)", "pyfapi", lambda: bias_act_backward(g, y),
         2.0 * g.nbytes, "GB/s")
