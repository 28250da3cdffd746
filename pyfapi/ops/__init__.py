"""pyfapi.ops: array functions named as ``keras.ops``, each built on one registered op
(:mod:`pyfapi.autodiff.registry`) so they differentiate on a :class:`~pyfapi.GradientTape`.

They accept numpy arrays, Python scalars/lists, Tensors and Variables and return Tensors.
Modules: :mod:`.math` (arithmetic, matmul, reductions, comparisons), :mod:`.nn` (activations,
softmax, fused cross-entropies), :mod:`.shape_ops` (reshape/indexing/joining), :mod:`.core`
(cast, stop_gradient, constants, conversion). Kernel families (conv, pooling, lstm, batchnorm,
embedding) add their modules next to these and are imported below when present.
"""
from __future__ import annotations

import importlib

from pyfapi.ops.core import *  # noqa: F401,F403
from pyfapi.ops.core import __all__ as _core_all
from pyfapi.ops.math import *  # noqa: F401,F403
from pyfapi.ops.math import __all__ as _math_all
from pyfapi.ops.nn import *  # noqa: F401,F403
from pyfapi.ops.nn import __all__ as _nn_all
from pyfapi.ops.shape_ops import *  # noqa: F401,F403
from pyfapi.ops.shape_ops import __all__ as _shape_all
from pyfapi.ops import operators as _operators  # noqa: F401  (binds Tensor operators)

__all__ = [*_core_all, *_math_all, *_nn_all, *_shape_all]

#: Kernel op modules (owned by the kernel helpers); each is imported if it exists and its public
#: names (its ``__all__``) are re-exported here. A function named like its module (``conv`` in
#: conv.py, ``lstm`` in lstm.py) replaces the submodule attribute, so ``pyfapi.ops.conv`` is the op;
#: import the module itself as ``importlib.import_module("pyfapi.ops.conv")`` when needed.
KERNEL_OP_MODULES = ("conv", "pooling", "lstm", "batchnorm", "embedding", "layernorm", "rnn",
                     "einsum", "nn_extra", "conv_transpose")

for _name in KERNEL_OP_MODULES:
    try:
        _mod = importlib.import_module(f"pyfapi.ops.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"pyfapi.ops.{_name}":
            raise
        continue
    for _attr in getattr(_mod, "__all__", ()):
        globals()[_attr] = getattr(_mod, _attr)
        __all__.append(_attr)
for _tmp in ("_name", "_mod", "_attr"):
    globals().pop(_tmp, None)
del _tmp
