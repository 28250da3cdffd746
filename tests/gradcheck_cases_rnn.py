"""Gradcheck cases for the rnn family's ops (lstm, gru, simple_rnn, batch norm, embedding), merged into CASES by
tests/gradcheck_cases.py.

These ops compute in float32 in C++ (float64 callers get float64 arrays of float32 precision),
so the central differences use eps = 1e-2 (float32 rounding noise ~1e-7 |f| / eps stays
below 1e-4; truncation error O(eps^2) likewise) and tolerances of a few 1e-4.
"""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.ops.rnn import gate_projection as _gate_projection

_rng = np.random.default_rng(4321)
_F32 = {"eps": 1e-2, "atol": 5e-4, "rtol": 2e-3}


def r(*shape, scale=1.0):
    return _rng.standard_normal(shape) * scale


def pos(*shape):
    return _rng.uniform(0.5, 2.0, shape)


def _lstm(return_sequences, with_state):
    if with_state:
        return lambda x, w, u, b, h0, c0: ops.lstm(x, w, u, b, initial_state=[h0, c0],
                                                   return_sequences=return_sequences)
    return lambda x, w, u, b: ops.lstm(x, w, u, b, return_sequences=return_sequences)


CASES = {
    "lstm": [
        (_lstm(False, False), [r(2, 3, 3), r(3, 8, scale=0.5), r(2, 8, scale=0.5), r(8, scale=0.5)], _F32),
        (_lstm(True, True), [r(2, 3, 2), r(2, 12, scale=0.5), r(3, 12, scale=0.5), r(12, scale=0.5),
                             r(2, 3), r(2, 3)], _F32),
        (lambda x, w, u: ops.lstm(x, w, u, None, return_sequences=True),
         [r(1, 1, 2), r(2, 4), r(1, 4)], _F32),
        (lambda x, w, u, b: ops.lstm(x, w, u, b, mask=np.array([[1, 0, 1], [0, 1, 1]])),
         [r(2, 3, 2), r(2, 8, scale=0.5), r(2, 8, scale=0.5), r(8, scale=0.5)], _F32),
        (lambda x, w, u, b: ops.lstm(x, w, u, b, return_sequences=True, activation="sigmoid",
                                     recurrent_activation="linear"),
         [r(2, 3, 2), r(2, 8, scale=0.5), r(2, 8, scale=0.5), r(8, scale=0.5)], _F32),
        # per-gate recurrent-dropout masks; a projected input (kernel None)
        (lambda x, w, u, b: ops.lstm(x, w, u, b, return_sequences=True,
                                     recurrent_masks=np.array([1.25, 0.0, 1.25, 1.25])[:, None, None]
                                     * np.ones((4, 2, 2))),
         [r(2, 3, 2), r(2, 8, scale=0.5), r(2, 8, scale=0.5), r(8, scale=0.5)], _F32),
        (lambda xp, u, b, h0, c0: ops.lstm(xp, None, u, b, initial_state=[h0, c0],
                                           mask=np.array([[1, 1, 0], [0, 1, 1]]),
                                           recurrent_masks=np.full((4, 2, 2), 1.5)),
         [r(2, 3, 8), r(2, 8, scale=0.5), r(8, scale=0.5), r(2, 2), r(2, 2)], _F32),
    ],
    "gru": [
        # activations other than Keras's defaults (the kernels' generic loops)
        (lambda xp, r, b: ops.gru(xp, r, b, return_sequences=True, activation="linear",
                                  recurrent_activation="tanh"),
         [r(2, 3, 6), r(2, 6, scale=0.5), r(6, scale=0.5)], _F32),
        (lambda xp, r, b, h0: ops.gru(xp, r, b, initial_state=h0, return_sequences=True),
         [r(2, 3, 6), r(2, 6, scale=0.5), r(6, scale=0.5), r(2, 2)], _F32),
        (lambda xp, r: ops.gru(xp, r, reset_after=False, mask=np.array([[1, 0, 1], [0, 1, 1]]),
                               recurrent_masks=np.full((3, 2, 2), 1.25)),
         [r(2, 3, 6), r(2, 6, scale=0.5)], _F32),
    ],
    "rnn_gate_projection": [
        (lambda x, w, b: _gate_projection(x, w, b, np.array([[[1.25, 0.0], [1.25, 1.25]],
                                                             [[0.0, 1.25], [1.25, 1.25]]])),
         [r(2, 3, 2), r(2, 6), r(6)], _F32),
        (lambda x, w: _gate_projection(x, w, None, np.full((3, 1, 3), 2.0)),
         [r(1, 2, 3), r(3, 3)], _F32),
    ],
    "simple_rnn": [
        (lambda xp, r, h0: ops.simple_rnn(xp, r, initial_state=h0, return_sequences=True),
         [r(2, 3, 3), r(3, 3, scale=0.5), r(2, 3)], _F32),
        (lambda xp, r: ops.simple_rnn(xp, r, mask=np.array([[1, 1, 0], [0, 1, 1]]),
                                      activation="linear"), [r(2, 3, 2), r(2, 2, scale=0.5)], _F32),
    ],
    "batch_norm_train": [
        (lambda x, g, b: ops.batch_norm_train(x, g, b), [r(4, 3, 2), pos(2), r(2)], _F32),
        (lambda x: ops.batch_norm_train(x, epsilon=0.01), [r(5, 3)], _F32),
    ],
    "batch_normalization": [
        (lambda x, m, v, b, g: ops.batch_normalization(x, m, v, axis=-1, offset=b, scale=g),
         [r(3, 2, 4), r(4), pos(4), r(4), pos(4)], _F32),
        (lambda x, m, v: ops.batch_normalization(x, m, v, axis=1, epsilon=0.01),
         [r(2, 3, 2), r(3), pos(3)], _F32),
    ],
    "embedding_lookup": [
        (lambda t, i: ops.embedding_lookup(t, i), [r(5, 3), np.array([[0, 4], [4, 4], [2, 0]])], _F32),
        (lambda t, i: ops.embedding_lookup(t, i), [r(3, 2), np.array(1, np.int64)], _F32),
    ],
}
