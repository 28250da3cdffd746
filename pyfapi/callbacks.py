"""Callbacks with Keras 3's names, arguments and hook order.

``fit`` calls, on every callback of a :class:`CallbackList`: ``on_train_begin``; per epoch
``on_epoch_begin(epoch)``, per batch ``on_train_batch_begin(batch)`` / ``on_train_batch_end(batch,
logs)`` (whose defaults call ``on_batch_begin`` / ``on_batch_end``), validation through the
``on_test_*`` hooks, then ``on_epoch_end(epoch, logs)`` with the epoch's ``loss``, metrics and
``val_`` entries; finally ``on_train_end``. ``evaluate`` uses ``on_test_*``, ``predict``
``on_predict_*``. Setting ``model.stop_training = True`` ends ``fit`` after the current epoch.

Classes: Callback, CallbackList, History, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau,
TerminateOnNaN, LambdaCallback, ProgbarLogger.

Data-parallel runs (:mod:`pyfapi.distributed` with several ranks): a callback whose class (or
instance) sets ``rank0_only = True`` -- ProgbarLogger, ModelCheckpoint, and file writers such as
CSVLogger / TensorBoard should -- is kept by :class:`CallbackList` on rank 0 only, so that one
rank writes files and prints progress.
"""
from __future__ import annotations

import math
import os

import numpy as np

from pyfapi.utils import distributed_context as _dist

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
           "ReduceLROnPlateau", "TerminateOnNaN", "LambdaCallback", "ProgbarLogger"]


