"""Normalization layers."""
from pyfapi.layers.normalization.batch_normalization import (BatchNormalization,
                                                             SyncBatchNormalization)
from pyfapi.layers.normalization.layer_normalization import LayerNormalization
