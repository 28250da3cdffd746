"""IndexLookup: the shared engine of StringLookup, IntegerLookup and TextVectorization (Keras 3:
keras/src/layers/preprocessing/index_lookup.py), on numpy arrays and Python dicts.

Index layout (Keras's): ``[mask (int mode with a mask token)] [OOV x num_oov_indices] [tokens]``.
``adapt`` counts tokens and keeps the most frequent ones, ties broken by the token in DESCENDING
order (Keras: ``np.lexsort((tokens, counts))[::-1]``), truncated to ``max_tokens``.
"""
from __future__ import annotations

import collections
import os

import numpy as np

from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.preprocessing.base_preprocessing import (
    PreprocessingLayer,
    iter_adapt_batches,
    to_numpy,
)
from pyfapi.layers.preprocessing.encoding_utils import (
    check_output_mode,
    encode_categorical,
)
from pyfapi.layers.preprocessing.hash_utils import hash_buckets

__all__ = ["IndexLookup", "as_string_array"]


def as_string_array(x, encoding="utf-8"):
    """Strings (list, str, bytes, numpy U/S/object array, nested lists) as a numpy object array of
    ``str`` (bytes decoded)."""
    if isinstance(x, (str, bytes)):
        x = [x]
        arr = np.empty(1, dtype=object)
        arr[0] = x[0]
    elif isinstance(x, np.ndarray):
        arr = x
    else:
        arr = np.asarray(to_numpy(x) if not isinstance(x, (list, tuple)) else x, dtype=object)
    if arr.dtype.kind == "S" or (arr.dtype == object and arr.size and any(
            isinstance(v, bytes) for v in arr.reshape(-1)[:1])):
        flat = [v.decode(encoding) if isinstance(v, bytes) else v for v in arr.reshape(-1)]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(arr.shape)
    if arr.dtype.kind == "U":
        return arr.astype(object)
    return arr


