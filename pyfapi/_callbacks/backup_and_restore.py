"""``BackupAndRestore``: resume a killed ``fit`` at the epoch it was in, with the same weights and
optimizer state (Keras 3 ``keras.callbacks.BackupAndRestore``).

Layout of ``backup_dir`` (all writes atomic: files are written under a fresh name, then the small
``checkpoint.json`` pointer is replaced with ``os.replace``, then older snapshots are deleted; a
kill at any moment leaves the previous complete backup in force)::

    checkpoint.json          {"snapshot": "snapshot-<n>", "epoch": e, "batch": b}
    snapshot-<n>/model.weights.h5   the model's weights and, under /optimizer/vars, the
                                    optimizer's variables (iterations, learning rate, slots):
                                    Keras 3's .weights.h5 layout
"""
from __future__ import annotations

import json
import os
import shutil

import warnings

from pyfapi.callbacks import Callback
from pyfapi.utils import distributed_context as _dist

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the training state to ``backup_dir`` and restore it when ``fit`` starts again.

    Args:
        backup_dir: folder for the backup (created).
        save_freq: ``"epoch"`` (after every epoch) or an int N (every N training batches; a
            resumed run then restarts that epoch from the weights of its last backup, as Keras).
        delete_checkpoint: delete the backup when ``fit`` finishes normally.
        double_checkpoint: accepted for Keras compatibility (every backup here is already atomic
            and the previous one stays until the new one is complete).

    On ``on_train_begin``, if a backup exists, the weights and the optimizer state are loaded and
    ``fit`` starts at the epoch being trained when the backup was taken (``epoch + 1`` after an
    end-of-epoch backup). In distributed runs every rank restores; rank 0 writes.

    Raises:
        ValueError: ``save_freq`` neither ``"epoch"`` nor a positive int; a backup that does not
            match the model (shapes), naming the file.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             f"value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._pointer = os.path.join(self.backup_dir, "checkpoint.json")
        self._epoch = 0
        self._batches_seen = 0
        self._counter = 0

    # -- hooks --
    def on_train_begin(self, logs=None):
        """Restores the last backup (if any) and tells fit where to start."""
        meta = self._read_pointer()
        if meta is None:
            return
        snap = os.path.join(self.backup_dir, meta["snapshot"])
        self._restore(snap)
        start = int(meta["epoch"]) + (1 if meta.get("batch") is None else 0)
        object.__setattr__(self.model, "_initial_epoch", start)
        self._counter = int(meta.get("counter", 0))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._batches_seen = 0

    def on_train_batch_end(self, batch, logs=None):
        """Backs up every ``save_freq`` batches (int ``save_freq``)."""
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        self._counter += 1
        if self._counter % self.save_freq == 0:
            self._backup(self._epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        """Backs up after the epoch (``save_freq="epoch"``)."""
        if self.save_freq == "epoch":
            self._backup(epoch, None)

    def on_train_end(self, logs=None):
        """Deletes the backup after a normal end (``delete_checkpoint``)."""
        if self.delete_checkpoint and self._writer() and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)

    # -- state --
    def _writer(self):
        return not (_dist.active() and _dist.rank() != 0)

    def _read_pointer(self):
        if not os.path.exists(self._pointer):
            return None
        try:
            with open(self._pointer) as f:
                meta = json.load(f)
            meta["snapshot"], meta["epoch"]  # noqa: B018 - required keys
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"BackupAndRestore: {self._pointer} is corrupt ({e}); delete "
                             f"{self.backup_dir} to start from scratch") from None
        return meta

    def _backup(self, epoch, batch):
        if not self._writer():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        old = self._read_pointer()
        n = 0 if old is None else int(old["snapshot"].rsplit("-", 1)[1]) + 1
        name = f"snapshot-{n}"
        snap = os.path.join(self.backup_dir, name)
        if os.path.exists(snap):
            shutil.rmtree(snap)
        os.makedirs(snap)
        self.model.save_weights(os.path.join(snap, "model.weights.h5"))  # optimizer included
        ptmp = self._pointer + ".tmp"
        with open(ptmp, "w") as f:
            json.dump({"snapshot": name, "epoch": int(epoch), "batch": batch,
                       "counter": self._counter}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(ptmp, self._pointer)
        for entry in os.listdir(self.backup_dir):  # older snapshots
            if entry.startswith("snapshot-") and entry != name:
                shutil.rmtree(os.path.join(self.backup_dir, entry), ignore_errors=True)

    def _restore(self, snap):
        wpath = os.path.join(snap, "model.weights.h5")
        opt = getattr(self.model, "optimizer", None)
        if opt is not None:  # its slots exist only once built: build them to receive the state
            st = self.model._tstate() if hasattr(self.model, "_tstate") else None
            opt.build((st.train_vars if st is not None else None) or
                      list(self.model.trainable_weights))
        # load_weights checks every shape and count before assigning anything; an optimizer
        # state that does not fit (a warning there, as Keras) must not resume silently here
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message="Skipping variable loading for optimizer")
            try:
                self.model.load_weights(wpath)
            except UserWarning as w:
                raise ValueError(f"BackupAndRestore: {wpath} does not fit the model: {w}") \
                    from None
