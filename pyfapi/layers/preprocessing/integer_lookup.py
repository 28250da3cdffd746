"""IntegerLookup (Keras 3: keras/src/layers/preprocessing/integer_lookup.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.index_lookup import IndexLookup

__all__ = ["IntegerLookup"]


class IntegerLookup(IndexLookup):
    """Map integers to contiguous indices through a vocabulary (or back with ``invert=True``),
    as Keras 3's IntegerLookup. Same layout and arguments as StringLookup with integer tokens:
    ``oov_token`` defaults to -1, ``mask_token`` (e.g. 0) is optional, several OOV indices take
    ``token % num_oov_indices`` (Keras's "floormod"). Inputs: integer arrays (integral floats are
    accepted). Output int64 indices, or float32 encodings in the other output modes.

    Raises:
        ValueError: as StringLookup, and negative / non-integer vocabulary entries.
    """

    _vocabulary_dtype = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 output_mode="int", sparse=False, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert=False, name=None, **kwargs):
        if vocabulary is not None and not isinstance(vocabulary, str):
            import numpy as np
            v = np.asarray(vocabulary)
            if v.size and v.dtype.kind not in "iu":
                raise ValueError(f"IntegerLookup: the vocabulary must hold integers, received "
                                 f"dtype {v.dtype}")
        if mask_token is not None:
            mask_token = int(mask_token)
        if oov_token is not None:
            oov_token = int(oov_token)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, name=name, **kwargs)

    def _convert_vocab(self, vocabulary):
        return [int(v) for v in super()._convert_vocab(vocabulary)]
