"""Autodiff per-op overhead: pyfapi GradientTape vs PyTorch eager autograd, in one run.

Run:  PYTHONPATH=. pytest bench/test_bench_autodiff.py --benchmark-only -s
      PYFAPI_BENCH_THREADS=1 ... to pin both frameworks to one thread (stable on a busy machine)
      (-s shows the pyfapi/torch ratio lines; they are also stored in each result's extra_info)

Workloads (forward + backward, float32, same thread count for both frameworks):
  * tiny:  y = sum(x * w + b) on 4-element vectors (pure per-op Python overhead, 3 ops)
  * chain: y = sum(relu(x @ W)) with 32x32 x and W
  * mlp:   one training step's gradients of a 64-32-32-10 MLP at batch 128:
           dense+relu, dense+relu, dense, mean sparse softmax cross-entropy (from logits);
           pyfapi both op by op (matmul, add, relu) and with the fused ops.linear
  pyfapi runs with its matmul on the C++ SGEMM ("gemm") and on numpy's BLAS ("numpy").
Targets (issue 3): per-op overhead within 2x of PyTorch eager.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import pyfapi
from pyfapi import ops
from pyfapi.autodiff import GradientTape, Variable

try:
    import torch
except ImportError:  # torch is an optional peer
    torch = None

# Thread count for both frameworks: PYFAPI_BENCH_THREADS if set, else pyfapi's default (OpenMP).
THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", 0)) or pyfapi.get_num_threads()
pyfapi.set_num_threads(THREADS)
if torch is not None:
    torch.set_num_threads(THREADS)

_RESULTS: dict = {}
rng = np.random.default_rng(0)


def _record(benchmark, key, framework):
    """Store the median; print pyfapi/torch ratios once both sides of ``key`` have run."""
    if benchmark.stats is None:  # --benchmark-disable: the function ran once, untimed
        return
    med = benchmark.stats.stats.median
    _RESULTS[(key, framework)] = med
    benchmark.extra_info["threads"] = THREADS
    benchmark.extra_info["median_us"] = round(med * 1e6, 2)
    t = _RESULTS.get((key, "torch"))
    if t is None:
        return
    for (k, fw), p in sorted(_RESULTS.items()):
        if k == key and fw != "torch":
            print(f"\n[{key}] {fw} {p * 1e6:.1f} us  torch {t * 1e6:.1f} us  (median, {THREADS} threads)  "
                  f"ratio {fw}/torch = {p / t:.2f}")
            benchmark.extra_info[f"{fw}_over_torch"] = round(p / t, 3)


@pytest.fixture(params=["gemm", "numpy"])
def matmul_backend(request, monkeypatch):
    """pyfapi's matmul on the C++ SGEMM (default) or on numpy's BLAS (pyfapi.ops.math.USE_GEMM_KERNEL)."""
    import pyfapi.ops.math as m
    monkeypatch.setattr(m, "USE_GEMM_KERNEL", request.param == "gemm")
    return request.param


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# ---- tiny ----------------------------------------------------------------------------------------
X4, W4, B4 = _f32(4), _f32(4), _f32(4)


def test_tiny_pyfapi(benchmark):
    w, b = Variable(W4), Variable(B4)

    def step():
        with GradientTape() as tape:
            y = ops.sum(X4 * w + b)
        return tape.gradient(y, [w, b])

    benchmark(step)
    _record(benchmark, "tiny", "pyfapi")


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_tiny_torch(benchmark):
    x = torch.from_numpy(X4)
    w = torch.from_numpy(W4.copy()).requires_grad_()
    b = torch.from_numpy(B4.copy()).requires_grad_()

    def step():
        y = (x * w + b).sum()
        return torch.autograd.grad(y, [w, b])

    benchmark(step)
    _record(benchmark, "tiny", "torch")


# ---- 32x32 matmul + relu + sum -------------------------------------------------------------------
X32, W32 = _f32(32, 32), _f32(32, 32)


def test_chain_pyfapi(benchmark, matmul_backend):
    w = Variable(W32)

    def step():
        with GradientTape() as tape:
            y = ops.sum(ops.relu(ops.matmul(X32, w)))
        return tape.gradient(y, w)

    benchmark(step)
    _record(benchmark, "chain32", f"pyfapi[{matmul_backend}]")


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_chain_torch(benchmark):
    x = torch.from_numpy(X32)
    w = torch.from_numpy(W32.copy()).requires_grad_()

    def step():
        y = torch.relu(x @ w).sum()
        return torch.autograd.grad(y, [w])

    benchmark(step)
    _record(benchmark, "chain32", "torch")


# ---- MLP 64-32-32-10, batch 128 ------------------------------------------------------------------
XB = _f32(128, 64)
YB = rng.integers(0, 10, 128).astype(np.int32)
PARAMS = [(_f32(64, 32) * 0.1, np.zeros(32, np.float32)), (_f32(32, 32) * 0.1, np.zeros(32, np.float32)),
          (_f32(32, 10) * 0.1, np.zeros(10, np.float32))]


def test_mlp_pyfapi(benchmark, matmul_backend):
    params = [(Variable(w), Variable(b)) for w, b in PARAMS]
    flat = [v for wb in params for v in wb]
    (w1, b1), (w2, b2), (w3, b3) = params

    def step():
        with GradientTape() as tape:
            h = ops.relu(ops.matmul(XB, w1) + b1)
            h = ops.relu(ops.matmul(h, w2) + b2)
            logits = ops.matmul(h, w3) + b3
            loss = ops.mean(ops.sparse_categorical_crossentropy(YB, logits, from_logits=True))
        return tape.gradient(loss, flat)

    benchmark(step)
    _record(benchmark, "mlp", f"pyfapi[{matmul_backend}]")


def test_mlp_pyfapi_fused(benchmark, matmul_backend):
    """The same step with the fused ``ops.linear`` (bias + relu in the GEMM epilogue)."""
    params = [(Variable(w), Variable(b)) for w, b in PARAMS]
    flat = [v for wb in params for v in wb]
    (w1, b1), (w2, b2), (w3, b3) = params

    def step():
        with GradientTape() as tape:
            h = ops.linear(XB, w1, b1, activation="relu")
            h = ops.linear(h, w2, b2, activation="relu")
            logits = ops.linear(h, w3, b3)
            loss = ops.mean(ops.sparse_categorical_crossentropy(YB, logits, from_logits=True))
        return tape.gradient(loss, flat)

    benchmark(step)
    _record(benchmark, "mlp", f"pyfapi-fused[{matmul_backend}]")


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_mlp_torch(benchmark):
    params = [(torch.from_numpy(w.copy()).requires_grad_(), torch.from_numpy(b.copy()).requires_grad_())
              for w, b in PARAMS]
    flat = [v for wb in params for v in wb]
    (w1, b1), (w2, b2), (w3, b3) = params
    x = torch.from_numpy(XB)
    y = torch.from_numpy(YB.astype(np.int64))

    def step():
        h = torch.relu(x @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        logits = h @ w3 + b3
        loss = torch.nn.functional.cross_entropy(logits, y)
        return torch.autograd.grad(loss, flat)

    benchmark(step)
    _record(benchmark, "mlp", "torch")


# ---- correctness of the benchmarked MLP step (pyfapi vs torch gradients) ---------------------------
@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_mlp_gradients_match_torch():
    params = [(Variable(w), Variable(b)) for w, b in PARAMS]
    flat = [v for wb in params for v in wb]
    (w1, b1), (w2, b2), (w3, b3) = params
    with GradientTape() as tape:
        h = ops.relu(ops.matmul(XB, w1) + b1)
        h = ops.relu(ops.matmul(h, w2) + b2)
        loss = ops.mean(ops.sparse_categorical_crossentropy(YB, ops.matmul(h, w3) + b3, from_logits=True))
    grads = tape.gradient(loss, flat)
    tp = [torch.from_numpy(p.copy()).requires_grad_() for wb in PARAMS for p in wb]
    x = torch.from_numpy(XB)
    h = torch.relu(x @ tp[0] + tp[1])
    h = torch.relu(h @ tp[2] + tp[3])
    tl = torch.nn.functional.cross_entropy(h @ tp[4] + tp[5], torch.from_numpy(YB.astype(np.int64)))
    tg = torch.autograd.grad(tl, tp)
    np.testing.assert_allclose(float(loss), float(tl.detach()), rtol=1e-5)
    for g, t in zip(grads, tg):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-3, atol=1e-6)