class Callback:
    """Base class: every hook is a no-op; ``self.model`` and ``self.params`` are set by fit.

    ``rank0_only`` (class attribute, False): True makes :class:`CallbackList` drop the callback on
    every rank but 0 of a distributed run (file writers, progress bars).

    Hooks: on_train_begin/end(logs), on_epoch_begin/end(epoch, logs),
    on_train_batch_begin/end(batch, logs) (default: on_batch_begin/end), on_test_begin/end(logs),
    on_test_batch_begin/end(batch, logs), on_predict_begin/end(logs),
    on_predict_batch_begin/end(batch, logs).
    """

    rank0_only = False

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_model(self, model):
        """Stores the model being trained as ``self.model``."""
        self.model = model

    def set_params(self, params):
        """Stores the run parameters dict (e.g. epochs, steps, verbose) as ``self.params``."""
        self.params = params

    def on_batch_begin(self, batch, logs=None):
        """Called before a training batch (legacy name, called by on_train_batch_begin); no-op."""
        pass

    def on_batch_end(self, batch, logs=None):
        """Called after a training batch (legacy name, called by on_train_batch_end); no-op."""
        pass

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (0-based) of ``fit``; no-op by default."""
        pass

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of epoch ``epoch`` with that epoch's logs (losses, metrics, ``val_*``);
        no-op by default.
        """
        pass

    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch ``batch``; calls ``on_batch_begin``."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after training batch ``batch``; calls ``on_batch_end``."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before evaluation batch ``batch``; no-op by default."""
        pass

    def on_test_batch_end(self, batch, logs=None):
        """Called after evaluation batch ``batch``; no-op by default."""
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before prediction batch ``batch``; no-op by default."""
        pass

    def on_predict_batch_end(self, batch, logs=None):
        """Called after prediction batch ``batch``; no-op by default."""
        pass

    def on_train_begin(self, logs=None):
        """Called once at the start of ``fit``; no-op by default."""
        pass

    def on_train_end(self, logs=None):
        """Called once at the end of ``fit``; no-op by default."""
        pass

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` (and of validation); no-op by default."""
        pass

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` (and of validation); no-op by default."""
        pass

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``; no-op by default."""
        pass

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``; no-op by default."""
        pass


_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def _overrides(cb, names):
    cls = type(cb)
    return any(getattr(cls, n, None) is not getattr(Callback, n) for n in names) or \
        any(n in cb.__dict__ for n in names)


class CallbackList(Callback):
    """A list of callbacks called in order.

    Batch hooks are only dispatched to callbacks that override them (``needs_*_batch`` tell the
    training loop whether building per-batch logs is needed at all), which keeps the per-step
    overhead of ``fit`` independent of the callbacks that do not care.

    Args:
        callbacks: list of :class:`Callback` (or None).
        add_history: append a :class:`History` if none is present.
        add_progbar: append a :class:`ProgbarLogger` (with ``verbose``) if none is present.
        model: the model given to every callback.
        **params: the ``params`` dict given to every callback (``epochs``, ``steps``, ``verbose``).

    On ranks other than 0 of a distributed run, callbacks with ``rank0_only`` (and the progress
    bar) are left out.

    Raises:
        TypeError: an element is not a Callback.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        if isinstance(callbacks, CallbackList):
            callbacks = callbacks.callbacks
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        cbs = list(callbacks or [])
        for c in cbs:
            if not isinstance(c, Callback):
                raise TypeError(f"callbacks must be pyfapi.callbacks.Callback instances, received "
                                f"{c!r} (type {type(c).__name__})")
        if _dist.active() and _dist.rank() != 0:
            cbs = [c for c in cbs if not getattr(c, "rank0_only", False)]
            add_progbar = False
        self.callbacks = cbs
        self._history = next((c for c in cbs if isinstance(c, History)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in cbs):
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh()

    def _refresh(self):
        def wants(c, kind):
            if isinstance(c, ProgbarLogger):
                return c.dynamic
            return _overrides(c, _BATCH_HOOKS[kind])
        self._train_batch = [c for c in self.callbacks if wants(c, "train")]
        self._test_batch = [c for c in self.callbacks if wants(c, "test")]
        self._predict_batch = [c for c in self.callbacks if wants(c, "predict")]

    @property
    def needs_train_batch(self):
        """True if some callback has a train-batch hook (else fit can skip the per-batch calls)."""
        return bool(self._train_batch)

    @property
    def needs_test_batch(self):
        """True if some callback has a test-batch hook."""
        return bool(self._test_batch)

    @property
    def needs_predict_batch(self):
        """True if some callback has a predict-batch hook."""
        return bool(self._predict_batch)

    def append(self, callback):
        """Adds ``callback`` and refreshes the per-batch hook lists."""
        self.callbacks.append(callback)
        self._refresh()

    def set_model(self, model):
        """Sets ``model`` on the list and on every callback."""
        self.model = model
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params):
        """Sets ``params`` on the list and every callback, then refreshes the per-batch hook lists.
        """
        self.params = params
        for c in self.callbacks:
            c.set_params(params)
        self._refresh()

    def __iter__(self):
        return iter(self.callbacks)

    def on_train_begin(self, logs=None):
        """Forwards ``on_train_begin`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_train_begin(logs)

    def on_train_end(self, logs=None):
        """Forwards ``on_train_end`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Forwards ``on_epoch_begin`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Forwards ``on_epoch_end`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Forwards ``on_train_batch_begin`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._train_batch:
            c.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Forwards ``on_train_batch_end`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._train_batch:
            c.on_train_batch_end(batch, logs)

    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end

    def on_test_begin(self, logs=None):
        """Forwards ``on_test_begin`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_test_begin(logs)

    def on_test_end(self, logs=None):
        """Forwards ``on_test_end`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_test_end(logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Forwards ``on_test_batch_begin`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._test_batch:
            c.on_test_batch_begin(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Forwards ``on_test_batch_end`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._test_batch:
            c.on_test_batch_end(batch, logs)

    def on_predict_begin(self, logs=None):
        """Forwards ``on_predict_begin`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_predict_begin(logs)

    def on_predict_end(self, logs=None):
        """Forwards ``on_predict_end`` to every callback; ``logs`` None becomes ``{}``."""
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self.callbacks:
            c.on_predict_end(logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Forwards ``on_predict_batch_begin`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._predict_batch:
            c.on_predict_batch_begin(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Forwards ``on_predict_batch_end`` to the callbacks that override a hook of this kind
        (ProgbarLogger only when its bar is live); ``logs`` None becomes ``{}``.
        """
        logs = {} if logs is None else logs  # Keras passes {} rather than None
        for c in self._predict_batch:
            c.on_predict_batch_end(batch, logs)


class History(Callback):
    """Records the epoch logs: ``history.history[key]`` is the list of values per epoch and
    ``history.epoch`` the epoch indices. ``fit`` returns it (also ``model.history``)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """Clears the recorded epoch indices."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Appends ``epoch`` and each log value to ``history``; sets ``model.history = self``."""
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self

    def __repr__(self):
        return f"<History epochs={len(self.epoch)} keys={sorted(self.history)}>"


def _monitor_op(mode, monitor, name):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', received {mode!r}")
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    m = monitor.removeprefix("val_")
    if m.endswith(("acc", "accuracy", "auc", "precision", "recall")) or m.startswith("acc"):
        return np.greater
    return np.less


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving (Keras 3 ``EarlyStopping``).

    Args:
        monitor: log key, default ``"val_loss"``.
        min_delta: minimum change counted as an improvement (absolute).
        patience: epochs without improvement before stopping.
        verbose: 1 prints a message when stopping.
        mode: ``"auto"`` (max for accuracies, else min), ``"min"`` or ``"max"``.
        baseline: the value to beat; training stops after ``patience`` epochs not beating it.
        restore_best_weights: at the end, set the weights of the best epoch (also when stopping
            at the last epoch, as Keras 3).
        start_from_epoch: epochs to wait before counting.

    Raises:
        ValueError: an unknown mode.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = mode
        self.monitor_op = _monitor_op(mode, monitor, "EarlyStopping")
        m = monitor.removeprefix("val_")
        if mode == "auto" and self.monitor_op is np.less and not m.endswith("loss"):
            # Keras 3 decides at the first epoch end, from the compiled metrics (below)
            self.monitor_op = None
        if self.monitor_op is np.less:
            self.min_delta *= -1
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        """Resets wait, stopped_epoch, best (+-inf per mode, None for undecided 'auto') and best
        weights.
        """
        self.wait = 0
        self.stopped_epoch = 0
        if self.monitor_op is None:
            self.best = None
        else:
            self.best = math.inf if self.monitor_op is np.less else -math.inf
        self.best_weights = None
        self.best_epoch = 0

    def _set_monitor_op(self):
        """mode='auto' for a monitor that is neither a loss nor an accuracy-like name: a metric
        compiled into the model is minimised; anything else is a ValueError (Keras 3.15)."""
        name = self.monitor.removeprefix("val_")
        names_of = getattr(self.model, "_metric_result_names", None)  # compiled metrics' names
        known = names_of() if names_of is not None else \
            (getattr(self.model, "metrics_names", None) or [])
        if name not in known:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but pyfapi "
                "isn't able to automatically determine whether that metric should be maximized "
                "or minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                "value, or pass `mode='min'` in order to use the lowest value. (Metrics of this "
                f"model: {list(known)})")
        self.monitor_op = np.less
        self.min_delta = -abs(self.min_delta)

    def _improved(self, current, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(current - self.min_delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        """Updates best/wait from ``logs[monitor]`` and sets ``model.stop_training`` after
        ``patience`` epochs without improvement. Warns (UserWarning) if the monitor is missing;
        ValueError if mode 'auto' cannot decide the direction.
        """
        if self.monitor_op is None:
            self._set_monitor_op()
        current = (logs or {}).get(self.monitor)
        if current is None:
            import warnings
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs or {})}",
                          UserWarning, stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Prints the stopping epoch (verbose) and restores the best weights if
        ``restore_best_weights``.
        """
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model or its weights at the end of epochs (Keras 3 ``ModelCheckpoint``).

    Args:
        filepath: path, formatted with ``epoch`` (1-based) and the logs: ``"w.{epoch:02d}-
            {val_loss:.2f}.weights.h5"``. Must end in ``.weights.h5`` with
            ``save_weights_only=True``, else ``.keras``.
        monitor, mode: as EarlyStopping (for ``save_best_only``).
        save_best_only: only save when ``monitor`` improved.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        save_freq: ``"epoch"`` (only this is supported).
        initial_value_threshold: the value ``monitor`` must beat for the first save.
        verbose: 1 prints a message per save.

    Every write goes to a temporary file in the same directory renamed into place, so a crash
    never leaves a half-written checkpoint.

    Raises:
        ValueError: the file extension does not match ``save_weights_only``, or
            ``save_freq`` is not ``"epoch"``; a ``KeyError``-like ValueError when the filepath
            names a log key that is missing.
    """

    rank0_only = True  # one rank writes the checkpoint (distributed runs)

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch":
            raise ValueError(f"ModelCheckpoint: only save_freq='epoch' is supported, received "
                             f"{save_freq!r}")
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("ModelCheckpoint: with save_weights_only=True the filepath must end "
                             f"in '.weights.h5', received {self.filepath!r}")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError("ModelCheckpoint: the filepath must end in '.keras' (or use "
                             f"save_weights_only=True with '.weights.h5'), received "
                             f"{self.filepath!r}")
        self.monitor_op = _monitor_op(mode, monitor, "ModelCheckpoint")
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            math.inf if self.monitor_op is np.less else -math.inf)

    def _path(self, epoch, logs):
        try:
            return self.filepath.format(epoch=epoch + 1, **(logs or {}))
        except KeyError as e:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} refers to {e} which is "
                             f"not in the logs {sorted(logs or {})}") from None

    def on_epoch_end(self, epoch, logs=None):
        """Saves the model (or weights) to ``filepath`` formatted with ``epoch + 1`` and the logs;
        with save_best_only, only if ``logs[monitor]`` improved (RuntimeWarning if missing).
        Creates the directory. ValueError if ``filepath`` names a key not in the logs.
        """
        logs = logs or {}
        path = self._path(epoch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                import warnings
                warnings.warn(f"ModelCheckpoint: monitor {self.monitor!r} is not in the logs; "
                              f"available: {sorted(logs)}", RuntimeWarning, stacklevel=2)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras 3).

    Args:
        monitor: ``"val_loss"``. factor: 0.1 (< 1). patience: 10. verbose: 0. mode: ``"auto"``.
        min_delta: 1e-4. cooldown: 0. min_lr: 0.0.

    Raises:
        ValueError: ``factor >= 1``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, received {factor}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.min_delta = float(min_delta)
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.monitor_op = _monitor_op(mode, monitor, "ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = math.inf if self.monitor_op is np.less else -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _better(self, a, b):
        if self.monitor_op is np.less:
            return a < b - self.min_delta
        return a > b + self.min_delta

    def on_train_begin(self, logs=None):
        """Resets best, wait and cooldown counters."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Adds ``learning_rate`` to the logs; after ``patience`` epochs without improvement
        (outside cooldown) sets ``lr = max(lr * factor, min_lr)``. Warns (RuntimeWarning) if the
        monitor is missing.
        """
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            import warnings
            warnings.warn(f"ReduceLROnPlateau: monitor {self.monitor!r} is not in the logs; "
                          f"available: {sorted(logs)}", RuntimeWarning, stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                              f"{new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite (Keras 3 ``TerminateOnNaN``)."""

    def on_batch_end(self, batch, logs=None):
        """Sets ``model.stop_training`` if ``logs['loss']`` is NaN or infinite."""
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_batch_begin/end(batch, logs)`` (alias ``on_batch_begin/end``),
    ``on_train_begin(logs)``, ``on_train_end(logs)`` and the test/predict variants."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                         ("on_train_batch_begin", on_train_batch_begin),
                         ("on_train_batch_end", on_train_batch_end)):
            if fn is not None:
                setattr(self, name, fn)
        for name, fn in kwargs.items():
            if name == "on_batch_begin":
                name = "on_train_batch_begin"
            elif name == "on_batch_end":
                name = "on_train_batch_end"
            if not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)


