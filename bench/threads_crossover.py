"""1 vs 2 OpenMP threads per kernel call, to check the minimum work per thread of each kernel.

Kernels open a parallel region only when every thread gets >= ~80 us of work, the GEMM entry
point from ~10 us (csrc/common/threads.h ``kMinElemsPerThread`` / ``kMinMacsPerThread`` /
``kMinGemmMacsPerThread`` and the per-kernel minimums). This script times
single kernel calls at 1 and 2 threads, INTERLEAVED (load spikes hit both), with a busy gap between
calls like the Python overhead between ops (so idle OpenMP threads may have gone to sleep), and
prints medians and minimums. Below a kernel's threshold both columns run the same single-threaded
code; above it the 2-thread column should win on an idle machine (the minimum shows what a free
second core gives on a busy one).

Usage::

    PYTHONPATH=. python bench/threads_crossover.py            # default shapes
    PYTHONPATH=. python bench/threads_crossover.py --gap 0    # back-to-back calls
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _busy(us):
    end = time.perf_counter() + us * 1e-6
    while time.perf_counter() < end:
        pass


def bench(name, fn, reps, gap):
    from pyfapi import _C

    res = {1: [], 2: []}
    fn()
    for r in range(reps):
        for nt in ((1, 2) if r % 2 else (2, 1)):
            _C.set_num_threads(nt)
            _busy(gap)
            t = time.perf_counter()
            fn()
            res[nt].append(time.perf_counter() - t)
    m1, m2 = (statistics.median(res[n]) * 1e6 for n in (1, 2))
    n1, n2 = (min(res[n]) * 1e6 for n in (1, 2))
    print(f"{name:44s} 1 thread med {m1:9.1f} min {n1:9.1f} us | 2 threads med {m2:9.1f} "
          f"min {n2:9.1f} us | med2/med1 {m2 / m1:5.2f}", flush=True)


def cases(rng):
    from pyfapi.kernels import batchnorm as B, conv as C, gemm, lstm as L, pool as P

    def f32(*s):
        return rng.standard_normal(s).astype(np.float32)

    for m, n, k in [(64, 64, 64), (128, 128, 64), (128, 128, 128), (256, 256, 256), (512, 512, 256)]:
        a, b, out = f32(m, k), f32(k, n), np.empty((m, n), np.float32)
        yield f"gemm {m}x{n}x{k}", (lambda a=a, b=b, out=out: gemm(a, b, out=out)), 200
    for n, t, d, u in [(32, 18, 16, 8), (64, 50, 128, 32), (128, 100, 64, 32)]:
        x, w, r, bb = f32(n, t, d), f32(d, 4 * u) * .1, f32(u, 4 * u) * .1, f32(4 * u) * .1
        yield f"lstm fwd N{n} T{t} D{d} U{u}", (lambda x=x, w=w, r=r, bb=bb: L.lstm_forward(x, w, r, bb)), 60
        _, _, _, ws = L.lstm_forward(x, w, r, bb, training=True)
        dy = f32(n, u)
        yield f"lstm bwd N{n} T{t} D{d} U{u}", (lambda ws=ws, dy=dy: L.lstm_backward(ws, dy)), 40
    for shape, f in [((32, 8, 8, 16), 16), ((32, 16, 16, 32), 32), ((32, 32, 32, 128), 128)]:
        x, k = f32(*shape), f32(3, 3, shape[-1], f) * .05
        reps = 10 if shape[1] >= 32 else 100
        yield f"conv2d 3x3 {shape}->{f}", (lambda x=x, k=k: C.conv_forward(x, k, 1, "same")), reps
        yield f"max_pool 2x2 {shape}", (lambda x=x: P.max_pool_forward(x, 2)), reps
        g, o = f32(shape[-1]), f32(shape[-1])
        yield f"batch_norm_train {shape}", (lambda x=x, g=g, o=o: B.batch_norm_train(x, g, o)), reps


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gap", type=float, default=100.0, help="busy microseconds between calls")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    for name, fn, reps in cases(rng):
        bench(name, fn, reps, args.gap)


if __name__ == "__main__":
    main()
