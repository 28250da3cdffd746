"""Shape inference that runs ``call`` without side effects on state.

Keras 3 builds a subclassed model (``model.build(shape)``) and infers the output of a layer
without ``compute_output_shape`` by running ``call`` symbolically: no value changes. pyfapi runs
``call`` on zeros instead, so :func:`side_effect_free` undoes what that run may change:

* the values of every variable of the layer and its sub-layers (BatchNormalization's moving
  statistics, counters updated with ``assign_add``, SeedGenerator states), restored to what they
  held before the run, or, for weights created during it, to their values right after their
  layer's ``build``;
* the carried ``states`` of stateful RNN layers;
* numpy generators held by layers (seeded Dropout / noise / augmentation layers) and the global
  generator (:func:`pyfapi.utils.random.global_rng`): draws made by ``call`` leave them where
  they were, while initializers drawing in ``build`` advance the global stream as a Keras
  build does.

Only state reachable from the layer is covered (not Python attributes a ``call`` sets, nor
variables created in ``call`` itself rather than in ``build``).
"""
from __future__ import annotations

import contextlib

import numpy as np

from pyfapi.utils import random as _random

__all__ = ["side_effect_free", "building"]

_ACTIVE: list = []  # stack of _Snapshot


class _Snapshot:
    def __init__(self):
        self.variables = {}   # id -> (variable, value copy)
        self.generators = {}  # id -> (numpy Generator, bit generator state)
        self.states = {}      # id(layer) -> (layer, states list or None)
        self.attributes = {}  # id(layer) -> (layer, {name: value}) of attributes before the run

    def add(self, root):
        """Record the state of ``root`` and of its sub-layers (already recorded items kept)."""
        for layer in root._flatten_layers():
            if id(layer) not in self.attributes:
                self.attributes[id(layer)] = (layer, dict(vars(layer)))
            for v in layer.variables:
                if id(v) not in self.variables:
                    self.variables[id(v)] = (v, np.array(v.value, copy=True))
            for value in vars(layer).values():
                if isinstance(value, np.random.Generator) and id(value) not in self.generators:
                    self.generators[id(value)] = (value, value.bit_generator.state)
                state = getattr(value, "state", None)  # a SeedGenerator (its state Variable)
                if state is not None and hasattr(value, "next") and id(state) not in self.variables:
                    self.variables[id(state)] = (state, np.array(state.value, copy=True))
            if getattr(layer, "stateful", False) and id(layer) not in self.states:
                states = getattr(layer, "states", None)
                self.states[id(layer)] = (layer, None if states is None else
                                          [np.array(getattr(s, "value", s), copy=True)
                                           for s in states])

    def restore(self):
        for v, value in self.variables.values():
            if v.value.shape == value.shape and not np.array_equal(v.value, value):
                v.value[...] = value
                v._bump_version()
        for gen, state in self.generators.values():
            gen.bit_generator.state = state
        for layer, before in self.attributes.values():  # generators a call created lazily
            for name, value in list(vars(layer).items()):
                if isinstance(value, np.random.Generator) and id(value) not in self.generators:
                    if name in before:
                        setattr(layer, name, before[name])
                    else:
                        delattr(layer, name)
        for layer, states in self.states.values():
            layer.states = None if states is None else [s.copy() for s in states]


@contextlib.contextmanager
def side_effect_free(layer):
    """Run the block (a ``call`` on zeros for shape inference) and undo its effects on
    ``layer``'s state (see the module). Nested uses share the outer snapshot."""
    snapshot = _Snapshot()
    snapshot.add(layer)
    _ACTIVE.append(snapshot)
    previous = _random.scratch_global_rng(True)
    try:
        yield
    finally:
        _random.restore_scratch(previous)
        _ACTIVE.pop()
        snapshot.restore()


@contextlib.contextmanager
def building(layer):
    """Around ``layer.build`` inside :func:`side_effect_free`: initializers draw from the real
    global generator, and the weights built are recorded with their initial values (restored
    after the run). Outside a run it does nothing."""
    if not _ACTIVE:
        yield
        return
    previous = _random.scratch_global_rng(False)
    try:
        yield
    finally:
        _random.restore_scratch(previous)
        for snapshot in _ACTIVE:
            snapshot.add(layer)
