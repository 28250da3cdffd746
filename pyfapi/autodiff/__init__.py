"""pyfapi.autodiff: eager Tensors, Variables, the op registry and GradientTape.

    from pyfapi.autodiff import Tensor, Variable, GradientTape
    from pyfapi.autodiff.registry import Op, register, apply, unbroadcast, REGISTRY

    w = Variable(np.zeros((3, 2)), name="kernel")
    with GradientTape() as tape:            # trainable Variables are watched automatically
        loss = ops.mean(ops.square(ops.matmul(x, w) - y))
    grad = tape.gradient(loss, w)           # a Tensor shaped like w (None if unconnected)

Modules:
  * :mod:`.tensor`   -- Tensor (numpy value + operators), as_array / convert_to_tensor.
  * :mod:`.variable` -- Variable (in-place assign/assign_add/assign_sub, name/path/trainable).
  * :mod:`.registry` -- Op, register, apply, unbroadcast, REGISTRY: how an op is defined
    (forward + backward in one class; multi-output and needs_input_grad conventions).
  * :mod:`.tape`     -- GradientTape (TensorFlow semantics; nested tapes record independently,
    higher-order gradients are not supported).

The active-tape list is process-global (not thread-local): record and differentiate on one thread.
Adding an op: define and ``@register`` it in a ``pyfapi/ops/<family>.py`` module (imported by
``pyfapi.ops``), expose a keras.ops-named function calling ``apply``, and add a gradcheck case to
``tests/gradcheck_cases.py`` or ``tests/gradcheck_cases_<family>.py`` (checked by
tests/test_gradcheck_registry.py, which fails for any differentiable op without one).
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
