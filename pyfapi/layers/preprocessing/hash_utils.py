"""String hashes of TensorFlow's ``tf.strings.to_hash_bucket_fast`` / ``_strong``, which Keras 3's
Hashing and lookup layers use, so bins equal Keras's.

* fast: FarmHash ``Fingerprint64`` of the UTF-8 bytes, modulo ``num_bins``, computed by pyfapi's
  own C++ (csrc/preprocessing/fingerprint.cpp); the tests check it against Keras's published
  bins and against Google's FarmHash (the ``pyfarmhash`` package) on thousands of strings.
* strong (``salt``): SipHash-2-4 keyed with the two 64-bit halves of the salt (as TF's
  ``StrongKeyedHash``), here in plain Python.
"""
from __future__ import annotations

import numpy as np

__all__ = ["fingerprint64", "hash_buckets", "siphash24"]

_M = 0xFFFFFFFFFFFFFFFF


def fingerprint64(s: bytes | str) -> int:
    """FarmHash Fingerprint64 of ``s`` (str is encoded as UTF-8)."""
    from pyfapi import _C
    return int(_C.fingerprint64([s.encode("utf-8") if isinstance(s, str) else bytes(s)])[0])


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & _M


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 of ``data`` with key ``(k0, k1)`` (64-bit ints), as a 64-bit int."""
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(data)
    end = n - n % 8

    def rounds(v0, v1, v2, v3, c):
        for _ in range(c):
            v0 = (v0 + v1) & _M
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)
        return v0, v1, v2, v3
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    b = ((n & 0xFF) << 56) | int.from_bytes(data[end:], "little")
    v3 ^= b
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
    v0 ^= b
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def _as_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (int, np.integer)):
        return str(int(v)).encode()  # tf.strings.as_string of an integer
    raise TypeError(f"cannot hash a value of type {type(v).__name__}")


def hash_buckets(values, num_buckets: int, salt=None) -> np.ndarray:
    """int64 array of ``hash(value) % num_buckets`` for a numpy array of strings/bytes/ints
    (Fingerprint64, or SipHash-2-4 with ``salt = [k0, k1]``). Each distinct value is hashed
    once."""
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    flat = arr.reshape(-1)
    if flat.size == 0:
        return np.zeros(arr.shape, np.int64)
    uniq, inverse = np.unique(flat.astype(object) if flat.dtype.kind in "US" else flat,
                              return_inverse=True)
    if salt is None:
        from pyfapi import _C
        h = _C.fingerprint64([_as_bytes(u) for u in uniq.tolist()], int(num_buckets))
    else:
        k0, k1 = int(salt[0]) & _M, int(salt[1]) & _M
        h = [siphash24(k0, k1, _as_bytes(u)) % num_buckets for u in uniq]
    return np.asarray(h, np.int64)[inverse.reshape(-1)].reshape(arr.shape)
