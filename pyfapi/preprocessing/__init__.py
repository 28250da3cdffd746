"""``keras.preprocessing``'s functions: :mod:`sequence` (``pad_sequences``) and
``timeseries_dataset_from_array``. The preprocessing LAYERS live in
:mod:`pyfapi.layers.preprocessing`."""
from pyfapi.preprocessing import sequence
from pyfapi.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = ["sequence", "timeseries_dataset_from_array"]
