"""pyfapi: the Keras functional API on our own C++/OpenMP CPU kernels.

Write Keras code with ``keras`` replaced by ``pyfapi``::

    import pyfapi
    from pyfapi import layers
    inputs = pyfapi.Input(shape=(64,))
    outputs = layers.Dense(10, activation="softmax")(inputs)
    model = pyfapi.Model(inputs, outputs)

Submodules (``layers``, ``models``, ``ops``, ``optimizers``, ...) are imported on first use.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

import os as _os

# OpenMP idle threads: libgomp's default spins 300,000 times (~9 ms on the Zen 4 CI machine)
# before sleeping, which on a shared or busy machine burns the core the working thread needs
# (measured with bench/compare.py models: 2-thread steps 2-5x slower than 1-thread). 1,000 spins
# (~30 us) keep back-to-back kernels cheap and let idle threads sleep; 10,000 still cost the
# LSTM models 2x. libgomp reads this once, when it is loaded (below, unless another library loaded
# it first); a value the user set wins.
_os.environ.setdefault("GOMP_SPINCOUNT", "1000")

try:
    from pyfapi import _C  # noqa: F401,E402
except ImportError as _exc:  # a source checkout without an in-place build: see _source_tree
    from pyfapi import _source_tree

    _installed = _source_tree.installed_copy(_os.path.dirname(__file__))
    if _installed is None:
        raise _source_tree.missing_extension_error(_os.path.dirname(__file__), _exc) from _exc
    _sys = __import__("sys")
    _sys.modules[__name__] = _installed  # the import system returns the installed package
    _C = _installed._C
from pyfapi._config import get_num_threads, set_num_threads, show_config

# name -> (module, attribute or None for the module itself), resolved lazily by __getattr__.
_LAZY = {
    "Input": ("pyfapi.layers", "Input"),
    "Model": ("pyfapi.models", "Model"),
    "Sequential": ("pyfapi.models", "Sequential"),
    "Variable": ("pyfapi.autodiff", "Variable"),
    "GradientTape": ("pyfapi.autodiff", "GradientTape"),
    "Tensor": ("pyfapi.autodiff", "Tensor"),
    "KerasTensor": ("pyfapi.graph", "KerasTensor"),
    "DTypePolicy": ("pyfapi.mixed_precision", "DTypePolicy"),
    "Layer": ("pyfapi.layers", "Layer"),
    "InputSpec": ("pyfapi.layers", "InputSpec"),
    "Loss": ("pyfapi.losses", "Loss"),
    "Metric": ("pyfapi.metrics", "Metric"),
    "Optimizer": ("pyfapi.optimizers", "Optimizer"),
    "Initializer": ("pyfapi.initializers", "Initializer"),
    "Regularizer": ("pyfapi.regularizers", "Regularizer"),
}
_SUBMODULES = (
    "kernels", "autodiff", "ops", "graph", "layers", "models", "training", "optimizers", "losses",
    "metrics", "callbacks", "initializers", "activations", "regularizers", "constraints",
    "applications", "datasets", "utils", "preprocessing",
    "saving", "testing", "distributed", "mixed_precision", "random", "backend",
    "tree",
    "config",  # keras.config; also callable: pyfapi.config() -> the build configuration dict
)

__all__ = ["__version__", "version", "set_num_threads", "get_num_threads", "show_config",
           *_LAZY, *_SUBMODULES]


def version() -> str:
    """The package version (``keras.version()``)."""
    return __version__


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"pyfapi.{name}")
    else:
        raise AttributeError(f"module 'pyfapi' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
