"""Optimizer step: fused C++ update (pyfapi.kernels.optim) vs the numpy reference path.

Run:  PYTHONPATH=. pytest bench/test_bench_optimizers.py --benchmark-only
      PYFAPI_BENCH_THREADS=1 ... to pin pyfapi to one thread (stable on a busy machine)

Workloads (float32, one ``optimizer.apply`` per round, same gradients every round):
  * mlp:   the 64-32-32-10 MLP's 6 variables (3,466 floats): per-step Python overhead;
  * posts: the 19 trainable variables of bench's "posts" model (14,146,316 floats: embedding
           50000 x 256, Conv1D kernels, dense heads): memory-bound update.
Reference numbers (AMD EPYC, 1 thread, CPU time, Nov 2026): posts RMSprop 23.0 -> 5.2 ms,
Adam 30.6 -> 7.6 ms, SGD 5.4 -> 2.7 ms; mlp RMSprop 12.6 -> 4.8 us.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import pyfapi
from pyfapi import optimizers
from pyfapi.autodiff import Variable

THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", 0)) or pyfapi.get_num_threads()
pyfapi.set_num_threads(THREADS)

SHAPES = {
    "mlp": [(64, 32), (32,), (32, 32), (32,), (32, 10), (10,)],
    "posts": [(50000, 256), (5, 256, 128), (128,), (5, 128, 256), (256,), (5, 256, 256),
              (256,), (5, 256, 256), (256,), (5, 256, 256), (256,), (256, 128), (128,),
              (128, 1), (1,), (128, 10), (10,), (128, 1), (1,)],
}


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "numpy"])
@pytest.mark.parametrize("opt_name", ["rmsprop", "adam", "sgd"])
@pytest.mark.parametrize("workload", ["mlp", "posts"])
def test_optimizer_step(benchmark, workload, opt_name, fused):
    rng = np.random.default_rng(0)
    shapes = SHAPES[workload]
    variables = [Variable(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    grads = [(rng.standard_normal(s) * 1e-3).astype(np.float32) for s in shapes]
    opt = optimizers.get(opt_name)
    opt._fused = fused
    opt.apply(grads, variables)  # builds the slots
    benchmark.extra_info.update(threads=THREADS,
                                floats=int(sum(v.value.size for v in variables)))
    benchmark(opt.apply, grads, variables)
