"""Hashing (Keras 3: keras/src/layers/preprocessing/hashing.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.preprocessing.base_preprocessing import PreprocessingLayer, to_numpy
from pyfapi.layers.preprocessing.encoding_utils import (
    check_output_mode,
    encode_categorical,
)
from pyfapi.layers.preprocessing.hash_utils import hash_buckets

__all__ = ["Hashing"]


class Hashing(PreprocessingLayer):
    """Hash strings or integers into ``num_bins`` bins: FarmHash Fingerprint64 of the UTF-8 bytes
    (integers: of their decimal text; floats are truncated to int64 first) modulo the number of
    bins, or SipHash-2-4 keyed by ``salt`` -- the bins Keras (TensorFlow's
    ``to_hash_bucket_fast`` / ``_strong``) gives.

    Args:
        num_bins: number of bins (with ``mask_value``, bin 0 is the mask and values hash into
            ``1 .. num_bins - 1``).
        mask_value: value mapped to bin 0 (optional).
        salt: int or pair of ints: keyed (strong) hashing.
        output_mode: "int" (int64 bins, input shape), "one_hot", "multi_hot" or "count"
            (float32, last axis ``num_bins``).
        sparse: must be False.

    Raises:
        ValueError: num_bins None or <= 0, a bad salt / output_mode / dtype, sparse=True.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or isinstance(num_bins, bool) or num_bins <= 0:
            raise self._err(f"the `num_bins` for `Hashing` cannot be `None` or non-positive "
                            f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise self._err(f'when `output_mode="int"`, `dtype` should be an integer type, '
                            f"'int32' or 'int64'. Received: dtype={self.dtype}")
        check_output_mode(f"Hashing '{self.name}'", output_mode,
                          ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise self._err("`sparse=True` is not supported (pyfapi has no sparse tensors).")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = False
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
                    isinstance(s, (int, np.integer)) for s in salt):
                self.salt = [int(s) for s in salt]
            elif isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
                self.salt = [int(salt), int(salt)]
            else:
                raise self._err(f"the `salt` argument for `Hashing` can only be a tuple of size 2 "
                                f"integers, or a single integer. Received: salt={salt}.")
        self.built = True

    def _bins(self, values):
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        if values.dtype.kind not in "iuUSO" or values.dtype.kind == "b":
            raise self._err(f"expected string or integer inputs, received dtype {values.dtype}")
        out = hash_buckets(values, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs):
        """Bins (``dtype``, int64 by default) or their encoding."""
        x = _as_array(inputs)
        if self.output_mode == "one_hot" and x.ndim and x.shape[-1] == 1:
            x = x[..., 0]
        idx = self._bins(x)
        return encode_categorical(idx, self.output_mode, self.num_bins, dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype)

    def get_config(self):
        """Keras keys: num_bins, salt, mask_value, output_mode, sparse (+ name, dtype)."""
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config


def _as_array(inputs):
    if isinstance(inputs, (list, tuple)):
        arr = np.asarray(inputs, dtype=object)
        if arr.dtype == object and arr.size and not isinstance(arr.reshape(-1)[0], (str, bytes)):
            arr = np.asarray(inputs)
        return arr
    if isinstance(inputs, (str, bytes)):
        return np.asarray(inputs, dtype=object)
    return to_numpy(inputs)
