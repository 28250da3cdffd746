"""Shared helpers of the bench/ scripts: import path, machine description, robust timing,
thread counts."""
from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ensure_pyfapi_importable() -> None:
    """Lets ``python bench/compare.py`` use the source tree's development build."""
    try:
        import pyfapi  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT))


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def openblas_info() -> list[dict]:
    """threadpoolctl's view of the BLAS numpy loaded: internal_api, architecture, version."""
    from threadpoolctl import threadpool_info

    return [{k: d.get(k) for k in ("internal_api", "architecture", "version", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]


def openblas_env_warning() -> str | None:
    """A warning line when the environment forces an OpenBLAS kernel (slower than its default)."""
    forced = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if not forced:
        return None
    return ("WARNING: " + ", ".join(f"{k}={v}" for k, v in forced.items()) + " is set: numpy's "
            "OpenBLAS runs a forced kernel, not its best one. For a fair comparison run "
            "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/compare.py ...`.")


def time_per_call(fn, min_time: float = 0.02) -> float:
    """Seconds per call of ``fn()``, averaged over enough calls to last ``min_time``."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            return dt / n
        n = max(n * 2, int(n * min_time / max(dt, 1e-9) * 1.2))


@contextlib.contextmanager
def bench_threads(threads: int, torch=None):
    """Runs the body with ``threads`` threads in pyfapi's kernels (``_C.set_num_threads``) and,
    when the ``torch`` module is given (not None), in torch too; restores both counts after."""
    from pyfapi import _C

    old = _C.get_num_threads()
    _C.set_num_threads(threads)
    if torch is not None:
        old_t = torch.get_num_threads()
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        _C.set_num_threads(old)
        if torch is not None:
            torch.set_num_threads(old_t)
