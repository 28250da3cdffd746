"""Normalization layers."""
from pyfapi.layers.normalization.batch_normalization import (BatchNormalization,
                                                             SyncBatchNormalization)
