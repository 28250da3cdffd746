"""pyfapi.backend: Keras 3's ``keras.backend`` utilities.

``backend()`` is ``"pyfapi"`` (pyfapi is its own backend: numpy arrays and C++ kernels).
``floatx()`` is ``"float32"``: pyfapi computes in float32 (bf16 only under a mixed-precision
policy), so ``set_floatx`` accepts ``"float32"`` only and says so otherwise. The image data
format is ``"channels_last"`` (the only layout the kernels implement); ``epsilon`` is the fuzz
factor used by losses and metrics (``1e-7``), settable as in Keras.
"""
from __future__ import annotations

import gc

from pyfapi import _config
from pyfapi.graph.keras_tensor import is_keras_tensor, standardize_dtype
from pyfapi.utils import naming

__all__ = ["backend", "clear_session", "epsilon", "set_epsilon", "floatx", "set_floatx",
           "image_data_format", "set_image_data_format", "is_keras_tensor", "standardize_dtype",
           "is_float_dtype", "is_int_dtype", "get_uid"]

def backend() -> str:
    """The name of the backend: ``"pyfapi"``."""
    return "pyfapi"


def clear_session(free_memory=True) -> None:
    """Reset the automatic names (the next Dense is ``dense`` again) and collect garbage, as
    ``keras.backend.clear_session``."""
    naming.reset_names()
    if free_memory:
        gc.collect()


def epsilon() -> float:
    """The fuzz factor (default ``1e-7``), used by ``ops.normalize`` and the Dot layer."""
    return _config.epsilon()


def set_epsilon(value) -> None:
    """Set the fuzz factor returned by :func:`epsilon`.

    Raises:
        ValueError: a value that is not a positive number.
    """
    value = float(value)
    if not value > 0:
        raise ValueError(f"set_epsilon: expected a positive number, received {value!r}")
    _config._EPSILON[0] = value


def floatx() -> str:
    """The default float dtype: ``"float32"``."""
    return "float32"


def set_floatx(value) -> None:
    """Keras's ``set_floatx``; pyfapi computes in float32 only.

    Raises:
        ValueError: any dtype other than ``"float32"`` (use a mixed-precision policy for
            bfloat16 compute).
    """
    if standardize_dtype(value) != "float32":
        raise ValueError(f"set_floatx: pyfapi computes in float32 only; received {value!r} "
                         "(for bfloat16 compute use pyfapi.mixed_precision.set_global_policy)")


def image_data_format() -> str:
    """``"channels_last"``."""
    return "channels_last"


def set_image_data_format(data_format) -> None:
    """Keras's ``set_image_data_format``; pyfapi implements ``"channels_last"`` only.

    Raises:
        ValueError: any other value.
    """
    if str(data_format).lower() != "channels_last":
        raise ValueError(f"set_image_data_format: pyfapi's kernels are channels_last only; "
                         f"received {data_format!r}")


def is_float_dtype(dtype) -> bool:
    """True for float16 / bfloat16 / float32 / float64."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """True for signed and unsigned integer dtypes."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def get_uid(prefix="") -> int:
    """Keras's ``get_uid``: 1, 2, ... per prefix."""
    return naming.get_uid(prefix)
