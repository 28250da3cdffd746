"""Callbacks of data-parallel training (Horovod's Keras callbacks)."""
from __future__ import annotations

import numpy as np

from pyfapi.callbacks import Callback
from pyfapi.distributed.broadcast import broadcast_variables, model_and_optimizer_variables
from pyfapi.utils import distributed_context as dc

__all__ = ["BroadcastGlobalVariablesCallback", "MetricAverageCallback"]


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of ``fit``, every rank takes ``root_rank``'s weights and optimizer state
    (Horovod's ``hvd.callbacks.BroadcastGlobalVariablesCallback``).

    The optimizer's slots are created first if needed, so after a restore on ``root_rank``
    (``load_model`` / ``load_weights`` there) every rank continues from the restored state.
    Broadcasts once per ``fit`` call (each call starts from the root's state).

    Args:
        root_rank: the rank whose values everyone takes (default 0).

    Raises:
        ValueError: (at ``on_train_begin``) the ranks' models differ; see
            :func:`pyfapi.distributed.broadcast_variables`.
    """

    def __init__(self, root_rank=0, device=""):
        super().__init__()
        self.root_rank = int(root_rank)

    def on_train_begin(self, logs=None):
        """Broadcasts the model's and optimizer's variables from ``root_rank``."""
        broadcast_variables(model_and_optimizer_variables(self.model), root_rank=self.root_rank)


class MetricAverageCallback(Callback):
    """At the end of each epoch, replace every numeric value of the epoch logs (loss, metrics,
    ``val_`` entries) by its mean over the ranks (Horovod's ``MetricAverageCallback``).

    Put it FIRST in the callback list, so that the callbacks after it (ModelCheckpoint,
    EarlyStopping, CSVLogger...) see the averaged values and every rank takes the same
    decisions. Each rank's value counts equally (exact for equal shards).

    Raises:
        ValueError: the ranks' logs have different keys (named).
    """

    def on_epoch_end(self, epoch, logs=None):
        """Averages ``logs`` in place over the ranks (one Allreduce of float64 values)."""
        if logs is None or not dc.active():
            return
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float, np.number))
                      and not isinstance(v, bool))
        bad = dc.first_mismatch(keys)
        if bad is not None:
            raise ValueError(f"MetricAverageCallback: the ranks log different metrics at epoch "
                             f"{epoch}: rank 0 has {bad[1]!r} where rank {bad[2]} has {bad[3]!r}")
        buf = np.array([float(logs[k]) for k in keys], np.float64)
        dc.allreduce_(buf)
        buf /= dc.size()
        for k, v in zip(keys, buf):
            logs[k] = float(v)
