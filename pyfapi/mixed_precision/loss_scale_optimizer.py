"""LossScaleOptimizer (Keras 3: keras/src/optimizers/loss_scale_optimizer.py).

Dynamic loss scaling keeps small float16 gradients from underflowing. bfloat16 has float32's
exponent range, so mixed_bfloat16 does not need it (Keras's guide says the same); the class is
provided so that Keras code that wraps its optimizer keeps working, with Keras's semantics:

* the trainer differentiates ``scale_loss(loss) = loss * dynamic_scale``;
* ``apply(grads)`` divides the gradients by the scale; if they are all finite it applies them
  with the inner optimizer and, after ``dynamic_growth_steps`` such steps in a row, doubles the
  scale; otherwise it skips the step and halves the scale (never below 1).
"""
from __future__ import annotations

import numpy as np

from pyfapi import optimizers as _optimizers

__all__ = ["LossScaleOptimizer"]


class LossScaleOptimizer(_optimizers.Optimizer):
    """An optimizer wrapper that scales the loss dynamically (Keras 3 ``LossScaleOptimizer``).

    Args:
        inner_optimizer: the optimizer to wrap (an Optimizer, a name or a config dict).
        initial_scale: float > 0, the starting ``dynamic_scale`` (default ``2 ** 15``).
        dynamic_growth_steps: int >= 1, finite steps in a row before the scale doubles (2000).
        name: optional name.

    Attributes:
        inner_optimizer, dynamic_scale (float32 Variable), step_counter (int64 Variable);
        ``learning_rate`` and ``iterations`` are the inner optimizer's.

    Raises:
        ValueError: a non-positive ``initial_scale`` or ``dynamic_growth_steps`` < 1.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        inner = _optimizers.get(inner_optimizer)
        if not float(initial_scale) > 0:
            raise ValueError(f"LossScaleOptimizer: initial_scale must be > 0, received "
                             f"{initial_scale!r}")
        if int(dynamic_growth_steps) < 1:
            raise ValueError(f"LossScaleOptimizer: dynamic_growth_steps must be >= 1, received "
                             f"{dynamic_growth_steps!r}")
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer", **kwargs)
        from pyfapi.autodiff.variable import Variable

        self.inner_optimizer = inner
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.step_counter = Variable(np.zeros((), np.int64), name="step_counter", trainable=False,
                                     dtype="int64")
        self.dynamic_scale = Variable(np.asarray(initial_scale, np.float32), name="dynamic_scale",
                                      trainable=False)

    # the inner optimizer's hyper-parameters and counters
    @property
    def learning_rate(self):
        """The inner optimizer's learning rate Variable (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        inner = self.__dict__.get("inner_optimizer")
        if inner is None:  # Optimizer.__init__ sets it before the inner optimizer is known
            _optimizers.Optimizer.learning_rate.fset(self, value)
        else:
            inner.learning_rate = value

    @property
    def iterations(self):
        """The inner optimizer's step counter."""
        inner = self.__dict__.get("inner_optimizer")
        return self.__dict__["_own_iterations"] if inner is None else inner.iterations

    @iterations.setter
    def iterations(self, value):
        self.__dict__["_own_iterations"] = value

    @property
    def variables(self):
        """The inner optimizer's variables, then ``step_counter`` and ``dynamic_scale``."""
        return [*self.inner_optimizer.variables, self.step_counter, self.dynamic_scale]

    @property
    def built(self) -> bool:
        return self.inner_optimizer.built

    def build(self, var_list):
        """Builds the inner optimizer's slots."""
        self.inner_optimizer.build(var_list)

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (the trainer differentiates this)."""
        return loss * float(self.dynamic_scale.value)

    def apply(self, grads, trainable_variables=None):
        """Unscales ``grads``; applies them with the inner optimizer if all are finite (doubling
        the scale after ``dynamic_growth_steps`` finite steps), else skips the step and halves
        the scale. Argument checks as :meth:`Optimizer.apply`."""
        scale = float(self.dynamic_scale.value)
        arrays = [None if g is None else np.asarray(getattr(g, "value", g)) for g in grads]
        finite = all(a is None or bool(np.all(np.isfinite(a))) for a in arrays)
        if not finite:
            self.dynamic_scale.assign(np.float32(max(scale / 2.0, 1.0)))
            self.step_counter.assign(np.int64(0))
            return
        inv = np.float32(1.0 / scale)
        unscaled = [None if a is None else (a * inv).astype(a.dtype, copy=False) for a in arrays]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        count = int(self.step_counter.value) + 1
        if count >= self.dynamic_growth_steps:
            self.dynamic_scale.assign(np.float32(scale * 2.0))
            count = 0
        self.step_counter.assign(np.int64(count))

    def get_config(self) -> dict:
        """``{"name", "inner_optimizer" (serialized), "initial_scale", "dynamic_growth_steps"}``."""
        return {"name": self.name, "inner_optimizer": _optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config):
        """Inverse of :meth:`get_config` (the inner optimizer is deserialized)."""
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = _optimizers.deserialize(inner)
        return cls(inner, **config)

    def __repr__(self):
        return (f"<LossScaleOptimizer inner={self.inner_optimizer!r} "
                f"dynamic_scale={float(self.dynamic_scale.value):g}>")
