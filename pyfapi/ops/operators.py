"""Tensor operator methods (``+ - * / @ ** -x``, comparisons, ``[]``, ``.T``) and numpy ufunc
dispatch, bound onto :class:`pyfapi.autodiff.Tensor` here, next to the ops they call."""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import apply
from pyfapi.autodiff.tensor import Tensor
from pyfapi.ops import contractions, core, math, nn
from pyfapi.ops import shape_ops as shape

__all__ = ["bind_tensor_operators"]


def _binary(op, reflected=False):
    if reflected:
        def method(self, other):
            return apply(op, other, self)
    else:
        def method(self, other):
            return apply(op, self, other)
    return method


def _rpow(self, other):
    return apply(math.Power, other, self)


def _getitem(self, key):
    return shape.get_item(self, key)


def _transpose_property(self):
    return apply(shape.Transpose, self, axes=None)


def _abs(self):
    return apply(math.Abs, self)


def _neg(self):
    return apply(math.Negative, self)


def _pos(self):
    return self


# numpy ufunc -> pyfapi op (differentiable dispatch for ``np_array + tensor``, ``np.exp(tensor)``).
_UFUNCS = {
    np.add: math.Add, np.subtract: math.Subtract, np.multiply: math.Multiply,
    np.true_divide: math.Divide, np.power: math.Power, np.matmul: math.MatMul,
    np.maximum: math.Maximum, np.minimum: math.Minimum, np.negative: math.Negative,
    np.exp: math.Exp, np.log: math.Log, np.sqrt: math.Sqrt, np.square: math.Square,
    np.absolute: math.Abs, np.tanh: nn.Tanh, np.expm1: math.Expm1, np.log1p: math.Log1p,
    np.equal: math.Equal, np.not_equal: math.NotEqual, np.less: math.Less,
    np.less_equal: math.LessEqual, np.greater: math.Greater, np.greater_equal: math.GreaterEqual,
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs:
        op = _UFUNCS.get(ufunc)
        if op is not None:
            return apply(op, *inputs)
    # Anything else runs on the plain arrays (no gradient) and returns numpy results.
    arrays = tuple(x.value if isinstance(x, Tensor) else x for x in inputs)
    if "out" in kwargs:
        kwargs["out"] = tuple(x.value if isinstance(x, Tensor) else x for x in kwargs["out"])
    return getattr(ufunc, method)(*arrays, **kwargs)


def bind_tensor_operators() -> None:
    """Install the operator methods on Tensor (idempotent; done on import of pyfapi.ops)."""
    T = Tensor
    T.__add__ = _binary(math.Add)
    T.__radd__ = _binary(math.Add, True)
    T.__sub__ = _binary(math.Subtract)
    T.__rsub__ = _binary(math.Subtract, True)
    T.__mul__ = _binary(math.Multiply)
    T.__rmul__ = _binary(math.Multiply, True)
    T.__truediv__ = _binary(math.Divide)
    T.__rtruediv__ = _binary(math.Divide, True)
    T.__matmul__ = _binary(math.MatMul)
    T.__rmatmul__ = _binary(math.MatMul, True)
    T.__floordiv__ = _binary(contractions.FloorDivide)
    T.__rfloordiv__ = _binary(contractions.FloorDivide, True)
    T.__mod__ = _binary(contractions.Mod)
    T.__rmod__ = _binary(contractions.Mod, True)
    T.__pow__ = _binary(math.Power)
    T.__rpow__ = _rpow
    T.__neg__ = _neg
    T.__pos__ = _pos
    T.__abs__ = _abs
    T.__eq__ = _binary(math.Equal)
    T.__ne__ = _binary(math.NotEqual)
    T.__lt__ = _binary(math.Less)
    T.__le__ = _binary(math.LessEqual)
    T.__gt__ = _binary(math.Greater)
    T.__ge__ = _binary(math.GreaterEqual)
    T.__and__ = _binary(math.LogicalAnd)
    T.__or__ = _binary(math.LogicalOr)
    T.__invert__ = lambda self: apply(math.LogicalNot, self)
    T.__getitem__ = _getitem
    T.__array_ufunc__ = _array_ufunc
    T.T = property(_transpose_property)
    T.__hash__ = object.__hash__  # defining __eq__ would otherwise leave Tensor unhashable
    # Convenience methods mirroring numpy/TF tensors.
    T.reshape = lambda self, *newshape: shape.reshape(
        self, newshape[0] if len(newshape) == 1 and not isinstance(newshape[0], int) else newshape)
    T.astype = lambda self, dtype: core.cast(self, dtype)


bind_tensor_operators()
