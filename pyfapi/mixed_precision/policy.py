"""DTypePolicy and the global policy (Keras 3: keras/src/dtype_policies/dtype_policy.py).

A policy names two dtypes: ``variable_dtype`` (the layer's weights) and ``compute_dtype`` (its
computations). ``"mixed_bfloat16"``: float32 variables (master weights), bfloat16 compute;
``"bfloat16"``: both bfloat16 (the variables are still STORED as float32, see below); any float
dtype name (``"float32"``, ...): both that dtype.

How pyfapi computes in bfloat16 (and why activations stay float32 arrays): numpy has no bfloat16
dtype. ml_dtypes adds one, but its ufuncs run element by element through float conversions (many
times slower than float32), and every pyfapi kernel, the autodiff engine and the optimizers work
on float32. On a 2-core CPU the win of bfloat16 is in the matrix products (vdpbf16ps does twice
the multiply-adds of a float32 FMA per instruction), not in memory traffic. So a layer whose
compute dtype is bfloat16 runs its GEMM-based kernels (Dense, convolutions, attention matmuls,
the LSTM / GRU / SimpleRNN projections and recurrent products, every op that reaches the GEMM,
forward AND backward) with bfloat16 operands and float32 accumulation -- what Keras's bfloat16
matmul computes -- and keeps float32 storage and float32 elementwise math. The casting is done
once, in the Layer base (``Layer.__call__`` sets the kernels' precision from
``layer.compute_dtype``, see :mod:`pyfapi.kernels.precision`), so every layer gets it without
code of its own.

Differences from Keras, all in the direction of more precision: the arrays a bfloat16 layer
returns are float32 (holding the results of bfloat16 products); KerasTensors of such layers have
dtype float32 (the storage dtype); losses and a final softmax / sigmoid are float32 in any case
(Keras needs ``dtype="float32"`` on the last layer for that; it is accepted and honoured here).
``"bfloat16"`` policy variables are float32 arrays as well, so saved weights are float32 for every
policy (Keras saves bfloat16 variables as bfloat16). ``"mixed_float16"`` is refused (no float16
CPU kernels; loss scaling would be needed); a plain ``"float16"`` policy keeps float16 weights and
computes through numpy's float16 fallbacks (slow, as before policies existed).
"""
from __future__ import annotations

import threading

from pyfapi.graph.keras_tensor import standardize_dtype

__all__ = ["DTypePolicy", "Policy", "FloatDTypePolicy", "dtype_policy", "set_dtype_policy",
           "global_policy", "set_global_policy", "get", "serialize", "deserialize",
           "storage_dtype"]

_MIXED = {"mixed_bfloat16": ("bfloat16", "float32")}
_REFUSED = ("mixed_float16",)


def storage_dtype(dtype: str) -> str:
    """The numpy dtype that holds values of ``dtype``: ``"bfloat16"`` -> ``"float32"``."""
    return "float32" if dtype == "bfloat16" else dtype


