"""How one batch is handed to a model's ``train_step(data)`` / ``test_step`` / ``predict_step``
(Keras 3 ``keras.utils.pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``):

* ``x`` alone when there is no ``y`` and ``x`` is not a tuple/list, else ``(x,)``;
* ``(x, y)``; ``(x, y, sample_weight)`` when sample weights are given.
"""
from __future__ import annotations

__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``(x, y, sample_weight)`` packed as one step's ``data`` (Keras 3 rules, see the module)."""
    if y is None:
        if not isinstance(x, (tuple, list)):
            return x
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``data`` -> ``(x, y, sample_weight)`` (missing parts None; a list is read as a tuple).

    Raises:
        ValueError: a tuple of more than 3 elements (Keras 3's message).
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")
