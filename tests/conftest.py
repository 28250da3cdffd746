"""Shared pytest fixtures."""
import pytest


@pytest.fixture
def force_parallel():
    """Kernels open their parallel regions even for small shapes (they normally run tiny
    problems single-threaded), so the 1-vs-2-thread tests exercise the multi-threaded paths."""
    from pyfapi import _C

    before = _C._force_threads()
    _C._set_force_threads(True)
    yield
    _C._set_force_threads(before)