class IndexLookup(PreprocessingLayer):
    """Map tokens to indices (or back with ``invert=True``) through a vocabulary.

    Subclasses fix ``vocabulary_dtype`` ("string" / "int64"). See StringLookup for the arguments.
    """

    #: saving: named state through save_own_variables / load_own_variables (idf_weights)
    _keras_own_variables = True

    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, name=None, **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("oov_method", None)
        salt = kwargs.pop("salt", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        cls = type(self).__name__
        where = f"{cls} '{self.name}'"
        if max_tokens is not None and max_tokens <= 1:
            raise self._err(f"if set, `max_tokens` must be greater than 1. Received: "
                            f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise self._err(f"if pad_to_max_tokens is True, must set `max_tokens`. Received: "
                            f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise self._err(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                            f"num_oov_indices={num_oov_indices}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        check_output_mode(where, output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if invert and output_mode != "int":
            raise self._err(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                            f"output_mode={output_mode}")
        if sparse:
            raise self._err("`sparse=True` is not supported (pyfapi has no sparse tensors).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise self._err(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                            f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise self._err(f"the `salt` argument can only be a tuple of 2 integers, or a "
                                f"single integer. Received: salt={salt}.")
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.salt = salt
        self.vocabulary_dtype = self._vocabulary_dtype
        self._frozen_vocab_size = vocabulary_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = vocabulary is not None
        self._tokens = None          # learned / set tokens, without special tokens
        self._index = {}             # token -> index
        self.idf_weights = None      # float32 (vocabulary_size,) in tf_idf mode
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise self._err("when specifying the `vocabulary` argument, in TF-IDF output mode, "
                            "the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self._reset_counts()
        self.built = True

    # ---- vocabulary ----------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """Size of the vocabulary including the mask and OOV indices."""
        return self._token_start_index() + (len(self._tokens) if self._tokens is not None else 0)

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list (index i holds the token of index i with the special tokens)."""
        vocab = ([self.mask_token] * self._oov_start_index()
                 + [self.oov_token] * self.num_oov_indices + list(self._tokens or []))
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return [self._plain(v) for v in vocab]

    @staticmethod
    def _plain(v):
        if isinstance(v, np.generic):
            return v.item()
        return v

    def _convert_vocab(self, vocabulary):
        if isinstance(vocabulary, np.ndarray) or hasattr(vocabulary, "numpy"):
            vocabulary = to_numpy(vocabulary).reshape(-1).tolist()
        vocabulary = list(vocabulary)
        if self.vocabulary_dtype == "string":
            return [v.decode("utf-8") if isinstance(v, bytes) else v for v in vocabulary]
        return vocabulary

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (list / array / path of a text file with one token per line) and,
        in tf_idf mode, the idf weights. A vocabulary may start with the special tokens in
        Keras's order (mask, OOV...); they are then recognized and not repeated.

        Raises:
            ValueError: empty or repeated vocabulary, misplaced mask / OOV token, more tokens
                than max_tokens, missing / misplaced idf_weights.
        """
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise self._err("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise self._err(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                            f"Received: output_mode={self.output_mode} and "
                            f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if not os.path.exists(vocabulary):
                raise self._err(f"Vocabulary file {vocabulary} does not exist.")
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        vocabulary = self._convert_vocab(vocabulary)
        if len(vocabulary) == 0:
            raise self._err(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        token_start = self._token_start_index()
        special = ([self.mask_token] * self._oov_start_index()
                   + [self.oov_token] * self.num_oov_indices)
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        counts = collections.Counter(tokens)
        repeated = [t for t, c in counts.items() if c > 1]
        if repeated:
            raise self._err(f"The passed vocabulary has at least one repeated term. Please "
                            f"uniquify your dataset. The repeated terms are: {repeated}")
        if self.mask_token is not None and self.mask_token in counts:
            raise self._err(f"Found reserved mask token at unexpected location in `vocabulary`. "
                            f"Note that passed `vocabulary` does not need to include the OOV and "
                            f"mask tokens. Either remove all mask and OOV tokens, or include them "
                            f"only at the start of the vocabulary in precisely this order: "
                            f"{special}. Received: mask_token={self.mask_token}")
        if self.oov_token is not None and self.invert and self.oov_token in counts:
            raise self._err(f"Found reserved OOV token at unexpected location in `vocabulary`. "
                            f"Include it only at the start of the vocabulary in precisely this "
                            f"order: {special}. Received: oov_token={self.oov_token}")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise self._err(f"Attempted to set a vocabulary larger than the maximum vocab size. "
                            f"Received vocabulary size is {new_size}; `max_tokens` is "
                            f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            w = np.asarray(to_numpy(idf_weights) if not isinstance(idf_weights, (list, tuple))
                           else idf_weights, dtype=np.float64)
            if len(vocabulary) != len(w):
                raise self._err(f"`idf_weights` must be the same length as vocabulary. "
                                f"len(idf_weights) is {len(w)}; len(vocabulary) is "
                                f"{len(vocabulary)}")
            if w.ndim != 1:
                raise self._err("TF-IDF data must be a 1-index array.")
            front, front_value = (0, 0) if found_special else (token_start, np.average(w))
            back = (self.max_tokens - front - len(w)) if (
                self.pad_to_max_tokens and self.max_tokens is not None) else 0
            self.idf_weights = np.pad(w, (front, back), "constant",
                                      constant_values=(front_value, 0)).astype(np.float32)
        self._frozen_vocab_size = self.vocabulary_size()

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._inverse = np.empty(self.vocabulary_size(), dtype=object)
        self._inverse[:] = [self.oov_token] * start + self._tokens
        if self.mask_token is not None and self._oov_start_index():
            self._inverse[0] = self.mask_token

    # ---- adapt -------------------------------------------------------------------------------
    def _reset_counts(self):
        self._token_counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and, in tf_idf mode, document frequencies) from ``data``: an
        array / list of tokens (each element of a rank-1 array is one document), or an iterable
        of batches.

        Raises:
            ValueError: the layer was given a fixed vocabulary.
        """
        if self._has_input_vocabulary:
            raise self._err(f"Cannot adapt layer '{self.name}' after setting a static vocabulary "
                            f"via `vocabulary` argument or `set_vocabulary()` method.")
        self._reset_counts()
        single = isinstance(data, (list, tuple, np.ndarray)) and not (
            isinstance(data, list) and data and hasattr(data[0], "shape"))
        for batch in iter_adapt_batches(self, data, batch_size=batch_size, steps=steps):
            batch = self._prepare_values(batch)
            if batch.ndim == 0:
                batch = batch.reshape(1)
            if batch.ndim == 1:
                batch = batch.reshape(-1, 1) if single else batch.reshape(1, -1)
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Add the tokens of ``data`` (rows are documents) to the counts."""
        data = np.asarray(data)
        flat = data.reshape(-1)
        self._token_counts.update(flat.tolist())
        if self.output_mode == "tf_idf":
            rows = data.reshape(data.shape[0], -1) if data.ndim > 1 else data.reshape(1, -1)
            for row in rows:
                self._doc_counts.update(set(row.tolist()))
            self._num_documents += rows.shape[0]

    def _add_counts(self, counter, doc_counter=None, num_docs=0):
        """Merge precomputed counts (used by TextVectorization)."""
        self._token_counts.update(counter)
        if doc_counter is not None:
            self._doc_counts.update(doc_counter)
            self._num_documents += num_docs

    def finalize_state(self):
        """Turn the counts into the vocabulary (most frequent first, ties: token descending)."""
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        if not counts:
            if self._tokens is None:
                self._set_tokens([])
            self._frozen_vocab_size = self.vocabulary_size()
            return
        # count descending, then token descending (Keras's lexsort reversed)
        items = sorted(counts.items(), key=lambda kv: (kv[1], self._sort_key(kv[0])),
                       reverse=True)
        if self.max_tokens:
            items = items[:self.max_tokens - self._token_start_index()]
        tokens = [t for t, _ in items]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            n = self._num_documents
            dc = np.array([self._doc_counts.get(t, 0) for t in tokens], dtype=np.float64)
            idf = np.log(1 + n / (1 + dc)).astype(np.float32)
            idf = np.pad(idf, (self._token_start_index(), 0),
                         constant_values=np.mean(idf) if idf.size else 0.0)
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size), constant_values=0)
            self.idf_weights = idf.astype(np.float32)
        self._reset_counts()
        self._frozen_vocab_size = self.vocabulary_size()

    def _sort_key(self, token):
        if isinstance(token, str):
            return token.encode("utf-8")  # TF sorts the UTF-8 bytes
        return token

    # ---- call --------------------------------------------------------------------------------
    def _prepare_values(self, x):
        """Inputs as a numpy array of the vocabulary dtype (object array of str for strings)."""
        if self.vocabulary_dtype == "string" and not self.invert:
            arr = as_string_array(x)
            if arr.dtype.kind in "biuf" and arr.size:
                raise self._err(f"expected string inputs, received an array of dtype {arr.dtype}")
            return arr
        arr = to_numpy(x) if not isinstance(x, (list, tuple, int)) else np.asarray(x)
        if arr.dtype.kind == "f":
            if arr.size and not np.all(np.floor(arr) == arr):
                raise self._err("expected integer inputs, received non-integer floats")
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            raise self._err(f"expected integer inputs, received an array of dtype {arr.dtype}")
        return arr.astype(np.int64)

    def _ensure_vocab(self):
        if self._tokens is None:
            if self.output_mode == "int" or self.pad_to_max_tokens:
                self._set_tokens([])
                return
            raise self._err(f"When using `output_mode={self.output_mode}` and "
                            f"`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                            f"before calling it. Either pass a `vocabulary` argument to the "
                            f"layer, or call `adapt` with some sample data.")

    def lookup(self, values):
        """int64 indices of a numpy array of tokens (mask -> 0 / dropped, OOV -> OOV buckets)."""
        flat = values.reshape(-1)
        if flat.size == 0:
            return np.zeros(values.shape, np.int64)
        get = self._index.get
        items = flat.tolist()
        try:
            out = np.fromiter((get(u, -1) for u in items), dtype=np.int64, count=len(items))
        except TypeError:  # unhashable entries
            raise self._err("inputs hold values that are not tokens") from None
        oov = out == -1
        if self.mask_token is not None:
            is_mask = flat == self.mask_token
            oov &= ~is_mask
        else:
            is_mask = None
        if oov.any():
            if self.num_oov_indices == 0:
                bad = np.unique(flat[oov])[:5].tolist()
                raise self._err(f"When `num_oov_indices=0` all inputs should be in vocabulary, "
                                f"found OOV values {bad}, consider setting "
                                f"`num_oov_indices=1`.")
            start = self._oov_start_index()
            if self.num_oov_indices == 1:
                out[oov] = start
            else:
                vals = flat[oov]
                if self.vocabulary_dtype != "string" and self.salt is None and \
                        getattr(self, "oov_method", "floormod") != "farmhash":
                    b = np.mod(vals.astype(np.int64), self.num_oov_indices)
                else:
                    b = hash_buckets(vals, self.num_oov_indices, self.salt)
                out[oov] = start + b
        if is_mask is not None:
            out[is_mask] = 0 if self.output_mode == "int" else -1
        return out.reshape(values.shape)

    def call(self, inputs):
        """Indices (int64) or their encoding (float32); with ``invert``, tokens (object array)."""
        self._ensure_vocab()
        x = self._prepare_values(inputs)
        if self.invert:
            size = self.vocabulary_size()
            if x.size and (x.min() < 0):
                raise self._err(f"invert=True expects indices >= 0, received {x.min()}")
            # indices beyond the vocabulary give the OOV token (Keras's default value)
            safe = np.where(x < size, x, 0)
            out = self._inverse[safe] if size else np.full(x.shape, self.oov_token, object)
            if size:
                out = np.where(x < size, out, self.oov_token)
            if self.mask_token is not None:
                out = np.where(x == 0, self.mask_token, out)
            if self.vocabulary_dtype != "string":
                return out.astype(np.int64)
            return out.astype(object)
        idx = self.lookup(x)
        if self.output_mode == "int":
            return idx
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode_categorical(idx, mode, depth, dtype="float32")
        if self.output_mode == "tf_idf":
            if self.idf_weights is None:
                raise self._err("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                                "provided.")
            out = (out * self.idf_weights[:depth]).astype(np.float32)
        return out

    # ---- shapes / config / saving ------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs, **kwargs):
        if self.output_mode == "int":
            dtype = self.vocabulary_dtype if self.invert else "int64"
        else:
            dtype = "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def _check_input(self, first):
        pass

    def get_config(self):
        """Keras 3 keys (vocabulary: the one given to the constructor; an adapted vocabulary is
        saved as an asset ``vocabulary.txt``)."""
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": "floormod", "salt": self.salt,
        })
        return config

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.built = True

    def save_own_variables(self, store):
        """Keras: the idf weights (tf_idf mode only), key ``idf_weights``."""
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights, np.float32)

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], np.float32)

    def save_assets(self, dir_path):
        """Keras: an adapted vocabulary (with special tokens) as ``vocabulary.txt``."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        if not values:
            return
        self._has_input_vocabulary = False
        idf = self.idf_weights
        self._tokens = None
        self.set_vocabulary(values, idf_weights=idf if self.output_mode == "tf_idf" else None)
        if self.output_mode == "tf_idf" and idf is not None:
            self.idf_weights = idf


def _listify(v):
    if v is None:
        return None
    if isinstance(v, np.ndarray) or hasattr(v, "numpy"):
        return to_numpy(v).tolist()
    return list(v) if isinstance(v, tuple) else v
