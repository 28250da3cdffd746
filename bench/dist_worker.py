"""One side of ``bench/compare.py distributed`` (run by it, alone or under mpiexec).

    python bench/dist_worker.py MODEL --threads 2 [--quick]          # 1 process, global batch
    mpiexec -n 2 python bench/dist_worker.py MODEL --distributed     # per-rank half batches

Prints one JSON line (rank 0): per-step times (median, all samples), the Allreduce time per step
(packing + reduce + unpacking inside DistributedOptimizer) and, with ``--bandwidth``, the
Allreduce time of float32 buffers of several sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--distributed", action="store_true")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--bandwidth", action="store_true")
    args = p.parse_args(argv)

    import numpy as np
    from compare_models import make_data, model_config
    from models_pyfapi import LOSSES, build_keras_api_model

    import pyfapi
    cfg = model_config(args.model, args.quick)
    xs, ys = make_data(args.model, cfg)
    rank, size = 0, 1
    if args.distributed:
        from pyfapi import distributed as dist
        dist.init()
        rank, size = dist.rank(), dist.size()
        b = cfg["batch"]
        lo, hi = rank * b // size, (rank + 1) * b // size
        xs = [a[lo:hi] for a in xs]
        ys = [a[lo:hi] for a in ys]
    if args.threads:
        pyfapi.set_num_threads(args.threads)
    pyfapi.utils.set_random_seed(0)
    model = build_keras_api_model(pyfapi, args.model, cfg)
    loss, loss_weights = LOSSES[args.model]
    opt = pyfapi.optimizers.RMSprop(learning_rate=1e-3)
    reduce_times = []
    if args.distributed:
        opt = dist.DistributedOptimizer(opt)
        inner = opt._allreduce

        def timed(grads, variables):
            t0 = time.perf_counter()
            out = inner(grads, variables)
            reduce_times.append(time.perf_counter() - t0)
            return out
        opt._allreduce = timed
    model.compile(optimizer=opt, loss=loss, loss_weights=loss_weights)
    x = xs[0] if len(xs) == 1 else xs
    y = ys[0] if len(ys) == 1 else ys
    if args.distributed:
        dist.broadcast_variables(model)
    times = []
    for i in range(args.warmup + args.steps):
        if args.distributed:
            dist.barrier()
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - t0)
    times = times[args.warmup:]
    reduce_times = reduce_times[args.warmup:]
    grad_elems = sum(int(v.value.size) for v in model.trainable_weights)
    out = {"model": args.model, "config": cfg, "ranks": size,
           "threads": pyfapi.get_num_threads(), "step_median": statistics.median(times),
           "steps": times, "grad_mib": grad_elems * 4 / 2 ** 20,
           "loadavg": os.getloadavg()}
    if reduce_times:
        out["allreduce_median"] = statistics.median(reduce_times)
    if args.distributed and args.bandwidth:
        from pyfapi.utils import distributed_context as dc
        bw = {}
        for nbytes in (8, 1 << 16, 1 << 20, 4 << 20, 16 << 20, 64 << 20):
            buf = np.ones(max(1, nbytes // 4), np.float32)
            reps = 30 if nbytes <= 1 << 20 else 8
            ts = []
            for _ in range(reps):
                dist.barrier()
                t0 = time.perf_counter()
                dc.allreduce_(buf)
                ts.append(time.perf_counter() - t0)
            bw[nbytes] = statistics.median(ts)
        out["allreduce_seconds_by_bytes"] = bw
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
