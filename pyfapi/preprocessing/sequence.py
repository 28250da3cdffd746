"""``keras.preprocessing.sequence``: :func:`pad_sequences`."""
from pyfapi.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
