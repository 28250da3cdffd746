"""Unique snake_case object names, as Keras 3 gives them (``dense``, ``dense_1``, ``dense_2``...).

Keras 3 (keras/src/utils/naming.py) keeps one global counter per prefix: the first object of a
prefix gets the bare prefix, the n-th (n >= 2) gets ``f"{prefix}_{n-1}"``. Explicit names never
touch the counters. :func:`reset_names` clears the counters (tests, ``clear_session``).
"""
from __future__ import annotations

import collections
import re
import threading

__all__ = ["to_snake_case", "auto_name", "uniquify", "reset_names", "get_uid"]

_lock = threading.Lock()
_uids: collections.defaultdict = collections.defaultdict(int)


def to_snake_case(name: str) -> str:
    """``"GlobalMaxPooling1D"`` -> ``"global_max_pooling1d"`` (Keras 3's regexes)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name: str) -> str:
    """Return ``name`` the first time, then ``name_1``, ``name_2``, ... (one counter per name)."""
    with _lock:
        n = _uids[name]
        _uids[name] = n + 1
    return name if n == 0 else f"{name}_{n}"


def auto_name(prefix: str) -> str:
    """A unique snake_case name for an object whose class (or prefix) is ``prefix``."""
    return uniquify(to_snake_case(prefix))


def get_uid(prefix: str = "") -> int:
    """Increment and return the counter of ``prefix`` (1 on the first call), as ``keras.backend.get_uid``."""
    with _lock:
        _uids[prefix] += 1
        return _uids[prefix]


def reset_names() -> None:
    """Forget every counter: the next Dense is ``dense`` again (``keras.backend.clear_session``)."""
    with _lock:
        _uids.clear()
