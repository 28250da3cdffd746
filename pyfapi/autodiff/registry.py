"""The op registry: every op defined once with its forward and its vector-Jacobian product.

An op is a class with two static methods (tinygrad ``Function`` / PyTorch ``derivatives.yaml``
style)::

    @register
    class Exp(Op):
        name = "exp"                      # public name in pyfapi.ops
        @staticmethod
        def forward(ctx, x):              # numpy arrays in, numpy array (or tuple of arrays) out
            y = np.exp(x)
            ctx.save(y)
            return y
        @staticmethod
        def backward(ctx, grad):          # one grad per output; one grad (or None) per input
            (y,) = ctx.saved
            return grad * y

    y = apply(Exp, x)                     # Tensor out; recorded on every active GradientTape

Conventions:

* ``apply(op, *inputs, **attrs)``: positional inputs are the (possibly differentiable) arrays;
  keyword ``attrs`` are static non-tensor arguments passed to ``forward`` only. Inputs may be
  Tensor, Variable, ndarray, Python scalars or lists (Python floats follow the dtype of the other
  float inputs, else float32).
* ``forward`` may set any attribute on ``ctx``; ``ctx.save(*arrays)`` stores ``ctx.saved``.
  When the node is recorded, ``ctx.needs_input_grad`` (tuple of bools, one per input) is set
  before ``backward`` runs; backward may skip work for inputs that do not need a gradient
  (returning None there).
* Multi-output ops return a tuple of arrays; ``backward(ctx, *grads)`` then receives one grad per
  output (zeros for outputs the target does not depend on).
* ``backward`` returns a tuple with one entry per positional input (a bare array is accepted for
  single-input ops). Each gradient must have its input's shape: use :func:`unbroadcast` for
  broadcasting ops. Gradients for integer/bool inputs are ignored (they are never differentiable).
* ``differentiable = False`` ops (argmax, comparisons, stop_gradient, ...) are never recorded;
  their outputs carry no gradient.
"""
from __future__ import annotations

import numpy as np

from pyfapi._config import PRECISION as _PRECISION
from pyfapi.autodiff.tensor import FLOAT32, Tensor, _wrap

__all__ = ["Op", "Context", "register", "apply", "unbroadcast", "REGISTRY", "differentiable_ops",
           "is_recording"]

#: op name -> op class, for every registered op (kernel ops included once their module is imported).
REGISTRY: dict = {}

# Tapes currently recording (entered and not paused). Mutated by pyfapi.autodiff.tape only.
_ACTIVE_TAPES: list = []

_ndarray = np.ndarray
_asarray = np.asarray
_add_reduce = np.add.reduce


class Context:
    """Per-call scratch space shared by an op's forward and backward (``ctx``)."""

    __slots__ = ("saved", "needs_input_grad", "__dict__")

    def save(self, *arrays):
        """Keep arrays for backward; read them back as the tuple ``ctx.saved``."""
        self.saved = arrays


class Op:
    """Base class of registered ops. Subclasses set ``name`` and define static
    ``forward(ctx, *arrays, **attrs)`` and ``backward(ctx, *grads)``."""

    name: str = ""
    differentiable: bool = True

    @staticmethod
    def forward(ctx, *arrays, **attrs):  # pragma: no cover - abstract
        """Computes the output array(s) from numpy inputs, saving what backward needs on ``ctx``.
        Abstract: subclasses override (raises NotImplementedError).
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):  # pragma: no cover - abstract
        """Returns one gradient (or None) per input from the output gradient(s) (the VJP).
        Abstract: subclasses override (raises NotImplementedError).
        """
        raise NotImplementedError


def register(cls):
    """Class decorator: add an :class:`Op` subclass to :data:`REGISTRY` under ``cls.name``.

    Raises:
        TypeError: ``cls`` is not an Op subclass or has no ``name``.
        ValueError: another op already has the name (each op is defined in exactly one place).
    """
    if not (isinstance(cls, type) and issubclass(cls, Op)):
        raise TypeError(f"register: expected an Op subclass, got {cls!r}")
    name = cls.__dict__.get("name")
    if not name or not isinstance(name, str):
        raise TypeError(f"register: {cls.__name__} must define a string class attribute 'name'")
    old = REGISTRY.get(name)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"register: op name {name!r} is already registered by "
                         f"{old.__module__}.{old.__qualname__}")
    REGISTRY[name] = cls
    return cls


def differentiable_ops() -> dict:
    """``{name: op}`` for every registered op with ``differentiable = True``."""
    return {n: op for n, op in REGISTRY.items() if op.differentiable}


def is_recording() -> bool:
    """True when at least one GradientTape is recording."""
    return bool(_ACTIVE_TAPES)


def _scalar_array(x, arrays):
    """A Python/numpy scalar as a 0-d array whose dtype follows the other inputs (weak typing)."""
    ref = None
    for a in arrays:
        if type(a) is _ndarray:
            ref = a.dtype
            break
    if isinstance(x, bool):
        return _asarray(x)
    if isinstance(x, float):
        return _asarray(x, dtype=ref if ref is not None and ref.kind in "fc" else FLOAT32)
    if isinstance(x, int):
        return _asarray(x, dtype=ref if ref is not None and ref.kind in "iufc" else np.int32)
    return None


def _to_array(x, arrays):
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return x.item()  # numpy scalars are weakly typed too, like Python scalars
    if isinstance(x, (bool, int, float)):
        return x  # resolved once every input is known (dtype of the others)
    from pyfapi.autodiff.tensor import as_array
    return as_array(x)


_Context = Context
_new = object.__new__


def apply(op, *inputs, **attrs):
    """Run ``op.forward`` on the unwrapped inputs, wrap the result, record on active tapes.

    Returns:
        A Tensor, or a tuple of Tensors for multi-output ops.
    """
    arrays = []
    scalars = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.value)
        elif type(x) is _ndarray:
            arrays.append(x)
        else:
            a = _to_array(x, arrays)
            if type(a) is not _ndarray:
                scalars = True
            arrays.append(a)
    if scalars:
        arrays = [a if type(a) is _ndarray else _scalar_array(a, [b for b in arrays if type(b) is _ndarray])
                  for a in arrays]
    ctx = _Context()
    out = op.forward(ctx, *arrays, **attrs)
    if type(out) is _ndarray:
        res = _new(Tensor)
        res.value = out
        res._keras_mask = None
    elif type(out) is tuple:
        res = tuple(_wrap(o if type(o) is _ndarray else _asarray(o)) for o in out)
    else:
        res = _wrap(_asarray(out))
    if _ACTIVE_TAPES and op.differentiable:
        if _PRECISION.code:  # backward runs its GEMMs in the forward's precision (tape.py)
            ctx._precision = _PRECISION.code
        for tape in _ACTIVE_TAPES:
            tape._record(op, ctx, inputs, res)
    return res


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a gradient of a broadcast result back to an input's ``shape`` (numpy broadcasting rules).

    Args:
        grad: gradient w.r.t. the broadcast result, shape ``broadcast(shape, other shapes)``.
        shape: the input's shape.

    Returns:
        ``grad`` itself when the shapes already match, else a new array of ``shape``.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead > 0 and gshape[lead:] == shape:  # only new leading axes (a bias): one reduction
        g = _add_reduce(grad, axis=0 if lead == 1 else tuple(range(lead)))
        return g if type(g) is _ndarray else _asarray(g)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if axes:
        grad = _add_reduce(grad, axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(shape)
    return grad
