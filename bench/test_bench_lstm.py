"""LSTM and embedding benchmarks (pytest-benchmark), pyfapi against PyTorch CPU (when installed)
at the SAME thread count, in one run.

Run:   cd <repo> && PYTHONPATH=. pytest bench/test_bench_lstm.py --benchmark-only -s -p no:randomly
       (PYFAPI_BENCH_THREADS=n to pick the thread count; default: all cores)
Cases (issue 4):
  LSTM(32) on (128, 100, 64): forward (inference), forward + backward (training forward keeping
      the workspace, then backward through time from a gradient on the last output)
  embedding gather of (128, 100) int32 indices from a 10000 x 64 table, and its scatter-add
      gradient (10000 x 64 from (128, 100, 64) output gradients)
Torch: torch.nn.LSTM(batch_first=True) with autograd (loss = sum of the last step's output),
torch.nn.functional.embedding and Tensor.index_add_. pyfapi calls the kernels directly. The table
printed at the end (with -s) gives the medians and the torch / pyfapi time ratio (> 1: pyfapi
faster).
"""
import os

import numpy as np
import pytest

from pyfapi.kernels.embedding import embedding_lookup, embedding_lookup_backward
from pyfapi.kernels.lstm import lstm_backward, lstm_forward

from _util import bench_threads

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional (bench-peers extra)
    torch = None

THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", os.cpu_count() or 1))
ROUNDS = int(os.environ.get("PYFAPI_BENCH_ROUNDS", 20))
_RESULTS = {}  # (case, framework) -> median seconds

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

N, T, D, U = 128, 100, 64, 32
V, E = 10000, 64


@pytest.fixture(scope="module", autouse=True)
def threads_and_report():
    with bench_threads(THREADS, torch):
        yield
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    peer = f"torch {torch.__version__}" if torch is not None else "torch not installed"
    print(f"\n\nthreads={THREADS}  (median of {ROUNDS} rounds; {peer}; 1-min load average {load:.1f} "
          f"on {os.cpu_count()} cores: timings are only comparable on an otherwise idle machine)")
    print(f"{'case':40s} {'pyfapi ms':>10s} {'torch ms':>10s} {'torch/pyfapi':>13s}")
    for case in dict.fromkeys(c for c, _ in _RESULTS):
        p, t = _RESULTS.get((case, "pyfapi")), _RESULTS.get((case, "torch"))
        ratio = f"{t / p:13.2f}" if p and t else f"{'-':>13s}"
        print(f"{case:40s} {p * 1e3 if p else float('nan'):10.3f} "
              f"{t * 1e3 if t else float('nan'):10.3f} {ratio}")


def _run(benchmark, case, fw, fn):
    benchmark.group = case
    benchmark.pedantic(fn, rounds=ROUNDS, iterations=1, warmup_rounds=2)
    _RESULTS[(case, fw)] = benchmark.stats.stats.median


@pytest.fixture(scope="module")
def lstm_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    w = (rng.standard_normal((D, 4 * U)) * 0.1).astype(np.float32)
    r = (rng.standard_normal((U, 4 * U)) * 0.1).astype(np.float32)
    b = np.zeros(4 * U, np.float32)
    return x, w, r, b


@pytest.fixture(scope="module")
def emb_data():
    rng = np.random.default_rng(1)
    table = rng.standard_normal((V, E)).astype(np.float32)
    idx = rng.integers(0, V, size=(N, T)).astype(np.int32)
    dy = rng.standard_normal((N, T, E)).astype(np.float32)
    return table, idx, dy


CASE_LSTM_F = "lstm(32) (128,100,64) forward"
CASE_LSTM_FB = "lstm(32) (128,100,64) forward+backward"
CASE_GATHER = "embedding gather (128,100) of 10000x64"
CASE_SCATTER = "embedding scatter-add (128,100,64)"


def test_lstm_forward_pyfapi(benchmark, lstm_data):
    x, w, r, b = lstm_data
    _run(benchmark, CASE_LSTM_F, "pyfapi", lambda: lstm_forward(x, w, r, b))


def test_lstm_forward_backward_pyfapi(benchmark, lstm_data):
    x, w, r, b = lstm_data
    dy = np.ones((N, U), np.float32)

    def step():
        _, _, _, ws = lstm_forward(x, w, r, b, training=True)
        return lstm_backward(ws, dy)

    _run(benchmark, CASE_LSTM_FB, "pyfapi", step)


def _torch_lstm(lstm_data):
    x, w, r, b = lstm_data
    m = torch.nn.LSTM(D, U, batch_first=True)
    return m, torch.from_numpy(x)


@needs_torch
def test_lstm_forward_torch(benchmark, lstm_data):
    m, xt = _torch_lstm(lstm_data)

    def step():
        with torch.no_grad():
            return m(xt)

    _run(benchmark, CASE_LSTM_F, "torch", step)


@needs_torch
def test_lstm_forward_backward_torch(benchmark, lstm_data):
    m, xt = _torch_lstm(lstm_data)
    xt.requires_grad_(True)

    def step():
        out, _ = m(xt)
        out[:, -1].sum().backward()

    _run(benchmark, CASE_LSTM_FB, "torch", step)


def test_embedding_gather_pyfapi(benchmark, emb_data):
    table, idx, _ = emb_data
    _run(benchmark, CASE_GATHER, "pyfapi", lambda: embedding_lookup(table, idx))


def test_embedding_scatter_pyfapi(benchmark, emb_data):
    _, idx, dy = emb_data
    _run(benchmark, CASE_SCATTER, "pyfapi", lambda: embedding_lookup_backward(dy, idx, V))


@needs_torch
def test_embedding_gather_torch(benchmark, emb_data):
    table, idx, _ = emb_data
    tt, it = torch.from_numpy(table), torch.from_numpy(idx.astype(np.int64))
    _run(benchmark, CASE_GATHER, "torch", lambda: torch.nn.functional.embedding(it, tt))


@needs_torch
def test_embedding_scatter_torch(benchmark, emb_data):
    _, idx, dy = emb_data
    it = torch.from_numpy(idx.astype(np.int64)).reshape(-1)
    dyt = torch.from_numpy(dy).reshape(-1, E)
    _run(benchmark, CASE_SCATTER, "torch",
         lambda: torch.zeros(V, E).index_add_(0, it, dyt))
