"""Normalization layers."""
from pyfapi.layers.normalization.batch_normalization import (BatchNormalization,
                                                             SyncBatchNormalization)
from pyfapi.layers.normalization.layer_normalization import LayerNormalization
from pyfapi.layers.normalization.group_normalization import GroupNormalization
from pyfapi.layers.normalization.unit_normalization import UnitNormalization
