"""The one global random number generator of pyfapi and its seed.

Everything random in pyfapi (initializers without an explicit seed, ``Dropout`` masks, shuffling in
``fit``) draws from :func:`global_rng`, a :class:`numpy.random.Generator` (PCG64). Calling
:func:`set_random_seed` replaces it by a freshly seeded one, which makes model construction and
training reproducible, as ``keras.utils.set_random_seed`` does in Keras 3.
"""
from __future__ import annotations

import random as _py_random

import numpy as np

__all__ = ["set_random_seed", "global_rng", "make_rng", "scratch_global_rng", "restore_scratch"]

_GLOBAL_RNG: np.random.Generator = np.random.default_rng()
#: While set (by :func:`scratch_global_rng`), what :func:`global_rng` returns instead.
_SCRATCH: np.random.Generator | None = None


def set_random_seed(seed: int) -> None:
    """Seed every random source pyfapi uses (and Python's / numpy's legacy global ones).

    As ``keras.utils.set_random_seed(seed)``: seeds Python's ``random``, numpy's legacy global
    ``np.random`` state and pyfapi's global :class:`numpy.random.Generator`.

    Args:
        seed: a non-negative integer.

    Raises:
        TypeError: ``seed`` is not an integer.
        ValueError: ``seed`` is negative.
    """
    global _GLOBAL_RNG
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"set_random_seed: expected an integer seed, received {seed!r} "
            f"(type {type(seed).__name__})")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"set_random_seed: seed must be >= 0, received {seed}")
    _py_random.seed(seed)
    np.random.seed(seed % (2**32))
    _GLOBAL_RNG = np.random.default_rng(seed)


def global_rng() -> np.random.Generator:
    """The global generator (re-created by :func:`set_random_seed`; do not cache it)."""
    return _GLOBAL_RNG if _SCRATCH is None else _SCRATCH


def scratch_global_rng(on: bool):
    """Make :func:`global_rng` return a copy of the global generator (``on=True``; draws from it
    leave the global stream where it was) or the global generator again (``on=False``).
    Returns the previous setting (for nesting). Used by shape inference that runs ``call``."""
    global _SCRATCH
    previous = _SCRATCH
    if on:
        _SCRATCH = np.random.Generator(type(_GLOBAL_RNG.bit_generator)())
        _SCRATCH.bit_generator.state = _GLOBAL_RNG.bit_generator.state
    else:
        _SCRATCH = None
    return previous


def restore_scratch(previous) -> None:
    """Undo :func:`scratch_global_rng` (``previous``: what it returned)."""
    global _SCRATCH
    _SCRATCH = previous


def make_rng(seed: int | None = None) -> np.random.Generator:
    """A generator for one draw: a fresh one seeded with ``seed``, else the global generator.

    A seeded initializer or layer therefore yields the same numbers at every call (Keras 3's
    behaviour for an integer seed), an unseeded one advances the global stream.

    Raises:
        TypeError: ``seed`` is neither None nor an integer.
    """
    if seed is None:
        return _GLOBAL_RNG if _SCRATCH is None else _SCRATCH
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be None or an integer, received {seed!r}")
    return np.random.default_rng(int(seed))
