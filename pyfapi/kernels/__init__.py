"""Thin, validating Python face of the C++ kernels in :mod:`pyfapi._C`, one module per family.

Every function checks ranks, shapes and dtypes in Python and raises ``ValueError`` /
``TypeError`` naming the argument and the shapes before C++ sees memory. Arrays that are already
float32 (int32 for indices) and C-contiguous (unit-stride rows for GEMM) reach C++ without a copy;
anything else is converted once, in these modules only (see :mod:`pyfapi.kernels._checks`).
"""
from pyfapi.kernels.gemm import gemm

__all__ = ["gemm"]
