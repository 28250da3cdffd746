"""Variable: mutable, named tensor storage held by layers and updated by optimizers."""
from __future__ import annotations

import operator

import numpy as np

from pyfapi.autodiff.tensor import Tensor, as_array

__all__ = ["Variable"]

_names_used: dict = {}


def _auto_name(base: str = "variable") -> str:
    n = _names_used.get(base, 0)
    _names_used[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _initializer_get(identifier):
    """``pyfapi.initializers.get(identifier)`` (initializers sit above autodiff; imported by
    name at first use)."""
    import importlib
    return importlib.import_module("pyfapi.initializers").get(identifier)


class Variable(Tensor):
    """A mutable tensor: fixed shape and dtype, value updated in place.

    Args (Keras 3 ``keras.Variable`` order):
        initializer: array-like, an initializer name / config (``"zeros"``, ``"glorot_uniform"``)
            or a callable ``initializer(shape, dtype)`` (then ``shape`` is required), as Keras
            initializers are. ``initial_value=`` is accepted as a keyword alias.
        shape: required only when ``initializer`` is a name or a callable.
        dtype: storage dtype, ``"float32"`` by default.
        trainable: whether GradientTapes watch it automatically and optimizers update it.
        autocast, synchronization: accepted for Keras compatibility; ``aggregation`` is stored.
        name: the variable's name (default ``"variable"``, ``"variable_1"``, ...).

    Attributes:
        value: the storage (``numpy.ndarray``); ``assign*`` write into this same buffer.
            ``numpy()`` returns a COPY (a snapshot, as Keras); ``.value`` is the live buffer.
        _version: in-place write counter, bumped by ``assign*``, setting ``.value`` and optimizer
            steps. Code writing into ``.value`` directly must bump it too (``_bump_version()``),
            so that a GradientTape refuses (RuntimeError) to backprop through ops recorded with
            the old value instead of silently using the new one.
        name, path (``"<layer name>/<name>"`` once a layer sets it; ``name`` until then),
        trainable, shape, dtype; ``constraint``, ``regularizer`` (None), ``overwrite_with_gradient``
        (False) and ``aggregation`` (``"none"``) as Keras 3 variables carry them.

    Raises:
        ValueError: a callable initializer without ``shape``, or an initializer returning the
            wrong shape.
        TypeError: a non-numeric initial value.
    """

    __slots__ = ("_value", "_version", "name", "path", "_trainable", "constraint", "regularizer",
                 "overwrite_with_gradient", "aggregation")

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, **kwargs):
        initial_value = kwargs.pop("initial_value", initializer)
        if kwargs:
            raise TypeError(f"Variable: unexpected arguments {sorted(kwargs)}")
        if initial_value is None:
            raise ValueError("Variable: an initializer (array-like, initializer name or callable "
                             "initializer(shape, dtype)) is required")
        if isinstance(initial_value, (str, dict)):  # an initializer name / config (Keras)
            initial_value = _initializer_get(initial_value)
        dtype = np.dtype(getattr(dtype, "name", dtype) if dtype is not None else "float32")
        if callable(initial_value) and not isinstance(initial_value, (Tensor, np.ndarray)):
            if shape is None:
                raise ValueError("Variable: shape is required when initial_value is a callable initializer")
            shape = tuple(int(s) for s in shape)
            value = as_array(initial_value(shape, dtype=dtype.name))
            if value.shape != shape:
                raise ValueError(f"Variable: initializer returned shape {value.shape}, expected {shape}")
        else:
            value = as_array(initial_value)
            if shape is not None and tuple(shape) != value.shape:
                raise ValueError(f"Variable: initial_value has shape {value.shape}, expected {tuple(shape)}")
        # Always own the buffer (never alias the caller's array) and keep it C-contiguous.
        self._value = np.array(value, dtype=dtype, order="C", copy=True)
        # In-place write counter (PyTorch's "version counter"): bumped by assign* / setting
        # .value / the optimizers' in-place updates. GradientTape records it for every Variable
        # input of a recorded op and refuses to backprop through an op whose Variable input was
        # modified since (the op may have saved the live buffer for its backward).
        self._version = 0
        self._keras_mask = None
        if name is None:
            name = _auto_name("variable")
        elif not isinstance(name, str):
            raise TypeError(f"Variable: name must be a str, got {type(name).__name__}")
        self.name = name
        self.path = name
        self._trainable = bool(trainable)
        self.constraint = None       # set by Layer.add_weight; applied by optimizers after updates
        self.regularizer = None
        self.overwrite_with_gradient = False
        self.aggregation = aggregation

    def _set_value(self, new) -> None:
        self.assign(new)

    # The getter is read on every op a Variable enters: operator.attrgetter runs in C (no Python frame).
    value = property(operator.attrgetter("_value"), _set_value, doc=
                     """The storage array (``numpy.ndarray``). Setting it copies into the same buffer
                     (like :meth:`assign`), so a variable's array is never replaced, nor reshaped
                     (ValueError naming both shapes).""")

    @property
    def trainable(self) -> bool:
        """Whether optimizers update this variable (bool; the setter coerces with ``bool``)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Sets whether optimizers update this variable (coerced with ``bool``)."""
        self._trainable = bool(value)

    def numpy(self) -> np.ndarray:
        """A COPY of the current value (Keras / TF semantics: a snapshot that later
        ``assign*`` calls or optimizer steps do not change). Use ``.value`` for the live buffer."""
        return self._value.copy()

    def _bump_version(self) -> None:
        """Record an in-place write done outside ``assign*`` (e.g. by an optimizer kernel)."""
        self._version += 1

    def _check(self, value, op: str) -> np.ndarray:
        v = value.value if isinstance(value, Tensor) else as_array(value)
        if v.shape != self.value.shape:
            if v.size == 1 and v.ndim <= self.value.ndim and op != "assign":
                return v  # scalar increments broadcast
            raise ValueError(f"Variable.{op}: variable {self.path!r} has shape {self.value.shape}, "
                             f"received a value of shape {v.shape}")
        return v

    def assign(self, value):
        """Write ``value`` into the variable's buffer (same array object). Returns self.

        Raises:
            ValueError: ``value``'s shape differs from the variable's (both shapes named).
        """
        self._value[...] = self._check(value, "assign")
        self._version += 1
        return self

    def assign_add(self, delta):
        """``value += delta`` in place. Returns self. Raises ValueError on a shape mismatch."""
        np.add(self._value, self._check(delta, "assign_add"), out=self._value, casting="unsafe")
        self._version += 1
        return self

    def assign_sub(self, delta):
        """``value -= delta`` in place. Returns self. Raises ValueError on a shape mismatch."""
        np.subtract(self._value, self._check(delta, "assign_sub"), out=self._value, casting="unsafe")
        self._version += 1
        return self

    def __repr__(self) -> str:
        body = np.array2string(self.value, separator=", ", threshold=50, prefix="  ")
        return (f"<Variable path={self.path}, shape={self.value.shape}, dtype={self.value.dtype}, "
                f"value={body}>")

    __str__ = __repr__

    def __deepcopy__(self, memo):
        v = Variable(self.value, name=self.name, trainable=self._trainable, dtype=self.value.dtype)
        v.path = self.path
        return v
