"""Boston housing prices (506 samples, 13 features) as ``keras.datasets.boston_housing``."""
from __future__ import annotations

from pyfapi.datasets._files import load_npz, locate, shuffle_split

__all__ = ["load_data"]


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``((x_train, y_train), (x_test, y_test))``: shuffled with ``RandomState(seed)``, the first
    ``1 - test_split`` for training (Keras 3).

    Raises:
        ValueError: ``test_split`` outside [0, 1); a malformed file (keys ``x``, ``y``).
        ConnectionError: not cached and offline.
    """
    f = load_npz(locate(path, "boston_housing.npz",
                        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
                        "boston_housing.load_data"), ("x", "y"), "boston_housing.load_data")
    return shuffle_split(f["x"], f["y"], test_split, seed, "boston_housing.load_data")
