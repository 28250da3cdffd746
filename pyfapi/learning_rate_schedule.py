"""Learning-rate schedules (``pyfapi.optimizers.schedules``), Keras 3's classes, arguments,
formulas and errors (``keras/src/optimizers/schedules/learning_rate_schedule.py``).

A schedule is called with the optimizer's step count (``optimizer.iterations``, before the step
is counted) and returns the learning rate of that step as a Python float (computed in float64;
the optimizer stores it as float32). Pass one as ``learning_rate=`` to any optimizer; it is saved
with the optimizer's config (``{"class_name", "config"}``) and, since ``iterations`` is part of
the optimizer's saved state, a restored optimizer continues the schedule where it stopped.
"""
from __future__ import annotations

import math

from pyfapi.utils.object_registration import resolve as resolve_custom_objects

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _positive(name, value):
    if not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


def _progress(schedule, step):
    """``step / decay_steps``, floored with ``staircase=True`` (Exponential / InverseTime)."""
    p = float(step) / schedule.decay_steps
    return math.floor(p) if schedule.staircase else p


class LearningRateSchedule:
    """Base class: ``__call__(step) -> learning rate``; ``get_config`` / ``from_config``."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def _set_config(self, **arguments):
        """Keep the constructor ``arguments`` as attributes and as the config (one place)."""
        self.__dict__.update(arguments)
        self._config = arguments

    def get_config(self):
        """The constructor arguments (a subclass that does not call ``_set_config`` must
        implement this)."""
        config = self.__dict__.get("_config")
        if config is None:
            raise NotImplementedError(f"{type(self).__name__} must implement get_config()")
        return dict(config)

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the exponent floored with
    ``staircase=True``).

    Raises:
        ValueError: ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _positive("decay_steps", decay_steps)
        self._set_config(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                         decay_rate=decay_rate, staircase=staircase, name=name)

    def __call__(self, step):
        return float(self.initial_learning_rate) * float(self.decay_rate) ** _progress(self, step)



class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last boundary.

    Raises:
        ValueError: ``len(values) != len(boundaries) + 1``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self._set_config(boundaries=list(boundaries), values=list(values), name=name)

    def __call__(self, step):
        s = float(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= b:
                return float(v)
        return float(self.values[-1])



class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, the step capped at
    ``decay_steps`` (or, with ``cycle``, ``decay_steps`` multiplied by ``ceil(step /
    decay_steps)``).

    Raises:
        ValueError: ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _positive("decay_steps", decay_steps)
        self._set_config(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                         end_learning_rate=end_learning_rate, power=power, cycle=cycle,
                         name=name)

    def __call__(self, step):
        s = float(step)
        steps = float(self.decay_steps)
        if self.cycle:
            steps *= 1.0 if s == 0 else math.ceil(s / steps)
        else:
            s = min(s, steps)
        p = s / steps
        return (float(self.initial_learning_rate) - self.end_learning_rate) * \
            (1 - p) ** self.power + self.end_learning_rate



class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the ratio floored with
    ``staircase=True``).

    Raises:
        ValueError: ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _positive("decay_steps", decay_steps)
        self._set_config(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                         decay_rate=decay_rate, staircase=staircase, name=name)

    def __call__(self, step):
        return float(self.initial_learning_rate) / (1 + self.decay_rate * _progress(self, step))



class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warm-up (SGDR without restarts, Loshchilov & Hutter
    2017).

    Without ``warmup_target``: ``initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)`` with ``s = min(step, decay_steps)``. With it: for ``step < warmup_steps`` a line from
    ``initial_learning_rate`` to ``warmup_target``, then the cosine decay from ``warmup_target``
    over ``decay_steps`` steps.

    Raises:
        ValueError: ``decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive("decay_steps", decay_steps)
        self._set_config(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                         alpha=alpha, name=name, warmup_target=warmup_target,
                         warmup_steps=warmup_steps)

    def _decay(self, s, decay_from):
        cos = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return float(decay_from) * ((1 - self.alpha) * cos + self.alpha)

    def __call__(self, step):
        s = float(step)
        if self.warmup_target is None:
            return self._decay(min(s, self.decay_steps), self.initial_learning_rate)
        s = min(s, self.decay_steps + self.warmup_steps)
        if s < self.warmup_steps:
            frac = s / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * frac + \
                float(self.initial_learning_rate)
        return self._decay(s - self.warmup_steps, self.warmup_target)



class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period ``i`` lasts ``first_decay_steps *
    t_mul**i`` steps and starts from ``initial * m_mul**i``; ``alpha`` is the floor fraction.

    Raises:
        ValueError: ``first_decay_steps <= 0``.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _positive("first_decay_steps", first_decay_steps)
        self._set_config(initial_learning_rate=initial_learning_rate,
                         first_decay_steps=first_decay_steps, t_mul=t_mul, m_mul=m_mul,
                         alpha=alpha, name=name)

    def __call__(self, step):
        frac = float(step) / self.first_decay_steps
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            i_restart = math.floor(frac)
            frac -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            frac = (frac - sum_r) / t_mul ** i_restart
        m_fac = float(self.m_mul) ** i_restart
        cos = 0.5 * m_fac * (1.0 + math.cos(math.pi * frac))
        return float(self.initial_learning_rate) * ((1 - self.alpha) * cos + self.alpha)



_CLASSES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """``{"module", "class_name", "config", "registered_name"}`` as Keras 3 writes it."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A schedule from :func:`serialize`'s output (also Keras 3's and tf.keras's dicts).

    Raises:
        ValueError: an unknown schedule class (the message lists the known ones).
    """
    name = config.get("class_name")
    cls = resolve_custom_objects(custom_objects).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule {name!r}; expected one of "
                         f"{sorted(_CLASSES)} (or pass it in custom_objects)")
    return cls.from_config(dict(config.get("config", {})))
