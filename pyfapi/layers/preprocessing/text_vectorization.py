"""TextVectorization (Keras 3: keras/src/layers/preprocessing/text_vectorization.py)."""
from __future__ import annotations

import collections
import re
import string

import numpy as np

from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.preprocessing.base_preprocessing import (
    PreprocessingLayer,
    iter_adapt_batches,
    to_numpy,
)
from pyfapi.layers.preprocessing.index_lookup import as_string_array
from pyfapi.layers.preprocessing.string_lookup import StringLookup

__all__ = ["TextVectorization"]

# tf.strings.lower (no encoding) lowers ASCII letters only; Keras's punctuation regex
# [!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\'] is exactly string.punctuation.
_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_STRIP = {ord(c): None for c in string.punctuation}
_LOWER_STRIP = {**_LOWER, **_STRIP}
_TABLES = {"lower": _LOWER, "strip_punctuation": _STRIP,
           "lower_and_strip_punctuation": _LOWER_STRIP}
# tf.strings.split without a separator splits on ASCII whitespace runs (absl::ascii_isspace)
_WS = re.compile(r"[ \t\n\r\f\v]+")
# The same on UTF-8 bytes (adapt's fast path): ASCII bytes never occur inside a multi-byte UTF-8
# sequence, so lowering A-Z, deleting string.punctuation and bytes.split() (ASCII whitespace, as
# TensorFlow) on the encoded text give exactly TensorFlow's tokens.
_LOWER_B = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_BYTE_TABLES = {None: (None, b""), "lower": (_LOWER_B, b""),
                "strip_punctuation": (None, string.punctuation.encode()),
                "lower_and_strip_punctuation": (_LOWER_B, string.punctuation.encode())}


