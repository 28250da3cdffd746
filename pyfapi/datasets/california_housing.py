"""California housing prices (20,640 samples, 8 features) as
``keras.datasets.california_housing``."""
from __future__ import annotations

from pyfapi.datasets._files import load_npz, locate, shuffle_split

__all__ = ["load_data"]


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``((x_train, y_train), (x_test, y_test))``; ``version="small"`` keeps the first 600
    samples (Keras 3), then the shuffle / split of :func:`boston_housing.load_data`.

    Raises:
        ValueError: an unknown ``version``; ``test_split`` outside [0, 1); a malformed file.
        ConnectionError: not cached and offline.
    """
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: "
                         f"version={version}")
    f = load_npz(locate(path, "california_housing.npz",
                        "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
                        "california_housing.load_data"), ("x", "y"),
                 "california_housing.load_data")
    x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed, "california_housing.load_data")
