"""Pooling layers (channels_last)."""
from pyfapi.layers.pooling.window_pooling import (
    AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D)
from pyfapi.layers.pooling.global_pooling import (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
    GlobalMaxPooling2D)
