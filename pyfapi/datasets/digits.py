"""The UCI ML hand-written digits data set (8x8 images), bundled with pyfapi.

1,797 images of the digits 0-9, 8x8 pixels with integer values 0..16, from the UCI Machine Learning
Repository (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0), stored unmodified as
``pyfapi/datasets/data/digits.csv.gz`` exactly as scikit-learn distributes it (see
``pyfapi/datasets/data/PROVENANCE.md`` for provenance, licence and checksum). It works offline; no
download, no extra install.

Usage, as ``keras.datasets``::

    from pyfapi.datasets import digits
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.astype("float32") / 16.0
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import io
import math
import numbers
from importlib import resources

import numpy as np

__all__ = ["load_data", "DATA_FILE", "SHA256", "NUM_SAMPLES", "NUM_CLASSES", "IMAGE_SHAPE"]

#: Name of the bundled file inside ``pyfapi/datasets/data/``.
DATA_FILE = "digits.csv.gz"
#: SHA-256 of the bundled file (the scikit-learn 1.9.1 copy, unmodified).
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
NUM_SAMPLES = 1797
NUM_CLASSES = 10
IMAGE_SHAPE = (8, 8, 1)
_LAYOUTS = ("flat", "image")


def _read_bytes() -> bytes:
    return resources.files("pyfapi.datasets").joinpath("data", DATA_FILE).read_bytes()


@functools.lru_cache(maxsize=1)
def _load_all() -> tuple[np.ndarray, np.ndarray]:
    """Read, verify and parse the bundled file once; callers get copies."""
    try:
        raw = _read_bytes()
    except FileNotFoundError as e:  # a broken install, not a user error
        raise FileNotFoundError(
            f"pyfapi.datasets.digits: the bundled data file data/{DATA_FILE} is missing from the "
            "pyfapi package; reinstall pyfapi") from e
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise ValueError(
            f"pyfapi.datasets.digits: the bundled data file data/{DATA_FILE} is corrupted: "
            f"SHA-256 {digest}, expected {SHA256}; reinstall pyfapi")
    with gzip.open(io.BytesIO(raw), "rt", encoding="ascii") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (NUM_SAMPLES, 65):
        raise ValueError(f"pyfapi.datasets.digits: expected a ({NUM_SAMPLES}, 65) table in "
                         f"{DATA_FILE}, read {table.shape}")
    x = table[:, :64].astype(np.uint8)
    y = table[:, 64].astype(np.uint8)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def _check_test_split(test_split) -> float:
    if isinstance(test_split, bool) or not isinstance(test_split, numbers.Real):
        raise TypeError("pyfapi.datasets.digits.load_data: test_split must be a float in "
                        f"[0, 1), received {test_split!r} of type {type(test_split).__name__}")
    test_split = float(test_split)
    if not 0.0 <= test_split < 1.0:  # also rejects NaN
        raise ValueError("pyfapi.datasets.digits.load_data: test_split must be in [0, 1) "
                         f"(the fraction of each class held out for testing), received {test_split}")
    return test_split


def _check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError("pyfapi.datasets.digits.load_data: seed must be a non-negative int or None, "
                        f"received {seed!r}")
    return int(seed)


def _stratified_counts(class_sizes: list[int], test_split: float) -> list[int]:
    """Test images per class: ``ceil(test_split * total)`` in all (as scikit-learn's
    ``train_test_split``), shared in proportion to the class sizes by the largest-remainder method
    (ties to the lower class index); every class keeps at least one training image."""
    total = sum(class_sizes)
    n_test = min(math.ceil(test_split * total), total - len(class_sizes))
    exact = [test_split * n for n in class_sizes]
    counts = [math.floor(e) for e in exact]
    order = sorted(range(len(class_sizes)), key=lambda c: (-(exact[c] - counts[c]), c))
    for c in order[:max(0, n_test - sum(counts))]:
        counts[c] += 1
    return [min(k, n - 1) for k, n in zip(counts, class_sizes)]


def load_data(test_split: float = 0.2, seed: int | None = 0, layout: str = "flat"):
    """Load the bundled UCI hand-written digits, split into train and test sets.

    Args:
        test_split: fraction of the data held out for testing, in [0, 1). The split is stratified:
            ``ceil(test_split * 1797)`` test images in all (as scikit-learn's
            ``train_test_split``), each class ``c`` of ``n_c`` images giving ``floor`` or ``ceil``
            of ``test_split * n_c`` of them (largest remainders first), so both sets keep the class
            proportions. ``0.0`` gives empty test arrays.
        seed: seed of the ``numpy.random.default_rng`` that picks the test images and shuffles both
            sets; the same seed always gives the same split. ``None`` draws a fresh split.
        layout: ``"flat"`` for images as vectors of 64 pixels (row-major), ``"image"`` for
            ``(8, 8, 1)`` arrays (height, width, channels; channels_last as Keras).

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as ``keras.datasets.mnist.load_data`` does:
        ``x_*`` uint8 arrays of shape ``(n, 64)`` (flat) or ``(n, 8, 8, 1)`` (image) with pixel
        values 0..16 (scale with ``x.astype("float32") / 16`` before training); ``y_*`` uint8 arrays
        of shape ``(n,)`` with the digit 0..9. With the default ``test_split=0.2`` there are 1,437
        training and 360 test images. Fresh, writeable arrays on every call.

    Raises:
        TypeError: ``test_split`` not a real number, ``seed`` not a non-negative int or None.
        ValueError: ``test_split`` outside [0, 1); unknown ``layout``; the bundled file does not
            match its recorded SHA-256 (corrupted install).
        FileNotFoundError: the bundled file is missing (broken install).

    Source: E. Alpaydin, C. Kaynak (1998), Optical Recognition of Handwritten Digits, UCI Machine
    Learning Repository, https://doi.org/10.24432/C50P49, CC BY 4.0 (as scikit-learn ships it).
    """
    test_split = _check_test_split(test_split)
    seed = _check_seed(seed)
    if layout not in _LAYOUTS:
        raise ValueError("pyfapi.datasets.digits.load_data: layout must be one of "
                         f"{_LAYOUTS}, received {layout!r}")
    x, y = _load_all()
    rng = np.random.default_rng(seed)
    per_class = [np.flatnonzero(y == c) for c in range(NUM_CLASSES)]
    n_test = _stratified_counts([len(i) for i in per_class], test_split)
    test_idx, train_idx = [], []
    for idx, k in zip(per_class, n_test):
        idx = rng.permutation(idx)
        test_idx.append(idx[:k])
        train_idx.append(idx[k:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    shape = (-1, 64) if layout == "flat" else (-1, *IMAGE_SHAPE)
    x_train = x[train_idx].reshape(shape)
    x_test = x[test_idx].reshape(shape)
    return (x_train, y[train_idx].copy()), (x_test, y[test_idx].copy())