class ProgbarLogger(Callback):
    """Prints Keras-style progress for fit / evaluate / predict (:mod:`pyfapi.utils.progbar`).

    ``params['verbose']``: 0 silent; 1 a live bar on a terminal (one line per epoch otherwise);
    2 one line per epoch.
    """

    rank0_only = True  # one rank prints progress (distributed runs)

    def __init__(self):
        super().__init__()
        self._bar = None
        self.verbose = 1
        self.epochs = 1
        self.dynamic = False

    def set_params(self, params):
        """Reads verbose and epochs from ``params``; per-batch updates only for verbose=1 on a
        terminal.
        """
        super().set_params(params)
        from pyfapi.utils.progbar import is_dynamic
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        # per-batch updates (and per-batch logs) only for a live bar on a terminal
        self.dynamic = self.verbose == 1 and is_dynamic()

    def _new_bar(self, steps):
        from pyfapi.utils.progbar import Progbar
        self._bar = Progbar(steps, verbose=self.verbose)

    def on_epoch_begin(self, epoch, logs=None):
        """Prints ``Epoch i/n`` (when epochs > 1) and starts a new bar (if verbose)."""
        if self.verbose:
            if self.epochs > 1:  # Keras 3 prints the epoch line only for several epochs
                print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
            self._new_bar(self.params.get("steps"))

    def on_train_batch_end(self, batch, logs=None):
        """Updates the bar to ``batch + 1`` steps with the batch logs."""
        if self._bar is not None:
            self._bar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        """Finalizes the epoch's bar with the epoch logs."""
        if self._bar is not None:
            self._bar.update(self.params.get("steps") or self._bar.seen, logs, finalize=True)
            self._bar = None

    def on_test_begin(self, logs=None):
        """Starts a bar for a standalone ``evaluate`` (not for validation inside fit)."""
        if self.verbose and not self.params.get("_in_fit"):
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        """Updates the standalone evaluate bar to ``batch + 1`` steps."""
        if self._bar is not None and not self.params.get("_in_fit"):
            self._bar.update(batch + 1, logs, finalize=False)

    def on_test_end(self, logs=None):
        """Finalizes the standalone evaluate bar with the logs."""
        if self._bar is not None and not self.params.get("_in_fit"):
            self._bar.update(self.params.get("steps") or self._bar.seen, logs, finalize=True)
            self._bar = None

    def on_predict_begin(self, logs=None):
        """Starts a bar for ``predict`` (if verbose)."""
        if self.verbose:
            self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        """Updates the predict bar to ``batch + 1`` steps (no logs)."""
        if self._bar is not None:
            self._bar.update(batch + 1, None, finalize=False)

    def on_predict_end(self, logs=None):
        """Finalizes the predict bar."""
        if self._bar is not None:
            self._bar.update(self.params.get("steps") or self._bar.seen, None, finalize=True)
            self._bar = None


# ---- callbacks in their own modules (they subclass Callback above) ------------------------------
from pyfapi._callbacks.backup_and_restore import BackupAndRestore  # noqa: E402
from pyfapi._callbacks.csv_logger import CSVLogger  # noqa: E402
from pyfapi._callbacks.learning_rate_scheduler import LearningRateScheduler  # noqa: E402
from pyfapi._callbacks.tensorboard import TensorBoard  # noqa: E402

__all__ += ["CSVLogger", "LearningRateScheduler", "BackupAndRestore", "TensorBoard"]
