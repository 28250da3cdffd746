"""CIFAR-100 (60,000 32x32 colour images, 100 fine / 20 coarse classes) as
``keras.datasets.cifar100``."""
from __future__ import annotations

import os

import numpy as np

from pyfapi.datasets.cifar import load_batch
from pyfapi.datasets.cifar10 import _dir

__all__ = ["load_data"]


def load_data(label_mode="fine", path="cifar-100-python"):
    """``((x_train, y_train), (x_test, y_test))``: uint8 ``(n, 32, 32, 3)`` and uint8 labels
    ``(n, 1)`` (``"fine"``: 100 classes, ``"coarse"``: 20), from the ``train`` and ``test`` files.

    Raises:
        ValueError: ``label_mode`` not ``"fine"`` / ``"coarse"``; a missing or malformed file.
        ConnectionError: not cached and offline.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    d = _dir(path, "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
             "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
             "cifar-100-python", "cifar100.load_data")
    out = []
    for part in ("train", "test"):
        f = os.path.join(d, part)
        if not os.path.exists(f):
            raise ValueError(f"cifar100.load_data: {d} has no {part!r} file")
        x, y = load_batch(f, label_key=label_mode + "_labels")
        out.append((x.transpose(0, 2, 3, 1), np.reshape(np.asarray(y, dtype=np.uint8), (-1, 1))))
    return tuple(out)
