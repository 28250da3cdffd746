"""PyDatasets used by tests/test_data_streams.py, in an importable module so that worker
processes started with ``spawn`` can unpickle them (only numpy and pyfapi.utils imported)."""
import os

import numpy as np

from pyfapi.utils.py_dataset import PyDataset


class ArrayBatches(PyDataset):
    """Batches ``i`` of ``(x, y)`` (and ``sample_weight`` if given); records epoch hooks."""

    def __init__(self, x, y, batch_size, sample_weight=None, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.sw, self.batch_size = x, y, sample_weight, batch_size
        self.fail_at = fail_at
        self.epoch_ends = 0
        self.epoch_begins = 0
        self.seen = []

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        if i == self.fail_at:
            raise KeyError(f"broken batch {i} in process {os.getpid()}")
        self.seen.append(i)
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.sw is not None:
            return self.x[s], self.y[s], self.sw[s]
        return self.x[s], self.y[s]

    def on_epoch_begin(self):
        self.epoch_begins += 1

    def on_epoch_end(self):
        self.epoch_ends += 1


class Empty(PyDataset):
    def __len__(self):
        return 0

    def __getitem__(self, i):
        raise IndexError(i)


class DiesInWorker(ArrayBatches):
    """A worker process that exits abruptly (no Python exception)."""

    def __getitem__(self, i):
        if i == self.fail_at:
            os._exit(3)
        return super().__getitem__(i)


def make_xy(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype("float32")
    return x, y
