"""Discretization (Keras 3: keras/src/layers/preprocessing/discretization.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.preprocessing.base_preprocessing import (
    PreprocessingLayer,
    iter_adapt_batches,
    to_numpy,
)
from pyfapi.layers.preprocessing.encoding_utils import (
    check_output_mode,
    encode_categorical,
    encoded_shape,
)

__all__ = ["Discretization"]


class Discretization(PreprocessingLayer):
    """Bucketize numbers: the index of the bin of each value (``np.digitize`` with
    ``bin_boundaries``: bin i holds ``boundaries[i-1] <= x < boundaries[i]``).

    Args:
        bin_boundaries: sorted list of floats (``n`` boundaries -> ``n + 1`` bins), or
        num_bins: number of bins, boundaries computed by ``adapt`` with Keras's approximate
            quantile summary (``summarize`` / ``merge_summaries`` / ``compress_summary``, step
            ``epsilon``) -- the same boundaries as Keras on the same data.
        epsilon: quantile error tolerance of adapt (default 0.01).
        output_mode: "int" (int32 indices, input shape), "one_hot", "multi_hot" or "count"
            (float32 encodings of depth ``len(bin_boundaries) + 1``).
        sparse: must be False (no sparse tensors in pyfapi).

    State: ``bin_boundaries`` lives in the config (as Keras); no weights.

    Raises:
        ValueError: both or neither of bin_boundaries / num_bins, num_bins < 0, an unknown
            output_mode, sparse=True, adapt with fixed boundaries, call before adapt.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        check_output_mode(f"Discretization '{self.name}'", output_mode,
                          ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise self._err("`sparse=True` is not supported (pyfapi has no sparse tensors).")
        if num_bins is not None and num_bins < 0:
            raise self._err(f"`num_bins` must be greater than or equal to 0. Received: "
                            f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise self._err(f"both `num_bins` and `bin_boundaries` should not be set. Received: "
                            f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise self._err("you need to set either `num_bins` or `bin_boundaries`.")
        if bin_boundaries is not None:
            b = np.asarray(bin_boundaries, dtype=np.float64)
            if b.ndim != 1 or np.any(np.diff(b) < 0):
                raise self._err(f"`bin_boundaries` must be a sorted 1-D list, received "
                                f"{bin_boundaries!r}")
            bin_boundaries = [float(v) for v in b]
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if bin_boundaries else np.array([[], []], dtype="float32")
        self.built = True

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.compute_dtype

    def adapt(self, data, batch_size=None, steps=None):
        """Compute ``num_bins - 1`` boundaries from approximate quantiles of ``data`` (arrays or
        iterables of batches; at most ``steps`` batches)."""
        if self.num_bins is None:
            raise self._err("cannot adapt a Discretization layer that has been initialized with "
                            "`bin_boundaries`, use `num_bins` instead.")
        self.reset_state()
        for batch in iter_adapt_batches(self, data, batch_size=batch_size, steps=steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        data = np.array(to_numpy(data)).astype("float32")
        summary = _summarize(data, self.epsilon)
        self.summary = _merge_summaries(summary, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def _depth(self):
        return (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                else self.num_bins)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.output_dtype)

    def call(self, inputs):
        """Bin indices (int32) or their encoding (float32)."""
        if self.bin_boundaries is None:
            raise self._err("you need to either pass the `bin_boundaries` argument at "
                            "construction time or call `adapt(dataset)` before you can start "
                            "using the `Discretization` layer.")
        x = to_numpy(inputs)
        if x.dtype.kind not in "biuf":
            raise self._err(f"expected a numeric input, received dtype {x.dtype}")
        indices = np.digitize(x, np.asarray(self.bin_boundaries, dtype=x.dtype
                                            if x.dtype.kind == "f" else np.float64))
        return encode_categorical(indices, self.output_mode, len(self.bin_boundaries) + 1,
                                  dtype=self.output_dtype)

    def load_own_variables(self, store):
        if len(store) == 1:
            self.summary = store["0"]

    def get_config(self):
        """Keras keys: bin_boundaries (adapted ones included), num_bins, epsilon, output_mode,
        sparse, name, dtype."""
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name")
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bins = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = [float(v) for v in bins]
            return layer
        return cls(**config)


# ---- Keras's approximate quantiles (same arithmetic, so the same boundaries) ----------------
def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    num_buckets = 1.0 / epsilon
    increment = elements / num_buckets
    step = max(increment, 1)
    start = step - 1
    boundaries = values[int(start)::int(step)]
    weights = np.ones_like(boundaries) * step
    return np.stack([boundaries, weights])


def _merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
