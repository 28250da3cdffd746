"""``compare.py distributed``: 1 process x 2 threads against 2 MPI ranks x 1 thread.

For the ``posts`` and ``residual`` models of :mod:`compare_models` (same global batch: the single
process trains on all of it, each rank on half with :func:`pyfapi.distributed.DistributedOptimizer`),
prints the median time per training step, the ratio, and the Allreduce share of a distributed
step (packing + reduce + unpacking of the gradients); then the Allreduce time of float32 buffers
between the 2 ranks, the latency / bandwidth fitted from it, and a ring-allreduce cost model for
8, 64 and 256 nodes (one rank per node, same per-rank batch, no overlap of communication with
the backward pass): ``T(p) = 2 (p - 1) alpha + 2 (p - 1) / p * n / beta``. The model is quoted for
the measured (shared-memory) beta and for 10 and 100 Gb/s links, since this machine has no
network between nodes.

Each configuration runs in its own processes (``bench/dist_worker.py``), one after the other.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def add_arguments(p):
    p.add_argument("--models", nargs="+", default=["posts", "residual"],
                   choices=["posts", "residual", "mlp", "qa", "shared_lstm"])
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--quick", action="store_true", help="small shapes (smoke run)")
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")


def _mpiexec():
    cand = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    return cand if os.path.exists(cand) else "mpiexec"


def _run(cmd, threads_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("OMP_NUM_THREADS", None)
    if threads_env:
        env.update(threads_env)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def ring_time(p, nbytes, alpha, beta):
    """Seconds of a ring Allreduce of ``nbytes`` over ``p`` nodes (Patarasuk & Yuan 2009; the
    bandwidth term of Thakur, Rabenseifner & Gropp 2005)."""
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * nbytes / beta


def run(args) -> int:
    worker = str(HERE / "dist_worker.py")
    common = ["--steps", str(args.steps)] + (["--quick"] if args.quick else [])
    results = {}
    for i, m in enumerate(args.models):
        single = _run([sys.executable, worker, m, "--threads", str(args.ranks)] + common)
        dist = _run([_mpiexec(), "-n", str(args.ranks), sys.executable, worker, m,
                     "--distributed"] + common + (["--bandwidth"] if i == 0 else []))
        results[m] = {"single": single, "distributed": dist}
    load = os.getloadavg()
    print(f"pyfapi distributed: 1 process x {args.ranks} threads vs {args.ranks} ranks x 1 "
          f"thread (same global batch); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'model':10} {'global batch':>12} {'grad MiB':>9} {'1x' + str(args.ranks) + ' ms':>9} "
          f"{str(args.ranks) + 'x1 ms':>9} {'ratio':>6} {'allreduce ms':>13} {'share':>6}")
    for m, r in results.items():
        s, d = r["single"], r["distributed"]
        ar = d.get("allreduce_median", 0.0)
        print(f"{m:10} {s['config']['batch']:>12} {s['grad_mib']:>9.2f} "
              f"{s['step_median'] * 1e3:>9.1f} {d['step_median'] * 1e3:>9.1f} "
              f"{d['step_median'] / s['step_median']:>6.2f} {ar * 1e3:>13.2f} "
              f"{ar / d['step_median']:>6.1%}")
    bw = None
    for r in results.values():
        bw = r["distributed"].get("allreduce_seconds_by_bytes") or bw
    if bw:
        bw = {int(k): v for k, v in bw.items()}
        print("\nAllreduce of float32 buffers between the ranks (median):")
        for k, v in sorted(bw.items()):
            print(f"  {k / 2 ** 20:9.3f} MiB  {v * 1e3:8.3f} ms  "
                  f"{k / v / 1e9 if v else 0:7.2f} GB/s algorithmic")
        # T(2) = 2 alpha + n / beta: alpha from the 8-byte message, beta from the largest
        alpha = bw[min(bw)] / 2
        big = max(bw)
        beta = big / max(bw[big] - 2 * alpha, 1e-12)
        print(f"fitted: alpha (latency per hop) {alpha * 1e6:.1f} us, beta {beta / 1e9:.2f} GB/s")
        print("\nRing-allreduce cost model, one rank per node, same per-rank batch (weak scaling),"
              "\nno overlap with the backward pass: efficiency = compute / (compute + allreduce)")
        links = [("measured", beta), ("10 Gb/s", 1.25e9), ("100 Gb/s", 12.5e9)]
        for m, r in results.items():
            d = r["distributed"]
            nbytes = d["grad_mib"] * 2 ** 20
            compute = d["step_median"] - d.get("allreduce_median", 0.0)
            print(f"  {m}: {d['grad_mib']:.2f} MiB of gradients, compute {compute * 1e3:.1f} "
                  f"ms/step")
            for name, b in links:
                a = alpha if name == "measured" else max(alpha, 5e-6)
                cells = []
                for p in (8, 64, 256):
                    t = ring_time(p, nbytes, a, b)
                    cells.append(f"p={p}: {t * 1e3:7.1f} ms ({compute / (compute + t):5.1%})")
                print(f"    {name:>9} link: " + "  ".join(cells))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0
