"""AdditiveAttention (Bahdanau-style; Keras 3: keras/src/layers/attention/
additive_attention.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.attention.attention import Attention

__all__ = ["AdditiveAttention"]


class AdditiveAttention(Attention):
    """Additive attention: ``scores = sum(scale * tanh(query[:, :, None] + key[:, None]), -1)``,
    then as :class:`Attention`.

    Weights: ``scale`` of shape (dim,) (glorot_uniform) when ``use_scale`` (default True).

    Args:
        use_scale=True, dropout=0.0, seed.

    Raises:
        ValueError: as Attention (query and key must share their last dimension).
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        """Creates ``scale`` (dim,) when use_scale."""
        self._validate_inputs(input_shape)
        self._check_shapes(input_shape)
        dim = tuple(input_shape[0])[-1]
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,),
                                         initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q = ops.expand_dims(query, -2)
        k = ops.expand_dims(key, -3)
        t = ops.tanh(ops.add(q, k))
        if self.use_scale:
            t = ops.multiply(self.scale, t)
        return ops.sum(t, axis=-1)

    def get_config(self):
        """Attention's config without score_mode (Keras)."""
        config = super().get_config()
        del config["score_mode"]
        return config
