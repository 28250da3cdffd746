"""``compare.py gemm``: SGEMM GFLOP/s of pyfapi and numpy (OpenBLAS) in the same process.

Equal thread counts: threadpoolctl's ``threadpool_limits`` for numpy's BLAS and
``pyfapi.set_num_threads`` for pyfapi. Both write into a preallocated ``out`` and both take
transposed operands as views (numpy passes them to sgemm as transpose flags). Timing: for each
case the two libraries alternate for ``--repeats`` rounds, each round averaging enough calls to
last ``--min-time`` seconds; the table shows medians over rounds (the machine may be shared),
then the best round of each library (less sensitive to other processes on a shared machine).
The target lines use the medians.

Idle gap: OpenBLAS's pthreads and pyfapi's OpenMP threads both busy-wait for a while after a
call. On a 2-core machine, timing one library while the other's threads still spin halves its
speed, so each round starts after ``--gap`` idle seconds (longer than both spin timeouts).
"""
from __future__ import annotations

import datetime
import time
import statistics

from _util import (cpu_name, ensure_pyfapi_importable, openblas_env_warning, openblas_info,
                   time_per_call)
from gemm_cases import ALL_CASES, DL_SHAPES, operands


def add_arguments(p):
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts (default 1 2)")
    p.add_argument("--repeats", type=int, default=7, help="alternating timing rounds per case")
    p.add_argument("--min-time", type=float, default=0.03, help="seconds per timing round")
    p.add_argument("--only", default=None, help="run only cases whose label contains this text")
    p.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32",
                   help="bfloat16: pyfapi's bf16 GEMM (float32 arrays in/out, operands rounded to "
                        "bf16 while packing, float32 accumulation) vs PyTorch's bf16 matmul on "
                        "bf16 tensors (torch.matmul(out=)); float32: vs numpy's OpenBLAS")
    p.add_argument("--gap", type=float, default=0.15,
                   help="idle seconds between the two libraries' rounds (see module docstring)")


def run(args) -> int:
    if getattr(args, "dtype", "float32") == "bfloat16":
        return run_bf16(args)
    ensure_pyfapi_importable()
    import numpy as np
    from threadpoolctl import threadpool_limits

    import pyfapi
    from pyfapi.kernels import gemm

    warning = openblas_env_warning()
    if warning:
        print(warning)
    blas = openblas_info()
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"cpu: {cpu_name()}")
    print(f"pyfapi {pyfapi.__version__}: simd={pyfapi.config()['simd_active']}, "
          f"compiler={pyfapi.config()['compiler']}")
    for d in blas:
        print(f"numpy {np.__version__} BLAS: {d['internal_api']} {d['version']}, "
              f"kernel (architecture) {d['architecture']}")
    cases = [c for c in ALL_CASES if args.only is None or args.only in c[0]]
    header = (f"{'case':34s} {'M':>5s} {'N':>5s} {'K':>5s} {'thr':>3s} {'numpy GF/s':>10s} "
              f"{'pyfapi GF/s':>11s} {'ratio':>6s}   {'best: numpy':>11s} {'pyfapi':>7s} {'ratio':>6s}")
    results = {}
    before = pyfapi.get_num_threads()
    try:
        for nt in args.threads:
            print()
            print(header)
            print("-" * len(header))
            pyfapi.set_num_threads(nt)
            with threadpool_limits(limits=nt, user_api="blas"):
                for label, m, n, k, ta, tb in cases:
                    a, b, out = operands(m, n, k, ta, tb)
                    a_op, b_op = (a.T if ta else a), (b.T if tb else b)

                    def run_numpy():
                        np.matmul(a_op, b_op, out=out)

                    def run_pyfapi():
                        gemm(a, b, trans_a=ta, trans_b=tb, out=out)

                    run_numpy(), run_pyfapi()
                    t_np, t_pf = [], []
                    for _ in range(args.repeats):
                        time.sleep(args.gap)
                        t_np.append(time_per_call(run_numpy, args.min_time))
                        time.sleep(args.gap)
                        t_pf.append(time_per_call(run_pyfapi, args.min_time))
                    flops = 2.0 * m * n * k
                    g_np = flops / statistics.median(t_np) / 1e9
                    g_pf = flops / statistics.median(t_pf) / 1e9
                    b_np, b_pf = flops / min(t_np) / 1e9, flops / min(t_pf) / 1e9
                    results[(label, nt)] = g_pf / g_np
                    print(f"{label:34s} {m:5d} {n:5d} {k:5d} {nt:3d} {g_np:10.1f} {g_pf:11.1f} "
                          f"{g_pf / g_np:6.2f}   {b_np:11.1f} {b_pf:7.1f} {b_pf / b_np:6.2f}",
                          flush=True)
    finally:
        pyfapi.set_num_threads(before)
    print()
    if ("square 1024", 2) in results:
        r = results[("square 1024", 2)]
        print(f"target 1024 on 2 threads >= 0.90x: {r:.2f}x {'ok' if r >= 0.9 else 'MISSED'}")
    dl = [(lbl, nt, results[(lbl, nt)]) for lbl, *_ in DL_SHAPES for nt in args.threads
          if (lbl, nt) in results]
    if dl:
        worst = min(dl, key=lambda t: t[2])
        print(f"target DL shapes >= 1.00x: worst {worst[2]:.2f}x ({worst[0]}, {worst[1]} thr) "
              f"{'ok' if worst[2] >= 1.0 else 'MISSED'}")
    if warning:
        print(warning)
    return 0


