"""Fashion-MNIST (70,000 28x28 grey images, 10 classes) as ``keras.datasets.fashion_mnist``,
from Keras's four gzip files in ``<cache>/datasets/fashion-mnist/``."""
from __future__ import annotations

import gzip
import os

import numpy as np

from pyfapi.utils.file_utils import cache_home, get_file

__all__ = ["load_data"]

_FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def _read(path, offset, what):
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"fashion_mnist.load_data: {path} is not a readable gzip IDX file "
                         f"({e})") from None
    if len(data) < offset:
        raise ValueError(f"fashion_mnist.load_data: {path} is truncated ({what})")
    return np.frombuffer(data, np.uint8, offset=offset)


def load_data(path=None):
    """``((x_train, y_train), (x_test, y_test))``: uint8 images ``(n, 28, 28)`` and uint8 labels.

    Args:
        path: a folder holding the four files (default ``<cache>/datasets/fashion-mnist``,
            downloaded from Keras's origin when missing). pyfapi extension: Keras has no argument.

    Raises:
        ValueError: a malformed or truncated file, or image / label counts that differ.
        ConnectionError: not cached and offline.
    """
    d = os.path.expanduser(os.fspath(path)) if path is not None else \
        os.path.join(cache_home(), "datasets", "fashion-mnist")
    paths = []
    for fname in _FILES:
        p = os.path.join(d, fname)
        if not os.path.exists(p):
            if path is not None:
                raise FileNotFoundError(f"fashion_mnist.load_data: no {fname} in {d}")
            p = get_file(fname, origin=_ORIGIN + "fashion-mnist/" + fname,
                         cache_subdir=os.path.join("datasets", "fashion-mnist"))
        paths.append(p)
    y_train = _read(paths[0], 8, "labels")
    x_train = _read(paths[1], 16, "images")
    y_test = _read(paths[2], 8, "labels")
    x_test = _read(paths[3], 16, "images")
    out = []
    for x, y, part in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if x.size != len(y) * 28 * 28:
            raise ValueError(f"fashion_mnist.load_data: {part} holds {x.size} pixels for "
                             f"{len(y)} labels (expected {len(y)} x 28 x 28)")
        out.append((x.reshape(len(y), 28, 28), y))
    return tuple(out)
