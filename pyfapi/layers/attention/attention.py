"""Attention (Luong-style dot-product attention; Keras 3: keras/src/layers/attention/
attention.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer
from pyfapi.utils.random import make_rng

__all__ = ["Attention"]


def _arr(m):
    return None if m is None else np.asarray(getattr(m, "value", m)).astype(bool)


class Attention(Layer):
    """Dot-product attention: ``softmax(query @ key^T [* scale]) @ value``.

    Call: ``layer([query, value])`` or ``layer([query, value, key])`` with query (B, Tq, dim),
    value (B, Tv, dim_v), key (B, Tv, dim) (default value); ``mask=[query_mask, value_mask]``
    (bool, (B, Tq) / (B, Tv)); ``return_attention_scores``; ``use_causal_mask``. Output
    (B, Tq, dim_v) (and the scores (B, Tq, Tv)).

    Weights: ``scale`` (shape (), if ``use_scale``), ``concat_score_weight`` (shape (), when
    ``score_mode="concat"``).

    Args:
        use_scale=False, score_mode="dot" | "concat", dropout=0.0 (on the scores, training only),
        seed.

    Raises:
        ValueError: bad score_mode; inputs not a list of 2 or 3 tensors; a mask not a list of 2
            or 3; query and key feature sizes that differ in "dot" mode (names the shapes).
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self._rng = make_rng(seed) if seed is not None else None
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")
        self.scale = None
        self.concat_score_weight = None
        self.supports_masking = True

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or any(
                d is None or isinstance(d, (int, np.integer)) for d in inputs):
            raise ValueError(f"{name} layer '{self.name}' must be called on a list of inputs, "
                             f"namely [query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer '{self.name}' accepts inputs list of length 2 or 3, "
                             "namely [query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer '{self.name}' mask must be a list, namely "
                                 f"[query_mask, value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer '{self.name}' accepts mask list of length 2 or 3."
                                 f" Received: mask={mask}.")

    def _check_shapes(self, shapes):
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        if len(q) < 2 or len(v) < 2 or len(k) < 2:
            raise ValueError(f"Layer '{self.name}': query, value and key need rank >= 2. "
                             f"Received: query {q}, value {v}, key {k}")
        if v[-2] is not None and k[-2] is not None and v[-2] != k[-2]:
            raise ValueError(f"Layer '{self.name}': value and key must have the same length "
                             f"(axis -2). Received: value {v}, key {k}")
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1] and \
                self._needs_same_features():
            raise ValueError(f"Layer '{self.name}': query and key must have the same last "
                             f"dimension. Received: query {q}, key {k}")
        return q, v, k

    def _needs_same_features(self):
        return True

    def build(self, input_shape):
        """Creates ``scale`` / ``concat_score_weight`` (shape ()) as configured."""
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            if self.scale is not None:
                scores = ops.multiply(scores, self.scale)
            return scores
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        s = ops.add(q, k)
        if self.scale is not None:
            s = ops.multiply(self.scale, s)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(s), axis=-1))

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        if scores_mask is not None:
            pad = np.logical_not(scores_mask)
            if pad.ndim == 2:
                pad = np.expand_dims(pad, -2)
            big = 65504.0 if np.dtype(scores.dtype) == np.float16 else 1.0e9
            scores = ops.where(pad, ops.subtract(scores, big), scores)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            rng = self._rng if self._rng is not None else make_rng(None)
            keep = rng.random(tuple(weights.shape)) >= self.dropout
            weights = ops.multiply(weights, keep.astype(np.float32) / np.float32(1 - self.dropout))
        return ops.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        """Attention output (and scores when ``return_attention_scores``)."""
        self._validate_inputs(inputs, mask)
        self._check_shapes([tuple(x.shape) for x in inputs])
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = _arr(mask[0]) if mask else None
        v_mask = _arr(mask[1]) if mask else None
        scores = self._calculate_scores(q, k)
        smask = v_mask
        if use_causal_mask:
            tq, tv = scores.shape[-2], scores.shape[-1]
            causal = np.tril(np.ones((1, tq, tv), bool))
            smask = causal if v_mask is None else np.expand_dims(v_mask, -2) & causal
        out, weights = self._apply_scores(scores, v, smask, training)
        if q_mask is not None:
            out = ops.where(np.expand_dims(q_mask, -1), out, 0.0)
        return (out, weights) if return_attention_scores else out

    def compute_output_shape(self, input_shape):
        """(*query_shape[:-1], value_shape[-1])."""
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        """Output KerasTensor (and the scores' (*query_shape[:-1], key_len))."""
        self._validate_inputs(inputs, mask)
        q, v, k = self._check_shapes([tuple(x.shape) for x in inputs])
        out = KerasTensor(self.compute_output_shape([q, v, k]), dtype=self.compute_dtype)
        if return_attention_scores:
            return out, KerasTensor((*q[:-1], k[-2]), dtype=self.compute_dtype)
        return out

    def compute_mask(self, inputs, mask=None):
        """The query mask (Keras)."""
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def get_config(self):
        """Layer config plus use_scale, score_mode, dropout, seed."""
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config
