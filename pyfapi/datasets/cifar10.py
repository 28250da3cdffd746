"""CIFAR-10 (60,000 32x32 colour images, 10 classes) as ``keras.datasets.cifar10``."""
from __future__ import annotations

import os

import numpy as np

from pyfapi.datasets._files import locate
from pyfapi.datasets.cifar import load_batch

__all__ = ["load_data"]


def _dir(path, origin, file_hash, inner, loader):
    d = locate(path, origin, file_hash, loader, extract=True)
    nested = os.path.join(d, inner)
    return nested if os.path.isdir(nested) else d


def load_data(path="cifar-10-batches-py"):
    """``((x_train, y_train), (x_test, y_test))``: uint8 ``(n, 32, 32, 3)`` (channels last, as
    Keras's default) and uint8 labels ``(n, 1)``, from ``data_batch_1`` .. ``data_batch_5`` and
    ``test_batch`` (any batch sizes).

    Args:
        path: the ``cifar-10-batches-py`` folder: a name in the cache (also inside Keras's
            extraction folder), a path, or downloaded and extracted when missing (pyfapi
            extension: Keras has no argument).

    Raises:
        ValueError: a missing or malformed batch file.
        ConnectionError: not cached and offline.
    """
    d = _dir(path, "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
             "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
             "cifar-10-batches-py", "cifar10.load_data")
    xs, ys = [], []
    for i in range(1, 6):
        f = os.path.join(d, f"data_batch_{i}")
        if not os.path.exists(f):
            raise ValueError(f"cifar10.load_data: {d} has no data_batch_{i}")
        x, y = load_batch(f)
        xs.append(x)
        ys.extend(y)
    x_test, y_test = load_batch(os.path.join(d, "test_batch"))
    x_train = np.concatenate(xs).transpose(0, 2, 3, 1)
    return ((x_train, np.reshape(np.asarray(ys, dtype=np.uint8), (-1, 1))),
            (x_test.transpose(0, 2, 3, 1), np.reshape(np.asarray(y_test, dtype=np.uint8),
                                                      (-1, 1))))
