"""``load_batch``: one pickled CIFAR batch file (Keras 3 ``keras.datasets.cifar.load_batch``)."""
from __future__ import annotations

import numpy as np

from pyfapi.datasets._files import restricted_pickle_load

__all__ = ["load_batch"]


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of a CIFAR batch: uint8 ``(n, 3, 32, 32)`` and a list of ints.

    The file is unpickled with a loader that only rebuilds numpy arrays and plain containers.

    Raises:
        ValueError: an unreadable file, a missing ``data`` / ``label_key`` entry, or data that is
            not ``n x 3072``.
    """
    try:
        with open(fpath, "rb") as f:
            d = restricted_pickle_load(f, encoding="bytes")
    except Exception as e:
        raise ValueError(f"cifar.load_batch: {fpath} is not a CIFAR batch file ({e})") from None
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    if "data" not in d or label_key not in d:
        raise ValueError(f"cifar.load_batch: {fpath} lacks 'data' or {label_key!r} (has "
                         f"{sorted(d)})")
    data = np.asarray(d["data"])
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"cifar.load_batch: {fpath} data has shape {data.shape}, expected "
                         f"(n, 3072)")
    return data.reshape(data.shape[0], 3, 32, 32), list(d[label_key])
