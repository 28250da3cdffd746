"""Cropping1D (Keras 3: keras/src/layers/reshaping/cropping1d.py)."""
from __future__ import annotations

from pyfapi.layers.reshaping._spatial import _CroppingBase

__all__ = ["Cropping1D"]


class Cropping1D(_CroppingBase):
    """Crops the steps axis: ``cropping`` int or (start, end). (batch, steps, features) ->
    (batch, steps - start - end, features). ValueError when nothing would remain."""
    nd = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)
