"""Mixed precision as Keras 3 (``keras.mixed_precision``).

``pyfapi.mixed_precision.set_global_policy("mixed_bfloat16")`` before building a model: layers
keep float32 weights and compute their matrix products (Dense, convolutions, ...) in bfloat16
with float32 accumulation, on the AVX512-BF16 GEMM when the CPU has it (``pyfapi.show_config()``
says which path runs). See :mod:`pyfapi.mixed_precision.policy` for the exact semantics.
"""
from pyfapi.mixed_precision.policy import (DTypePolicy, FloatDTypePolicy, Policy, dtype_policy,
                                           global_policy, set_dtype_policy, set_global_policy)

__all__ = ["DTypePolicy", "Policy", "FloatDTypePolicy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy", "LossScaleOptimizer"]


def __getattr__(name):
    if name == "LossScaleOptimizer":  # imported on use: optimizers sit above this module
        from pyfapi.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError(f"module 'pyfapi.mixed_precision' has no attribute {name!r}")
