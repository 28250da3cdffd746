"""``split_dataset`` as ``keras.utils.split_dataset``, for numpy data."""
from __future__ import annotations

import random

import numpy as np

__all__ = ["split_dataset"]


def _leaves(data):
    if isinstance(data, dict):
        for v in data.values():
            yield from _leaves(v)
    elif isinstance(data, (list, tuple)):
        for v in data:
            yield from _leaves(v)
    else:
        yield data


def _take(data, idx):
    if isinstance(data, dict):
        return {k: _take(v, idx) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_take(v, idx) for v in data)
    return np.asarray(data)[idx]


def _rescale(left_size, right_size, total):
    """Keras's ``_rescale_dataset_split_sizes``: sizes as sample counts."""
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, Received: "
                            f"type({name})={type(v)}.")
    if left_size is None and right_size is None:
        raise ValueError("At least one of `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the split "
                         "sizes must be non-zero.")
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if (type(v) is int and (v <= 0 or v >= total)) or \
                (type(v) is float and (v <= 0 or v >= 1)):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, "
                             f"or a float within the range `[0, 1]`. Received: {name}={v}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for split, side in ((left, "left"), (right, "right")):
        if split == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will be "
                             f"empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split samples into a left and a right part (Keras 3 ``split_dataset`` sizes and errors).

    Args:
        dataset: an array, or a tuple / list / dict of arrays sharing axis 0.
        left_size, right_size: an int (samples) or a float in (0, 1) (fraction, rounded as
            Keras); one may be None (the rest).
        shuffle: shuffle the samples first with ``random.Random(seed).shuffle`` (Keras seeds
            Python's ``random`` the same way); ``seed=None`` draws one.

    Returns:
        ``(left, right)`` with ``dataset``'s structure: the first ``left_size`` samples (of the
        shuffled order) and the next ``right_size``.

    Raises:
        TypeError / ValueError: Keras's size checks; arrays with different sample counts.
    """
    leaves = [np.asarray(a) for a in _leaves(dataset)]
    if not leaves or any(a.ndim == 0 for a in leaves):
        raise ValueError("split_dataset: `dataset` must be an array or a tuple / list / dict of "
                         "arrays with a sample axis")
    counts = {len(a) for a in leaves}
    if len(counts) != 1:
        raise ValueError(f"split_dataset: the arrays hold different numbers of samples "
                         f"{sorted(counts)}")
    total = counts.pop()
    left, right = _rescale(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(order)
    order = np.asarray(order, dtype=np.int64)
    return _take(dataset, order[:left]), _take(dataset, order[left:left + right])