class TextVectorization(PreprocessingLayer):
    """Turn raw strings into token ids or bag-of-words vectors (Keras 3's TextVectorization).

    Pipeline per string: standardize (default ``lower_and_strip_punctuation``: ASCII letters
    lowered -- as TensorFlow's ``tf.strings.lower`` -- and the characters of
    ``string.punctuation`` removed, Keras's regex), split (``"whitespace"``: runs of ASCII
    whitespace; ``"character"``: unicode code points; None; or a callable taking a numpy array of
    str and returning one token list per string), ngrams (``ngrams=2`` -> unigrams then
    bigrams joined by a space), then a StringLookup with mask token "" (index 0 = padding,
    1 = OOV "[UNK]").

    Args:
        max_tokens: vocabulary size limit including padding and OOV.
        standardize: None, "lower_and_strip_punctuation", "lower", "strip_punctuation" or a
            callable (numpy array of str -> array of str).
        split: None, "whitespace", "character" or a callable.
        ngrams: None, an int n (1..n) or a tuple of widths.
        output_mode: "int" (int64 ``(batch, length)`` padded with 0 to the longest row, or to
            ``output_sequence_length``: truncated / padded), "multi_hot", "count", "tf_idf" or
            "one_hot" (float32 ``(batch, vocabulary size)``).
        output_sequence_length: int mode only.
        pad_to_max_tokens: width max_tokens for the vector modes.
        vocabulary, idf_weights: a fixed vocabulary (list or file path) and its idf weights.
        ragged, sparse: must be False. encoding: of bytes inputs (default utf-8).

    Inputs: ``(batch,)`` or ``(batch, 1)`` strings (numpy str / bytes / object arrays or lists).

    Raises:
        ValueError: an unknown standardize / split / output_mode, bad ngrams,
            ``output_sequence_length`` with a non-int mode, inputs of rank > 1 whose last axis
            is not 1, numeric inputs; vocabulary errors as StringLookup.
    """

    _keras_own_variables = True  # idf_weights saved by save_own_variables, as Keras

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        kwargs.pop("has_input_vocabulary", None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        if isinstance(standardize, dict):
            raise self._err(f"a serialized custom `standardize` function cannot be restored; "
                            f"pass it with custom_objects. Received: {standardize}")
        if not (standardize is None or callable(standardize) or standardize in _TABLES):
            raise self._err(f"invalid value for argument `standardize`. Expected one of "
                            f"{list(_TABLES)}, None or a callable. Received: "
                            f"standardize={standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise self._err(f"invalid value for argument `split`. Expected one of "
                            f"['whitespace', 'character'], None or a callable. Received: "
                            f"split={split!r}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise self._err(f"invalid value for argument `output_mode`. Expected one of "
                            f"['int', 'one_hot', 'multi_hot', 'count', 'tf_idf']. Received: "
                            f"output_mode={output_mode!r}")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool)
                                   and ngrams >= 1)
                or (isinstance(ngrams, tuple) and ngrams
                    and all(isinstance(i, int) and i >= 1 for i in ngrams))):
            raise self._err(f"`ngrams` must be None, an integer, or a tuple of integers. "
                            f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or (
                isinstance(output_sequence_length, int)
                and not isinstance(output_sequence_length, bool)
                and output_sequence_length >= 0)):
            raise self._err(f"`output_sequence_length` must be either None or an integer when "
                            f"`output_mode` is 'int'. Received: "
                            f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise self._err(f"`output_sequence_length` must not be set if `output_mode` is not "
                            f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged:
            raise self._err("`ragged=True` is not supported (pyfapi has no ragged tensors).")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = False
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")
        self.built = True

    # ---- text pipeline ----------------------------------------------------------------------
    def _standardize_array(self, strings):
        if self._standardize is None:
            return strings
        if callable(self._standardize):
            res = np.asarray(self._standardize(np.asarray(strings.tolist(), dtype=str)
                                               if strings.size else strings.astype(str)))
            return as_string_array(res)
        table = _TABLES[self._standardize]
        out = np.empty(strings.shape, dtype=object)
        out.reshape(-1)[:] = [s.translate(table) for s in strings.reshape(-1).tolist()]
        return out

    def _tokenize(self, strings):
        """list (one per string) of token lists."""
        items = strings.reshape(-1).tolist()
        if self._split is None:
            toks = [[s] for s in items]
        elif self._split == "whitespace":
            split = _WS.split
            toks = [[t for t in split(s) if t] for s in items]
        elif self._split == "character":
            toks = [list(s) for s in items]
        else:
            res = self._split(np.asarray(items, dtype=object))
            toks = [[t.decode(self._encoding) if isinstance(t, bytes) else str(t)
                     for t in to_numpy(r).reshape(-1).tolist()] if not isinstance(r, list)
                    else [t.decode(self._encoding) if isinstance(t, bytes) else t for t in r]
                    for r in res]
        if self._ngrams is not None:
            toks = [_ngrams(t, self._ngrams) for t in toks]
        return toks

    def _preprocess(self, inputs):
        x = as_string_array(inputs, self._encoding)
        if x.dtype != object or (x.size and not isinstance(x.reshape(-1)[0], str)):
            raise self._err(f"expected string inputs, received an array of dtype {x.dtype}")
        if x.ndim == 0:
            x = x.reshape(1)
        if x.ndim > 1:
            if x.shape[-1] != 1 or x.ndim > 2:
                raise self._err(f"When using `TextVectorization` to tokenize strings, the input "
                                f"rank must be 1 or the last shape dimension must be 1. "
                                f"Received: inputs.shape={x.shape} with rank={x.ndim}")
            x = x[..., 0]
        if x.ndim > 1:
            raise self._err(f"expected inputs of shape (batch,) or (batch, 1), received shape "
                            f"{x.shape}")
        return self._tokenize(self._standardize_array(x))

    # ---- adapt -------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (most frequent tokens first, ties: token descending; with
        tf_idf the document frequencies) from strings: an array / list (one document per
        element) or an iterable of batches."""
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise self._err(f"Cannot adapt layer '{self.name}' after setting a static vocabulary "
                            f"via `vocabulary` argument or `set_vocabulary()` method.")
        lookup._reset_counts()
        tfidf = self._output_mode == "tf_idf"
        for batch in iter_adapt_batches(self, data, batch_size=batch_size, steps=steps):
            self.update_state(batch, _tfidf=tfidf)
        self.finalize_state()

    def update_state(self, data, _tfidf=None):
        """Count the tokens of a batch of strings."""
        tfidf = _tfidf if _tfidf is not None else self._output_mode == "tf_idf"
        if not tfidf and self._ngrams is None and self._split == "whitespace" and (
                self._standardize is None or isinstance(self._standardize, str)):
            # counts only: standardize and split the whole batch as one UTF-8 text (C loops)
            x = as_string_array(data, self._encoding)
            if x.dtype == object and (x.size == 0 or isinstance(x.reshape(-1)[0], str)):
                if x.ndim > 1 and (x.shape[-1] != 1 or x.ndim > 2):
                    self._preprocess(x)  # raises the shape error
                table, delete = _BYTE_TABLES[self._standardize]
                text = "\n".join(x.reshape(-1).tolist()).encode("utf-8", "surrogatepass")
                counts = collections.Counter(text.translate(table, delete).split())
                self._lookup_layer._add_counts(
                    {k.decode("utf-8", "surrogatepass"): v for k, v in counts.items()})
                return
        toks = self._preprocess(data)
        counter = collections.Counter()
        for t in toks:
            counter.update(t)
        if _tfidf if _tfidf is not None else self._output_mode == "tf_idf":
            docs = collections.Counter()
            for t in toks:
                docs.update(set(t))
            self._lookup_layer._add_counts(counter, docs, len(toks))
        else:
            self._lookup_layer._add_counts(counter)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer._reset_counts()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary (index i = token id i: "" padding, "[UNK]" OOV, then tokens)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """Vocabulary size including padding and OOV."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (list, array or file path) and idf weights (tf_idf)."""
        self._lookup_layer._has_input_vocabulary = False
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---- call --------------------------------------------------------------------------------
    def call(self, inputs):
        """Token ids (int64 ``(batch, length)``) or vectors (float32 ``(batch, depth)``)."""
        toks = self._preprocess(inputs)
        lookup = self._lookup_layer
        lookup._ensure_vocab()
        n = len(toks)
        if self._output_mode == "int":
            lengths = [len(t) for t in toks]
            width = self._output_sequence_length
            if width is None:
                width = max(lengths, default=0)
            flat = np.empty(sum(lengths), dtype=object)
            flat[:] = [w for t in toks for w in t]
            ids = lookup.lookup(flat)
            out = np.zeros((n, width), np.int64)
            pos = 0
            for i, ln in enumerate(lengths):
                k = min(ln, width)
                out[i, :k] = ids[pos:pos + k]
                pos += ln
            return out
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        out = np.zeros((n, depth), np.float32)
        lengths = [len(t) for t in toks]
        flat = np.empty(sum(lengths), dtype=object)
        flat[:] = [w for t in toks for w in t]
        ids = lookup.lookup(flat)
        rows = np.repeat(np.arange(n), lengths)
        keep = (ids >= 0) & (ids < depth)
        if self._output_mode == "one_hot":
            if any(ln != 1 for ln in lengths):
                raise self._err("output_mode='one_hot' needs exactly one token per input "
                                "(use split=None)")
            out[rows[keep], ids[keep]] = 1.0
            return out
        if self._output_mode == "multi_hot":
            out[rows[keep], ids[keep]] = 1.0
            return out
        np.add.at(out, (rows[keep], ids[keep]), 1.0)
        if self._output_mode == "tf_idf":
            if lookup.idf_weights is None:
                raise self._err("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                                "provided.")
            out *= lookup.idf_weights[:depth]
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        return (input_shape[0] if input_shape else None, depth)

    def compute_output_spec(self, inputs, **kwargs):
        dtype = "int64" if self._output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def _check_input(self, first):
        pass

    # ---- config / saving ---------------------------------------------------------------------
    def get_config(self):
        """Keras 3 keys; a learned vocabulary goes to the asset ``vocabulary.txt``."""
        lookup = self._lookup_layer
        config = super().get_config()
        config.update({
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize if not callable(self._standardize)
            else _fn_name(self._standardize),
            "split": self._split if not callable(self._split) else _fn_name(self._split),
            "ngrams": list(self._ngrams_arg) if isinstance(self._ngrams_arg, tuple)
            else self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": False,
            "vocabulary": lookup.get_config()["vocabulary"],
            "idf_weights": lookup.get_config()["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size() if lookup._tokens is not None else None,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.built = True

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)


def _fn_name(fn):
    from pyfapi.layers.layer_utils import serialize_object
    try:
        return serialize_object(fn)
    except Exception:  # noqa: BLE001
        return getattr(fn, "__name__", repr(fn))


def _ngrams(tokens, widths):
    out = []
    for n in widths:
        if n == 1:
            out.extend(tokens)
        else:
            out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out
