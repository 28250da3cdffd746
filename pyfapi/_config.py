"""Threads and build configuration: ``set_num_threads``, ``get_num_threads``, ``show_config``."""
from __future__ import annotations

import os
import platform
import threading

from pyfapi import _C, _array_cache

__all__ = ["set_num_threads", "get_num_threads", "show_config", "config", "MAX_THREADS"]


# ---- GEMM precision of the calling thread (see pyfapi/kernels/precision.py) ------------------
class _PrecisionState(threading.local):
    code = 0  # mirrors the C++ thread_local gemm precision of this thread: 0 float32, 1 bfloat16


#: This thread's GEMM precision code; changed only through :func:`_enter_precision` /
#: :func:`_exit_precision` (the autodiff engine records it on each op and restores it for the
#: op's backward, so gradients are computed in the precision of their forward).
PRECISION = _PrecisionState()
_set_gemm_precision = _C.set_gemm_precision


def _enter_precision(code: int) -> int:
    """Sets this thread's GEMM precision code (0 float32, 1 bfloat16); returns the old one."""
    old = PRECISION.code
    if code != old:
        _set_gemm_precision(code)
        PRECISION.code = code
    return old


def _exit_precision(old: int) -> None:
    """Restores a code returned by :func:`_enter_precision`."""
    if PRECISION.code != old:
        _set_gemm_precision(old)
        PRECISION.code = old

#: The largest thread count :func:`set_num_threads` accepts.
MAX_THREADS = max(1024, 4 * (os.cpu_count() or 1))


_EPSILON = [1e-7]  # keras.config.epsilon(); set through pyfapi.backend.set_epsilon


def epsilon() -> float:
    """The fuzz factor of ``keras.config.epsilon()`` (default ``1e-7``)."""
    return _EPSILON[0]


def set_num_threads(n: int) -> None:
    """Set the number of OpenMP threads every pyfapi kernel uses.

    The default comes from ``OMP_NUM_THREADS`` (else the core count), as OpenMP defines it.

    Raises:
        TypeError: ``n`` is not an integer.
        ValueError: ``n`` is below 1, or above :data:`MAX_THREADS` (oversubscribing the cores
            that much would only thrash; OpenMP would try to start every one of them).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads: n must be >= 1, got {n}")
    if n > MAX_THREADS:
        raise ValueError(f"set_num_threads: n must be <= {MAX_THREADS} (4x the {os.cpu_count()} "
                         f"logical cores, at least 1024), got {n}")
    _C.set_num_threads(n)


def get_num_threads() -> int:
    """The number of OpenMP threads kernels use (1 in a build without OpenMP)."""
    return int(_C.get_num_threads())


def config() -> dict:
    """The build and run-time configuration as a dict (see :func:`show_config`)."""
    from pyfapi import __version__

    return {
        "version": __version__,
        "compiler": _C.compiler,
        "machine": platform.machine(),
        "simd_detected": _C.detected_isa(),
        "simd_active": _C.active_isa(),
        "bf16_gemm": ("avx512_bf16 (vdpbf16ps, float32 accumulation)"
                      if _C.active_isa() == "avx512_bf16" else
                      "float32 fallback (no AVX512-BF16 on the active path)"),
        "openmp": bool(_C.openmp_enabled()),
        "num_threads": get_num_threads(),
        "pinned_workers": ("none (forked child: one thread)" if _C.forked_single_threaded()
                           else "bound at the first parallel region" if _C.pin_pending()
                           else _C.pinned_workers()),
        "forked_single_threaded": bool(_C.forked_single_threaded()),
        "allocator": _C.allocator,
        "array_cache": _array_cache.describe(),
        "omp_wait": ", ".join(f"{k}={os.environ[k]}" for k in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
                              if k in os.environ) or "default",
    }


def show_config() -> None:
    """Print the version, compiler, SIMD path chosen at run time and the OpenMP thread count."""
    cfg = config()
    width = max(map(len, cfg))
    for key, value in cfg.items():
        print(f"{key:>{width}}: {value}")


# numpy's memory handler for large arrays (pyfapi/_array_cache.py), installed at import
_array_cache.install_from_env()