class DTypePolicy:
    """A dtype policy for a layer: ``DTypePolicy("mixed_bfloat16")`` (Keras 3 ``keras.DTypePolicy``,
    also ``keras.mixed_precision.Policy``).

    Args:
        name: ``"mixed_bfloat16"``, ``"bfloat16"``, ``"float32"`` or another dtype name
            (``"float64"``, ``"int32"``, ...); None means the global policy's name.

    Attributes:
        name: the policy name. compute_dtype: dtype of the layer's computations (``"bfloat16"``
            under the mixed policy). variable_dtype: dtype of the layer's weights.

    Raises:
        ValueError: a name that is neither a policy nor a dtype, or ``"mixed_float16"`` (no
            float16 CPU kernels; use mixed_bfloat16).
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_bfloat16'. Received: "
                            f"name={name!r} (of type {type(name).__name__})")
        if name in _REFUSED:
            raise ValueError(f"DTypePolicy {name!r} is not supported: pyfapi has no float16 CPU "
                             f"kernels. Use 'mixed_bfloat16' (bfloat16 compute, float32 weights).")
        if name in _MIXED:
            compute, variable = _MIXED[name]
        else:
            try:
                compute = variable = standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies "
                    f"include 'mixed_bfloat16', and the name of any float dtype such as "
                    f"'float32'.") from None
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        """The policy name, e.g. ``"mixed_bfloat16"``."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """Dtype of the computations: ``"bfloat16"`` for the bfloat16 policies."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """Dtype of the weights: ``"float32"`` under ``"mixed_bfloat16"``."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None (quantized policies are not supported)."""
        return None

    def convert_input(self, x, autocast, dtype):
        """Keras API: ``x`` unchanged (float arrays are stored as float32; the kernels round their
        operands to bfloat16 under a bfloat16 compute dtype)."""
        return x

    def get_config(self) -> dict:
        """``{"name": name}``."""
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        """``DTypePolicy(**config)``."""
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(("DTypePolicy", self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy
FloatDTypePolicy = DTypePolicy


class _GlobalState(threading.local):
    policy = None


_GLOBAL = _GlobalState()
_DEFAULT = None


def set_dtype_policy(policy):
    """Sets the global policy used by layers created afterwards (Keras 3
    ``keras.config.set_dtype_policy`` / ``keras.mixed_precision.set_global_policy``).

    Args:
        policy: a policy name (``"mixed_bfloat16"``, ``"float32"``, ...) or a DTypePolicy.

    Raises:
        ValueError: an invalid policy name (see :class:`DTypePolicy`).
        TypeError: something that is neither a string nor a DTypePolicy.
    """
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise TypeError(f"Invalid `policy` argument. Expected the string name of a policy (such "
                        f"as 'mixed_bfloat16') or a `DTypePolicy` instance. Received: "
                        f"policy={policy!r} (of type {type(policy).__name__})")
    _GLOBAL.policy = policy


def dtype_policy() -> DTypePolicy:
    """The global DTypePolicy (``DTypePolicy("float32")`` until one is set)."""
    global _DEFAULT
    p = _GLOBAL.policy
    if p is None:
        if _DEFAULT is None:
            _DEFAULT = DTypePolicy("float32")
        return _DEFAULT
    return p


global_policy = dtype_policy
set_global_policy = set_dtype_policy


def get(identifier) -> DTypePolicy:
    """A DTypePolicy from None (the global policy), a name, a DTypePolicy or a serialized policy
    dict (``{"class_name": "DTypePolicy", "config": {"name": ...}}``, as Keras saves it).

    Raises:
        ValueError: an unknown name or an unrecognized dict.
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    name = getattr(identifier, "name", None)  # numpy dtypes, a Keras DTypePolicy
    if isinstance(name, str):
        return DTypePolicy(name)
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except ValueError:
        raise ValueError(f"Cannot interpret `dtype` argument. Expected a string, a DTypePolicy or "
                         f"a serialized DTypePolicy dict. Received: dtype={identifier!r}") from None


def serialize(policy: DTypePolicy) -> dict:
    """Keras 3's serialized form: ``{"module": "keras", "class_name": "DTypePolicy", "config":
    {"name": ...}, "registered_name": None}``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def deserialize(config: dict) -> DTypePolicy:
    """Inverse of :func:`serialize` (``FloatDTypePolicy`` / ``Policy`` class names accepted)."""
    cls = config.get("class_name")
    if cls not in ("DTypePolicy", "FloatDTypePolicy", "Policy", None):
        raise ValueError(f"Unsupported dtype policy class {cls!r} in {config!r} (pyfapi supports "
                         f"DTypePolicy; quantized policies are not supported)")
    inner = config.get("config", config)
    name = inner.get("name") if isinstance(inner, dict) else None
    if name is None:
        raise ValueError(f"Serialized DTypePolicy without a name: {config!r}")
    return DTypePolicy(name)
