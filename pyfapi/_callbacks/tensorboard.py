"""``TensorBoard``: scalars, learning rate and weight histograms as TensorBoard event files
(Keras 3 ``keras.callbacks.TensorBoard`` layout), written with ``tensorboardX`` (the optional
extra ``pyfapi[tensorboard]``).

Layout (as Keras): ``<log_dir>/train`` holds ``epoch_<metric>`` (step = epoch),
``epoch_learning_rate``, ``batch_<metric>`` (step = training batch counter, with
``update_freq="batch"`` or an int) and ``<layer>/<weight>/histogram`` (every ``histogram_freq``
epochs); ``<log_dir>/validation`` holds ``epoch_<metric>`` for the ``val_`` entries and
``evaluation_<metric>_vs_iterations`` (step = training batches seen).
"""
from __future__ import annotations

import os

import numpy as np

from pyfapi.callbacks import Callback

__all__ = ["TensorBoard"]


def _writer_cls():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback writes event files with the `tensorboardX` package, which "
            "is not installed: pip install 'pyfapi[tensorboard]' (or pip install tensorboardX)"
        ) from e
    return SummaryWriter


class TensorBoard(Callback):
    """Log training to TensorBoard event files (Keras 3 arguments).

    Args:
        log_dir: base folder (``"logs"``).
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph, write_images, profile_batch, embeddings_freq, embeddings_metadata: accepted
            for Keras compatibility; graphs, images, profiles and embeddings are not written.
        write_steps_per_second: also log ``epoch_steps_per_second``.
        update_freq: ``"epoch"``, ``"batch"`` or an int N (batch scalars every N batches).

    Raises:
        ImportError: tensorboardX is missing (naming the package and the extra), at train start.
        ValueError: a bad ``update_freq`` / ``histogram_freq``.

    Rank 0 only in distributed runs (``rank0_only``).
    """

    rank0_only = True

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if update_freq not in ("epoch", "batch") and (isinstance(update_freq, bool) or
                                                      not isinstance(update_freq, int) or
                                                      update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"int, received {update_freq!r}")
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) or \
                histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be a non-negative int, received "
                             f"{histogram_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._train = self._val = None
        self._step = 0
        self._epoch_t0 = None
        self._epoch_batches = 0

    def _writers(self):
        if self._train is None:
            W = _writer_cls()
            self._train = W(os.path.join(self.log_dir, "train"))
            self._val = W(os.path.join(self.log_dir, "validation"))
        return self._train, self._val

    def on_train_begin(self, logs=None):
        self._writers()

    def on_epoch_begin(self, epoch, logs=None):
        import time
        self._epoch_t0 = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_end(self, batch, logs=None):
        """Batch scalars every ``update_freq`` batches."""
        self._step += 1
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._step % self.update_freq:
            return
        train, _ = self._writers()
        for k, v in (logs or {}).items():
            if np.ndim(v) == 0:
                train.add_scalar(f"batch_{k}", float(v), self._step)

    def on_epoch_end(self, epoch, logs=None):
        """Epoch scalars (train / validation), learning rate, histograms; flushed."""
        import time
        train, val = self._writers()
        logs = logs or {}
        for k, v in logs.items():
            if np.ndim(v) != 0:
                continue
            if k.startswith("val_"):
                val.add_scalar(f"epoch_{k[4:]}", float(v), epoch)
            else:
                train.add_scalar(f"epoch_{k}", float(v), epoch)
        opt = getattr(self.model, "optimizer", None)
        if opt is not None and "learning_rate" not in logs:
            train.add_scalar("epoch_learning_rate", float(opt.learning_rate), epoch)
        if self.write_steps_per_second and self._epoch_t0 is not None:
            dt = time.perf_counter() - self._epoch_t0
            train.add_scalar("epoch_steps_per_second", self._epoch_batches / max(dt, 1e-9),
                             epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in getattr(self.model, "layers", []):
                for w in layer.weights:
                    name = getattr(w, "path", None) or f"{layer.name}/{w.name}"
                    train.add_histogram(f"{name.replace(':', '_')}/histogram",
                                        np.asarray(w.value, dtype=np.float64), epoch)
        train.flush()
        val.flush()

    def on_test_end(self, logs=None):
        """After a standalone evaluate: ``evaluation_<metric>_vs_iterations``."""
        if self.params.get("_in_fit") or self._val is None:
            return
        for k, v in (logs or {}).items():
            if np.ndim(v) == 0:
                self._val.add_scalar(f"evaluation_{k}_vs_iterations", float(v), self._step)
        self._val.flush()

    def on_train_end(self, logs=None):
        """Closes the writers."""
        for w in (self._train, self._val):
            if w is not None:
                w.close()
        self._train = self._val = None
