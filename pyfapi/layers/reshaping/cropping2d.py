"""Cropping2D (Keras 3: keras/src/layers/reshaping/cropping2d.py)."""
from __future__ import annotations

from pyfapi.layers.reshaping._spatial import _CroppingBase

__all__ = ["Cropping2D"]


class Cropping2D(_CroppingBase):
    """Crops rows and columns: ``cropping`` int, (sym_rows, sym_cols) or ((top, bottom), (left,
    right)). ValueError when nothing would remain of an axis (names the shapes)."""
    nd = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
