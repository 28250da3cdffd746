"""The array cache: numpy's memory handler for large array data while pyfapi runs.

A model's activations and gradients are large numpy arrays (Xception at batch 8: 88 MB for one
147x147x128 map), allocated anew by every layer call. numpy's default allocator maps each one
fresh (glibc mmaps blocks over 32 MB) and the kernel page-faults it in: measured 50-250 ms of
system time per 88 MB array on the 2-core Zen 4 VM, more than the convolution that fills it.
The cache (csrc/memory/array_cache.cpp) keeps freed blocks of 1 MB and more and hands them to the
next allocation of a similar size (capacity within +25%), so steady-state steps fault nothing in.

It is installed when pyfapi is imported, as the NEP 49 data memory handler of the importing
thread's context (numpy's handler is a context variable: other threads keep numpy's default;
arrays remember the handler that allocated them, so they are freed correctly from any thread).
Arrays smaller than 1 MB go to malloc as before. At most ``limit`` bytes of FREE blocks are
kept (oldest unmapped first); live arrays are not limited.

Settings: ``PYFAPI_ARRAY_CACHE_MB`` in the environment (read at import; ``0`` = not installed;
default ``min(1024, physical RAM / 8)`` MB), or :func:`set_array_cache` at run time.
``pyfapi.show_config()`` prints the state (``array_cache``).
"""
from __future__ import annotations

import os

from pyfapi import _C

__all__ = ["set_array_cache", "array_cache_stats", "clear_array_cache", "default_limit_mb"]

MB = 1 << 20


def default_limit_mb() -> int:
    """``min(1024, physical RAM / 8)`` in MB."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1024
    return int(min(1024, ram // 8 // MB))


def set_array_cache(limit_mb) -> None:
    """Install the cache with a limit of ``limit_mb`` MB of free blocks, or remove it (``0`` /
    ``None``: numpy's previous handler again, cached blocks unmapped; arrays allocated by the
    cache still free correctly).

    Raises:
        ValueError: a negative or non-numeric limit.
        RuntimeError: numpy older than 1.22 (no memory handlers).
    """
    try:
        mb = 0.0 if limit_mb is None else float(limit_mb)
    except (TypeError, ValueError):
        raise ValueError(f"set_array_cache: limit_mb must be a number of MB, got {limit_mb!r}") \
            from None
    if not mb >= 0:
        raise ValueError(f"set_array_cache: limit_mb must be >= 0, got {limit_mb!r}")
    if mb == 0:
        _C.array_cache_set_handler(False)
        _C.array_cache_set_limit(0)
        return
    _C.array_cache_set_limit(int(mb * MB))
    _C.array_cache_set_handler(True)


def array_cache_stats() -> dict:
    """``limit``, ``cached_bytes`` / ``cached_blocks`` (free), ``live_bytes`` / ``live_blocks``
    (held by arrays), ``hits`` / ``misses`` (allocations served from the cache / mapped anew)."""
    return dict(_C.array_cache_stats())


def clear_array_cache() -> None:
    """Unmap every free cached block (live arrays are untouched)."""
    _C.array_cache_clear()


def handler_name() -> str:
    """Name of numpy's memory handler in this context (``"pyfapi_array_cache"`` when on)."""
    try:
        from numpy._core.multiarray import get_handler_name
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import get_handler_name
    return get_handler_name()


def describe() -> str:
    """One line for ``show_config()``."""
    name = handler_name()
    s = array_cache_stats()
    if name != "pyfapi_array_cache":
        return f"off (numpy handler {name!r})"
    return (f"on, limit {s['limit'] // MB} MB, arrays >= {_C.array_cache_min_bytes // MB} MB; "
            f"cached {s['cached_bytes'] / MB:.0f} MB, hits {s['hits']}, misses {s['misses']}")


def install_from_env() -> None:
    """At import: ``PYFAPI_ARRAY_CACHE_MB`` (default :func:`default_limit_mb`; 0 = off). A
    malformed value or an old numpy leaves numpy's handler in place (no error at import)."""
    raw = os.environ.get("PYFAPI_ARRAY_CACHE_MB")
    try:
        mb = default_limit_mb() if raw in (None, "") else float(raw)
        set_array_cache(mb)
    except (ValueError, RuntimeError):
        pass
