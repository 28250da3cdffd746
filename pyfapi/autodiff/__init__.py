"""pyfapi.autodiff: eager Tensors, Variables, the op registry and GradientTape.

    from pyfapi.autodiff import Tensor, Variable, GradientTape
    from pyfapi.autodiff.registry import Op, register, apply, unbroadcast, REGISTRY

See :mod:`pyfapi.autodiff.registry` for how an op is defined (forward + backward in one class).
"""
from pyfapi.autodiff.tensor import Tensor, as_array, convert_to_numpy, convert_to_tensor
from pyfapi.autodiff.variable import Variable
from pyfapi.autodiff.registry import REGISTRY, Context, Op, apply, differentiable_ops, is_recording, \
    register, unbroadcast
from pyfapi.autodiff.tape import GradientTape

__all__ = ["Tensor", "Variable", "GradientTape", "Op", "Context", "register", "apply", "unbroadcast",
           "REGISTRY", "differentiable_ops", "is_recording", "as_array", "convert_to_tensor",
           "convert_to_numpy"]

# Tensor operators (+, *, @, [], ...) dispatch to pyfapi.ops; importing it binds them.
import pyfapi.ops  # noqa: E402,F401
