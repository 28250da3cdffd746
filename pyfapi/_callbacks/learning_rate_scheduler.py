"""``LearningRateScheduler``: set the learning rate at each epoch (Keras 3)."""
from __future__ import annotations

import numpy as np

from pyfapi.callbacks import Callback

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """At the start of every epoch, ``optimizer.learning_rate = schedule(epoch, lr)`` (or
    ``schedule(epoch)`` for a one-argument function), and ``learning_rate`` is added to the epoch
    logs (so History / CSVLogger record it), as Keras 3.

    Args:
        schedule: ``fn(epoch, lr) -> float`` (epoch 0-based) or ``fn(epoch) -> float``.
        verbose: 1 prints the new rate each epoch.

    Raises:
        ValueError: the schedule returns something that is not a number (Keras's message), or the
            model has no optimizer.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Computes and sets the epoch's learning rate."""
        opt = getattr(self.model, "optimizer", None)
        if opt is None:
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        lr = float(opt.learning_rate)
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:  # a one-argument schedule
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, (float, int, np.floating, np.integer)) \
                and not (isinstance(lr, np.ndarray) and lr.ndim == 0):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        opt.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        """Adds ``learning_rate`` to the logs."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
