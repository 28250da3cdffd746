"""pyfapi.config: Keras 3's ``keras.config`` (global settings), and, called as ``pyfapi.config()``,
pyfapi's build and run-time configuration dict (see :func:`pyfapi.show_config`).

``floatx`` / ``set_floatx``, ``epsilon`` / ``set_epsilon``, ``image_data_format`` /
``set_image_data_format`` and ``backend`` are :mod:`pyfapi.backend`'s (float32 and channels_last
only); ``dtype_policy`` / ``set_dtype_policy`` are the mixed-precision policy's
(:mod:`pyfapi.mixed_precision`). ``enable_unsafe_deserialization`` is accepted and changes
nothing: pyfapi never loads Python bytecode (a Lambda is saved as a named module-level function,
and a Keras archive holding a lambda's bytecode is refused with a clear error either way).
"""
from __future__ import annotations

import sys
import types

from pyfapi._config import config as _build_config
from pyfapi.backend import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                            set_image_data_format)
from pyfapi.mixed_precision.policy import dtype_policy, set_dtype_policy

__all__ = ["backend", "epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format",
           "set_image_data_format", "dtype_policy", "set_dtype_policy",
           "enable_unsafe_deserialization"]


def enable_unsafe_deserialization():
    """Keras's switch for loading Lambda bytecode; a no-op here (see the module docstring)."""
    return None


class _CallableModule(types.ModuleType):
    def __call__(self) -> dict:
        """The build and run-time configuration (``pyfapi._config.config``)."""
        return _build_config()


sys.modules[__name__].__class__ = _CallableModule
