"""The precision of the products in the GEMM-based kernels (GEMM, convolutions): float32 or bfloat16.

Mixed precision (``pyfapi.mixed_precision``) does NOT store activations as bfloat16: numpy has no
bfloat16 dtype, and every pyfapi kernel, the autodiff engine and the optimizers work on float32
arrays. A layer whose compute dtype is ``"bfloat16"`` instead runs its GEMM-based kernels under
:func:`compute_precision` ``("bfloat16")``: the kernels round their operands to bfloat16 (round to
nearest even) while packing them, multiply with float32 accumulation (AVX512-BF16 ``vdpbf16ps``),
and write float32 results with the same bias / relu epilogue. So each matmul / convolution computes
what Keras's bfloat16 matmul computes (bfloat16 operands, float32 accumulation), while the
elementwise ops, normalizations and reductions between them keep float32 (more precise than Keras,
never less). See docs in ``pyfapi/mixed_precision`` for why.

The setting is per Python thread (a C++ ``thread_local`` that the convolution kernels hand to their
OpenMP workers). On a CPU without AVX512-BF16 -- or with ``PYFAPI_ISA`` / ``set_isa`` below
``avx512_bf16`` -- bfloat16 requests run the float32 kernels: same API, float32 accuracy.
``pyfapi.show_config()`` prints which path runs (``simd_active`` and ``bf16_gemm``). The LSTM, GRU
and SimpleRNN kernels follow the same setting: under bfloat16 on the AVX512-BF16 path their input
projection (LSTM) and per-step recurrent products use bfloat16 operands with float32 accumulation,
their gate math, cell state and h stay float32 (csrc/rnn/rnn_bf16.h).
"""
from __future__ import annotations

import contextlib
from pyfapi import _C
from pyfapi._config import PRECISION, _enter_precision, _exit_precision

__all__ = ["compute_precision", "current_precision", "bf16_kernels_active", "PRECISIONS"]

#: precision name -> code of ``Precision`` in csrc/gemm/gemm.h
PRECISIONS = {"float32": 0, "bfloat16": 1}
_NAMES = {v: k for k, v in PRECISIONS.items()}


def current_precision() -> str:
    """``"float32"`` or ``"bfloat16"``: the precision this thread's GEMM-based kernels use now."""
    return _NAMES[PRECISION.code]


def bf16_kernels_active() -> bool:
    """True when bfloat16 requests run the AVX512-BF16 kernels (False: the float32 fallback)."""
    return _C.active_isa() == "avx512_bf16"


@contextlib.contextmanager
def compute_precision(precision: str):
    """Context manager: GEMM-based kernels called in this thread inside the block multiply in
    ``precision`` (``"float32"`` or ``"bfloat16"``); the previous precision is restored on exit.
    Ops recorded on a GradientTape inside the block run their backward in the same precision.

    Raises:
        ValueError: an unknown precision name.
    """
    try:
        code = PRECISIONS[precision]
    except (KeyError, TypeError):
        raise ValueError(f"compute_precision: expected one of {sorted(PRECISIONS)}, got "
                         f"{precision!r}") from None
    old = _enter_precision(code)
    try:
        yield precision
    finally:
        _exit_precision(old)
