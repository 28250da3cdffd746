"""The GEMM problems bench/ measures: squares and the shapes pyfapi's layers feed the kernel.

Each case is ``(label, M, N, K, trans_a, trans_b)`` for ``op(A)[M, K] @ op(B)[K, N]``; the
gradient cases are the transposes a backward pass runs (dA = dC @ B^T, dB = A^T @ dC).
"""
from __future__ import annotations

import numpy as np

SQUARES = [(f"square {n}", n, n, n, False, False) for n in (64, 128, 256, 512, 1024, 2048)]


def _with_gradients(name, m, k, n):
    return [
        (f"{name} fwd {m}x{k}@{k}x{n}", m, n, k, False, False),
        (f"{name} dA {m}x{n}@({k}x{n})^T", m, k, n, False, True),
        (f"{name} dB ({m}x{k})^T@{m}x{n}", k, n, m, True, False),
    ]


DL_SHAPES = (_with_gradients("dense", 128, 64, 32) + _with_gradients("lstm", 128, 96, 128)
             + _with_gradients("conv3x3", 1024, 1152, 128))

ALL_CASES = SQUARES + DL_SHAPES


def operands(m, n, k, trans_a, trans_b, seed=0):
    """Stored a, b (transposed storage when the flag is set) and a C-ordered out."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(np.float32)
    return a, b, np.empty((m, n), np.float32)