def run_bf16(args) -> int:
    """``--dtype bfloat16``: pyfapi's bfloat16 GEMM vs PyTorch's bfloat16 matmul, same threads."""
    ensure_pyfapi_importable()
    import numpy as np
    import torch

    import pyfapi
    from pyfapi.kernels import gemm
    from pyfapi.kernels.precision import compute_precision

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"cpu: {cpu_name()}")
    path = pyfapi.config()["simd_active"]
    print(f"pyfapi {pyfapi.__version__}: path={path} ({pyfapi.config()['bf16_gemm']})")
    print(f"torch {torch.__version__}: bf16 matmul on bf16 tensors (oneDNN/mkldnn: "
          f"{torch.backends.mkldnn.is_available()})")
    cases = [c for c in ALL_CASES if args.only is None or args.only in c[0]]
    header = (f"{'case':34s} {'M':>5s} {'N':>5s} {'K':>5s} {'thr':>3s} {'torch GF/s':>10s} "
              f"{'pyfapi GF/s':>11s} {'ratio':>6s}   {'best: torch':>11s} {'pyfapi':>7s} {'ratio':>6s}")
    results = {}
    before, tbefore = pyfapi.get_num_threads(), torch.get_num_threads()
    try:
        for nt in args.threads:
            print()
            print(header)
            print("-" * len(header))
            pyfapi.set_num_threads(nt)
            torch.set_num_threads(nt)
            for label, m, n, k, ta, tb in cases:
                a, b, out = operands(m, n, k, ta, tb)
                ta_t = torch.from_numpy(a).to(torch.bfloat16)
                tb_t = torch.from_numpy(b).to(torch.bfloat16)
                a_op, b_op = (ta_t.T if ta else ta_t), (tb_t.T if tb else tb_t)
                tout = torch.empty((m, n), dtype=torch.bfloat16)

                def run_torch():
                    torch.matmul(a_op, b_op, out=tout)

                def run_pyfapi():
                    gemm(a, b, trans_a=ta, trans_b=tb, out=out)

                with compute_precision("bfloat16"):
                    run_torch(), run_pyfapi()
                    t_pt, t_pf = [], []
                    for _ in range(args.repeats):
                        time.sleep(args.gap)
                        t_pt.append(time_per_call(run_torch, args.min_time))
                        time.sleep(args.gap)
                        t_pf.append(time_per_call(run_pyfapi, args.min_time))
                flops = 2.0 * m * n * k
                g_pt = flops / statistics.median(t_pt) / 1e9
                g_pf = flops / statistics.median(t_pf) / 1e9
                b_pt, b_pf = flops / min(t_pt) / 1e9, flops / min(t_pf) / 1e9
                results[(label, nt)] = g_pf / g_pt
                print(f"{label:34s} {m:5d} {n:5d} {k:5d} {nt:3d} {g_pt:10.1f} {g_pf:11.1f} "
                      f"{g_pf / g_pt:6.2f}   {b_pt:11.1f} {b_pf:7.1f} {b_pf / b_pt:6.2f}",
                      flush=True)
    finally:
        pyfapi.set_num_threads(before)
        torch.set_num_threads(tbefore)
    print()
    for nt in args.threads:
        if ("square 1024", nt) in results:
            print(f"square 1024, {nt} thread(s): pyfapi/torch = {results[('square 1024', nt)]:.2f}x "
                  f"(path {path})")
    del np
    return 0
