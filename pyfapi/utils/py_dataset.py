"""``PyDataset`` (and its alias ``Sequence``): batches computed by Python code, as Keras 3's
``keras.utils.PyDataset``.

Subclass it, call ``super().__init__(**kwargs)``, and implement ``__len__`` (or the
``num_batches`` property; ``None`` means infinite) and ``__getitem__(index)`` returning one batch:
``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (each part an array, a list of arrays or
a dict by input / output name)::

    class Batches(pyfapi.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)   # workers, use_multiprocessing, max_queue_size
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            lo = idx * self.batch_size
            return self.x[lo:lo + self.batch_size], self.y[lo:lo + self.batch_size]

``fit`` / ``evaluate`` / ``predict`` read it through :mod:`pyfapi.training.batch_stream`:
``workers`` threads (or, with ``use_multiprocessing=True``, processes started with the
``spawn`` method, never ``fork``: a fork after an OpenMP parallel region can deadlock) compute up
to ``max_queue_size`` batches ahead of the model, delivered in index order. With
``use_multiprocessing=True`` the dataset is pickled to the workers, so its class must be importable
(defined in a module, not in an interactive ``__main__``). ``on_epoch_begin`` / ``on_epoch_end``
are called in the main process around every epoch.
"""
from __future__ import annotations

import itertools
import warnings

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class for a dataset of batches computed in Python (Keras 3 ``PyDataset``).

    Args:
        workers: threads (or processes) computing batches in parallel (default 1; batches are
            still prepared one ahead in a background thread).
        use_multiprocessing: use processes (``spawn`` start method) instead of threads.
        max_queue_size: batches computed ahead at most (default 10).

    Raises (when read by ``fit``): ValueError for ``workers`` / ``max_queue_size`` that are not
    positive integers, and for a dataset whose length is 0.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for attr, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, attr):
                setattr(self, attr, default)
                missing = True
        if missing:
            warnings.warn(
                "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                "`max_queue_size`. Do not pass these arguments to `fit()`, as they will be "
                "ignored.", stacklevel=3)

    @property
    def workers(self):
        """Number of workers computing batches."""
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        """Whether workers are processes (spawned) rather than threads."""
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        """Maximum number of batches computed ahead."""
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``; to be implemented by subclasses."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __iter__(self):
        n = None
        try:
            n = self.num_batches
        except NotImplementedError:
            pass
        for index in (range(n) if n is not None else itertools.count()):
            yield self[index]

    @property
    def num_batches(self):
        """Number of batches (``len(self)``), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            "You need to implement the `num_batches` property:\n\n"
            "@property\ndef num_batches(self):\n  return ...")

    def on_epoch_begin(self):
        """Called at the beginning of every epoch (in the main process)."""

    def on_epoch_end(self):
        """Called at the end of every epoch (in the main process)."""


Sequence = PyDataset
