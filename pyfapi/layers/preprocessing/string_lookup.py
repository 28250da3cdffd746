"""StringLookup (Keras 3: keras/src/layers/preprocessing/string_lookup.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.index_lookup import IndexLookup

__all__ = ["StringLookup"]


class StringLookup(IndexLookup):
    """Map strings to integer indices through a vocabulary (or indices back to strings with
    ``invert=True``), as Keras 3's StringLookup, on numpy str / bytes / object arrays.

    Indices: ``0`` is the mask (when ``mask_token`` is set and output_mode is "int"), then
    ``num_oov_indices`` OOV buckets (several buckets: FarmHash of the token, as Keras), then the
    vocabulary in order.

    Args:
        max_tokens: maximum vocabulary size including mask and OOV (None: unlimited).
        num_oov_indices: number of OOV indices (default 1; 0 makes an OOV input an error).
        mask_token: token mapped to 0 (int mode) / dropped (other modes); default None.
        oov_token: token returned for OOV indices by ``invert`` (default "[UNK]").
        vocabulary: list / array / path to a text file (one token per line).
        idf_weights: idf weights (tf_idf mode with a given vocabulary).
        invert: map indices to tokens.
        output_mode: "int" (int64 indices of the input's shape), "one_hot", "multi_hot",
            "count" or "tf_idf" (float32, last axis the vocabulary size or max_tokens).
        pad_to_max_tokens: encodings of width max_tokens. sparse: must be False.
        encoding: text encoding of bytes inputs (default "utf-8").

    State: a vocabulary learned by ``adapt`` is saved as the asset ``vocabulary.txt`` of
    ``.keras`` archives (as Keras); a given vocabulary is in the config.

    Raises:
        ValueError: bad arguments; an empty, repeated or too large vocabulary; a misplaced mask /
            OOV token; calling in a non-int mode before a vocabulary exists; an OOV input with
            ``num_oov_indices=0``; numeric inputs.
    """

    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, name=name,
                         **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
