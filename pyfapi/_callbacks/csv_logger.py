"""``CSVLogger``: one CSV row per epoch (Keras 3 ``keras.callbacks.CSVLogger``)."""
from __future__ import annotations

import collections
import csv
import os

import numpy as np

from pyfapi.callbacks import Callback

__all__ = ["CSVLogger"]


def _cell(v):
    if isinstance(v, str):
        return v
    if isinstance(v, np.ndarray) and v.ndim:
        return f"[{', '.join(map(str, v.ravel()))}]"
    if isinstance(v, (list, tuple)):
        return f"[{', '.join(map(str, v))}]"
    return v


class CSVLogger(Callback):
    """Stream epoch results to a CSV file: a header ``epoch,<sorted log keys>`` then one row per
    epoch (values as ``str``; arrays as ``"[a, b]"``; a key missing after early stopping as
    ``NA``), flushed after every row so a killed run keeps every finished epoch.

    Args:
        filename: the CSV path (its directory is created).
        separator: the field separator (``","``).
        append: append to an existing file (no second header) instead of overwriting it.

    Rank 0 only in distributed runs (``rank0_only``).
    """

    rank0_only = True

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        """Opens the file (append or overwrite mode)."""
        d = os.path.dirname(self.filename)
        if d:
            os.makedirs(d, exist_ok=True)
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
            self.append_header = True
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 - kept open
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Writes the epoch's row (the header first if needed) and flushes."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if getattr(self.model, "stop_training", False):
            logs = {k: logs.get(k, "NA") for k in self.keys}
        if self.writer is None:
            class Dialect(csv.excel):
                delimiter = self.sep
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect, extrasaction="ignore")
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Closes the file."""
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None
