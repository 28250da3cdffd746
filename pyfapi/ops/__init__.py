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
from pyfapi.ops.contractions import *  # noqa: F401,F403
from pyfapi.ops.contractions import __all__ as _contractions_all
from pyfapi.ops.numpy_extra import *  # noqa: F401,F403
from pyfapi.ops.numpy_extra import __all__ as _numpy_extra_all
from pyfapi.ops.sorting import *  # noqa: F401,F403
from pyfapi.ops.sorting import __all__ as _sorting_all
from pyfapi.ops import operators as _operators  # noqa: F401  (binds Tensor operators)

__all__ = [*_core_all, *_math_all, *_nn_all, *_shape_all, *_contractions_all, *_numpy_extra_all,
           *_sorting_all]

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
from pyfapi.ops import image  # noqa: E402,F401  (keras.ops.image; not differentiable)

for _tmp in ("_name", "_mod", "_attr"):
    globals().pop(_tmp, None)
del _tmp


# ---- KerasTensors: every public function also builds graph nodes (Keras 3) ----------------------
def _symbolic_aware(name, fn):
    """``fn`` that, given KerasTensors (which have no value: the eager op raises on them),
    adds a ``pyfapi.ops.<name>`` node to the functional graph instead (see
    :mod:`pyfapi.layers.core.symbolic_op`). Eager calls pay one extra Python frame."""
    # (no closure: the function and its name are keyword-only defaults, so a Lambda layer can
    # serialize pyfapi.ops functions by module and name)
    def wrapper(*args, __fn=fn, __name=name, **kwargs):
        try:
            return __fn(*args, **kwargs)
        except (TypeError, ValueError, AttributeError, IndexError):
            if _kt.any_keras_tensor(args, kwargs):
                return _kt.symbolic_op(__name, args, kwargs)
            raise
    wrapper = _functools.update_wrapper(wrapper, fn)
    wrapper.__module__ = __name__  # found again as pyfapi.ops.<name> (Lambda serialization)
    return wrapper


def _static(fn, attr):
    def wrapper(x, *args, __fn=fn, __attr=attr, **kwargs):
        if isinstance(x, _kt.KerasTensor):
            return getattr(x, __attr)
        return __fn(x, *args, **kwargs)
    wrapper = _functools.update_wrapper(wrapper, fn)
    wrapper.__module__ = __name__
    return wrapper


import functools as _functools  # noqa: E402
import types as _types  # noqa: E402

from pyfapi.graph import keras_tensor as _kt  # noqa: E402

#: The eager functions without the KerasTensor wrapper (one Python frame less per call), for
#: pyfapi's own hot paths that never see KerasTensors (``Dense.call``, the losses):
#: ``from pyfapi.ops import _eager_ops as ops``.
_eager_ops = _types.SimpleNamespace(**{_n: globals()[_n] for _n in __all__})

for _name in list(__all__):
    _fn = globals()[_name]
    if not callable(_fn) or isinstance(_fn, type):
        continue
    if _name in ("shape", "dtype"):  # static properties of a KerasTensor (Keras 3)
        globals()[_name] = _static(_fn, _name)
    elif _name == "ndim":
        globals()[_name] = _static(_fn, "ndim")
    elif _name not in ("is_tensor", "convert_to_numpy"):
        globals()[_name] = _symbolic_aware(_name, _fn)
del _name, _fn
