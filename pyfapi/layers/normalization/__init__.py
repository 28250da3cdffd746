"""Normalization layers."""
from pyfapi.layers.normalization.batch_normalization import BatchNormalization
from pyfapi.layers.normalization.layer_normalization import LayerNormalization
