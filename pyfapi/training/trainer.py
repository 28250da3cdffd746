"""The :class:`Trainer` mixin: ``compile``, ``fit``, ``evaluate``, ``predict``, the ``*_on_batch``
variants and the saving entry points, for :class:`pyfapi.Model` and :class:`pyfapi.Sequential`.

Relies on the model exposing (see CONTRACTS.md): ``inputs``, ``outputs``, ``input_names``,
``output_names``, ``trainable_weights``, ``weights``, ``built`` and ``__call__(x, training=bool)``
accepting one array or a list of arrays in input order and returning a Tensor or a list of
Tensors in output order.

One training step::

    with GradientTape() as tape:
        outputs = model(x, training=True)
        loss = sum_k loss_weight_k * loss_k(y_k, outputs_k, sample_weight_k)   (+ model.losses)
    grads = tape.gradient(loss, trainable_weights_at_compile)
    optimizer.apply(grads, trainable_weights_at_compile)

Everything that can be decided once (output -> loss mapping, metric objects, dtypes, the list of
trainable variables, whether layers add losses) is decided at ``compile`` or at the
start of ``fit``; metrics run in numpy on the output values, off the tape.

Epoch values are means over samples: each batch's loss is weighted by its size, so the last
partial batch counts for what it holds (as Keras 3's loss tracker ``Mean(sample_weight=batch)``).
"""
from __future__ import annotations

import numpy as np

from pyfapi import callbacks as callbacks_module
from pyfapi import optimizers as optimizers_module
from pyfapi.training import batch_stream as bs
from pyfapi.training import data_adapter as da
from pyfapi.training.compile_utils import CompileLoss, CompileMetrics

__all__ = ["Trainer"]


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose is None:
        return 0
    if verbose not in (0, 1, 2) and not isinstance(verbose, (bool, int)):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, received {verbose!r}")
    return int(verbose)


def _check_int(value, method, arg):
    """``None`` or a positive int (numpy ints accepted, bools and floats rejected): the single
    check behind every ``batch_size`` / ``steps`` argument of fit, evaluate and predict."""
    try:
        return da.check_positive_int(value, arg)
    except ValueError as e:
        raise ValueError(f"{method}: {e}") from None


def _as_list(out, names=None):
    """Model outputs (Tensor, list/tuple, or dict by output name) as a list in output order."""
    if isinstance(out, (list, tuple)):
        return list(out)
    if isinstance(out, dict):
        return [out[n] for n in names] if names is not None else list(out.values())
    return [out]


_TAPE = None


def _gradient_tape():
    """:class:`pyfapi.autodiff.GradientTape`, imported once (not per step)."""
    global _TAPE
    if _TAPE is None:
        from pyfapi.autodiff import GradientTape
        _TAPE = GradientTape
    return _TAPE


def _values(tensors):
    return [getattr(t, "value", t) for t in tensors]


def _check_stream_args(method, **given):
    """Keras's rule: with a generator / PyDataset as ``x``, targets and weights come from its
    batches; ``y``, ``sample_weight`` and ``validation_split`` are refused."""
    for name, value in given.items():
        if value is not None and value is not False and not (name == "validation_split"
                                                              and not value):
            raise ValueError(
                f"{method}: `{name}` is not supported when `x` is a generator, iterable or "
                f"PyDataset (its batches carry the targets and sample weights); received "
                f"{name}={type(value).__name__}")


class _State:
    """Plain holder of compile-time state (kept off the Layer attribute tracking)."""

    def __init__(self):
        self.compile_loss = None
        self.compile_metrics = None
        self.train_vars = None
        self.check_losses = False
        self.built_for = None
        self.compile_config = None
        self.pending = None
        self.loss_sum = 0.0
        self.count = 0.0
        self.per_sum = []
        self.single_io = None   # (input dtype) for _prepare's fast path, or False; per compile


class Trainer:
    """Mixin giving a model Keras 3's training API (see the module docstring)."""

    # ---- state ------------------------------------------------------------------------------
    def _tstate(self) -> _State:
        st = self.__dict__.get("_trainer_state")
        if st is None:
            st = _State()
            object.__setattr__(self, "_trainer_state", st)
        return st

    @property
    def compiled(self) -> bool:
        """True once ``compile()`` has been called (loss set or compilation pending)."""
        st = self._tstate()
        return st.compile_loss is not None or getattr(st, "pending", None) is not None

    def _t_output_names(self):
        try:
            names = self.output_names
        except (AttributeError, ValueError):
            return None
        if names is None:
            return None
        return list(names)

    def _t_input_names(self):
        return list(self.input_names)

    def _t_input_dtypes(self):
        out = []
        for t in self.inputs:
            out.append(getattr(t, "dtype", "float32") or "float32")
        return out

    # ---- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training (Keras 3 ``Model.compile``).

        Args:
            optimizer: name (``'sgd'``, ``'rmsprop'``, ``'adam'``, ``'adamw'``, ``'adagrad'``) or
                a :mod:`pyfapi.optimizers` instance.
            loss: string / callable / Loss, a list (one per output) or a dict by output name.
            loss_weights: float, list or dict by output name (total loss is the weighted sum).
            metrics: list, list of lists (one per output) or dict by output name; ``'acc'`` /
                ``'accuracy'`` resolve per output.
            weighted_metrics: as ``metrics``, computed with the sample weights.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for Keras
                compatibility (pyfapi always runs eagerly).

        Raises:
            ValueError: a wrong loss/metric dict key, list length or unknown name (the message
                lists the expected output names and what was received).
        """
        st = self._tstate()
        opt = optimizers_module.get(optimizer)
        names = self._t_output_names()
        if names is None and getattr(self, "built", True):
            raise ValueError(f"compile: model {getattr(self, 'name', '')!r} has no outputs")
        if names is not None:
            # everything is validated before the model's state changes
            built = (CompileLoss(loss, loss_weights, names, dict_outputs=isinstance(
                         self.__dict__.get("_outputs_struct"), dict)),
                     CompileMetrics(metrics, weighted_metrics, names))
        elif not isinstance(loss, (list, tuple, dict)):
            CompileLoss(loss, loss_weights, ["output"])  # unknown names fail at compile time
        self.optimizer = opt
        self.loss = loss
        self.stop_training = False
        st.built_for = None
        st.compile_loss = None
        st.pending = None
        st.single_io = None
        if names is None:
            # a Sequential without an input shape: finished when the first data builds it
            st.pending = (loss, loss_weights, metrics, weighted_metrics)
            st.train_vars = None
            return
        self._finish_compile(loss, loss_weights, metrics, weighted_metrics, built)

    def _finish_compile(self, loss, loss_weights, metrics, weighted_metrics, built=None):
        st = self._tstate()
        if built is None:
            names = self._t_output_names()
            built = (CompileLoss(loss, loss_weights, names),
                     CompileMetrics(metrics, weighted_metrics, names))
        cl, cm = built
        st.compile_loss = cl
        st.compile_metrics = cm
        st.pending = None
        # the trainable set is frozen here: `trainable` changes take effect at the next compile
        st.train_vars = list(self.trainable_weights)
        st.single_io = None
        st.compile_config = {"loss": cl.get_config()["loss"], "loss_weights": loss_weights,
                             **cm.get_config()}
        self._scan_layers()

    def _build_from_data(self, x):
        """Build a model without input shape (lazy Sequential) by calling it on one sample."""
        st = self._tstate()
        if st.pending is None and getattr(self, "built", True):
            return
        first = x
        if isinstance(first, dict):
            first = next(iter(first.values()))
        elif isinstance(first, (list, tuple)) and len(first) == 1 and hasattr(first[0], "shape"):
            first = first[0]
        arr = np.asarray(getattr(first, "value", first))
        if not getattr(self, "built", True):
            self(arr[:1], training=False)
        if st.pending is not None:
            self._finish_compile(*st.pending)

    def _scan_layers(self):
        st = self._tstate()
        layers = self._flatten_layers() if hasattr(self, "_flatten_layers") else []
        check = False
        for layer in layers:
            if getattr(layer, "_weight_regularizers", None) or \
                    getattr(layer, "activity_regularizer", None) is not None or \
                    not type(layer).__module__.startswith("pyfapi."):
                check = True  # layers that may add losses: collect model.losses each step
        st.check_losses = check

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model. "
                             f"({method} was called on {getattr(self, 'name', 'the model')!r})")

    @property
    def metrics_names(self):
        """``['loss', <output>_loss..., <metric names sorted>]`` once the model has seen data."""
        st = self._tstate()
        if st.compile_loss is None:
            return []
        names = ["loss"] + st.compile_loss.loss_names
        if st.compile_metrics.built:
            names += sorted(st.compile_metrics.names)
        return names

    # ---- data preparation ---------------------------------------------------------------------
    def _prepare(self, x, y, sample_weight, class_weight=None, arg_prefix=""):
        """Arrays ordered per input / output, converted once, with their sample count
        (``class_weight`` is only checked against ``sample_weight`` here; see
        ``_class_weights``)."""
        st = self._tstate()
        if sample_weight is None and class_weight is None and type(x) is np.ndarray and \
                type(y) is np.ndarray and x.ndim and y.ndim and y.dtype == np.float32:
            # fast path (train_on_batch at small batches): one float32 target and one input of
            # the input's dtype need no conversion; the same checks as the general path
            fast = st.single_io
            if fast is None:
                fast = self._single_io()
                st.single_io = fast
            if fast is not False and x.dtype == fast:
                n = x.shape[0]
                if n == y.shape[0] and n:
                    return [x], [y], None, n
        cl = st.compile_loss
        names = self._t_output_names()
        xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes(),
                                   arg=f"{arg_prefix}x")
        ys = da.standardize_targets(y, names, sparse_outputs=cl.sparse_outputs if cl else (),
                                    arg=f"{arg_prefix}y",
                                    required=cl.required_outputs if cl else ())
        sws = da.standardize_sample_weights(sample_weight, names,
                                            arg=f"{arg_prefix}sample_weight")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("Arguments `sample_weight` and `class_weight` cannot be given at "
                             "the same time")
        groups = [(f"{arg_prefix}x[{n!r}]", a) for n, a in zip(self._t_input_names(), xs)]
        groups += [(f"{arg_prefix}y[{n!r}]", a) for n, a in zip(names, ys)]
        if sws is not None:
            groups += [(f"{arg_prefix}sample_weight[{n!r}]", a) for n, a in zip(names, sws)]
        n = da.check_sample_counts(groups)
        if n == 0:
            raise ValueError(f"{arg_prefix}x holds 0 samples: nothing to train or evaluate on")
        return xs, (ys if any(a is not None for a in ys) else None), sws, n

    def _stream(self, data, method, steps, shuffle=False, class_weight=None, need_y=True,
                arg="x"):
        """A :class:`~pyfapi.training.batch_stream.StreamBatcher` over a generator / iterable /
        PyDataset: each batch is unpacked, built on (first batch), converted and checked as
        arrays are (``_prepare``), with ``class_weight`` turned into sample weights."""
        first = [True]

        def standardize(x, y, sw):
            if class_weight is not None and sw is not None:
                raise ValueError(f"{method}: `class_weight` and batches with sample weights "
                                 f"cannot be combined")
            if first[0]:
                self._build_from_data(x)
            if not need_y:
                xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes(),
                                           arg=arg)
                n = da.check_sample_counts([(f"{arg}[{k!r}]", a)
                                            for k, a in zip(self._t_input_names(), xs)])
                return xs, None, None, n
            xs, ys, sws, n = self._prepare(x, y, sw, arg_prefix="" if arg == "x" else arg + " ")
            if ys is None:
                raise ValueError(f"{method}: the batches of {arg} must be (x, y) or (x, y, "
                                 f"sample_weight) to compute the loss; received batches without "
                                 f"targets")
            if class_weight is not None:
                sws = self._class_weights(ys, class_weight)
            if first[0]:
                self._ensure_built(xs, ys)
                first[0] = False
            return xs, ys, sws, n

        return bs.StreamBatcher(data, standardize, steps=steps, shuffle=shuffle, arg=arg)

    def _single_io(self):
        """The input dtype when the model has one input and one output with a loss, else False
        (cached per compile for :meth:`_prepare`'s fast path)."""
        cl = self._tstate().compile_loss
        names = self._t_output_names()
        if cl is None or names is None or len(names) != 1 or len(self._t_input_names()) != 1 \
                or cl.required_outputs != names:
            return False
        return da._np_dtype(self._t_input_dtypes()[0])

    def _class_weights(self, ys, class_weight):
        """Per-output sample weights from ``class_weight`` (single-output models)."""
        st = self._tstate()
        names = self._t_output_names()
        active = [e.index for e in st.compile_loss.entries]
        if len(active) != 1:
            raise ValueError("`class_weight` is only supported for models with a single output "
                             f"with a loss; this model has outputs {names}")
        sws = [None] * len(names)
        sws[active[0]] = da.class_weight_to_sample_weights(ys[active[0]], class_weight)
        return sws

    def _model_input(self, xs):
        return xs[0] if len(xs) == 1 else xs

    def _ensure_built(self, xs, ys):
        """Build the model (lazy Sequential), resolve shape-dependent losses/metrics."""
        st = self._tstate()
        if not getattr(self, "built", True) or st.train_vars is None:
            if not getattr(self, "built", True):
                self(self._model_input([a[:1] for a in xs]), training=False)
            if st.train_vars is None:
                st.train_vars = list(self.trainable_weights)
            self._scan_layers()
        if st.built_for is not None:
            return
        names = self._t_output_names()
        yp_shapes = []
        for t in getattr(self, "outputs", None) or []:
            yp_shapes.append(tuple(t.shape))
        if len(yp_shapes) != len(names):
            outs = _as_list(self(self._model_input([a[:1] for a in xs]), training=False), names)
            yp_shapes = [tuple(o.shape) for o in outs]
        yt_shapes = [None if ys is None or ys[i] is None else tuple(ys[i].shape)
                     for i in range(len(names))]
        cl = st.compile_loss
        if not cl.built:
            if ys is None:
                return
            cl.build([s or p for s, p in zip(yt_shapes, yp_shapes)], yp_shapes)
        losses = [None] * len(names)
        for e in cl.entries:
            losses[e.index] = e.fn
        st.compile_metrics.build(yt_shapes, yp_shapes, losses)
        st.built_for = True

    # ---- trackers -----------------------------------------------------------------------------
    def _reset_trackers(self):
        st = self._tstate()
        st.loss_sum = 0.0
        st.count = 0.0
        st.per_sum = [0.0] * len(st.compile_loss.entries)
        st.compile_metrics.reset()

    def reset_metrics(self):
        """Reset the loss trackers and every metric."""
        if self.compiled:
            self._reset_trackers()

    def _logs(self):
        st = self._tstate()
        c = st.count or 1.0
        logs = {"loss": st.loss_sum / c}
        if st.compile_loss.report_per_output:
            for name, s in zip(st.compile_loss.loss_names, st.per_sum):
                logs[name] = s / c
        logs.update(st.compile_metrics.results())
        return dict(sorted(logs.items()))

    def _flat_logs(self, logs):
        """evaluate's list order: loss, per-output losses (output order), metrics by name."""
        st = self._tstate()
        order = ["loss"] + st.compile_loss.loss_names
        out = [logs[k] for k in order if k in logs]
        out += [logs[k] for k in sorted(logs) if k not in order]
        return out[0] if len(out) == 1 else out

    # ---- steps --------------------------------------------------------------------------------
    def _forward_loss(self, xb, yb, swb, training):
        st = self._tstate()
        if st.check_losses and hasattr(self, "_clear_losses"):
            self._clear_losses()
        outs = _as_list(self(self._model_input(xb), training=training),
                        st.compile_loss.output_names)
        total, per = st.compile_loss(yb, outs, swb)
        if st.check_losses:
            extra = self.losses
            if extra:
                for t in extra:
                    total = total + t
        return total, per, outs

    def _train_step(self, xb, yb, swb):
        GradientTape = _gradient_tape()
        st = self._tstate()
        train_vars = st.train_vars
        with GradientTape() as tape:
            if train_vars:
                # the list captured at compile, even if a layer was frozen since (Keras 3:
                # `trainable` changes take effect at the next compile, in both directions)
                tape.watch(train_vars)
            total, per, outs = self._forward_loss(xb, yb, swb, True)
        if train_vars:
            grads = tape.gradient(total, train_vars)
            self.optimizer.apply(grads, train_vars)  # also applies Variable.constraint
        return total, per, outs

    def _accumulate(self, total, per, outs, yb, swb, size):
        st = self._tstate()
        st.loss_sum += float(total.value) * size
        st.count += size
        ps = st.per_sum
        for k, p in enumerate(per):
            ps[k] += float(p.value) * size
        if st.compile_metrics.entries:
            st.compile_metrics.update(yb, _values(outs), swb,
                                      [getattr(t, "_keras_mask", None) for t in outs])

    # ---- fit ----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs (Keras 3 ``Model.fit``).

        Args:
            x: array, list of arrays in input order, or dict by input name.
            y: array, list in output order, or dict by output name.
            batch_size: samples per step (default 32).
            epochs: index of the last epoch (training runs ``initial_epoch .. epochs-1``).
            verbose: ``'auto'`` (= 1), 0, 1 or 2 (see :mod:`pyfapi.training.progbar`).
            callbacks: list of :class:`pyfapi.callbacks.Callback`.
            validation_split: fraction in (0, 1) of the LAST samples held out (before shuffling).
            validation_data: ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``.
            shuffle: True, False or ``'batch'``; uses :func:`pyfapi.utils.random.global_rng`.
            class_weight: dict class index -> weight (single-output models).
            sample_weight: per-sample weights, one array (all outputs) or a dict by output name.
            initial_epoch: epoch to start from (to resume).
            steps_per_epoch: batches per epoch (default all). As Keras 3 with arrays, the pass
                over the data continues into the next epoch; when it runs out inside an epoch,
                that epoch ends early with the "Your input ran out of data" ``UserWarning``
                (data is never cycled within an epoch).
            validation_steps, validation_batch_size: as ``evaluate``'s ``steps`` / ``batch_size``.

        Returns:
            :class:`pyfapi.callbacks.History` (also ``model.history``) with ``loss``,
            ``<output>_loss``, metric keys and their ``val_`` versions, one value per epoch.

        Raises:
            ValueError: compile was not called (Keras 3's message); inconsistent data (names,
                list lengths, sample counts), bad arguments (``batch_size``, ``steps_per_epoch``,
                ``validation_batch_size``, ``validation_steps`` must be positive ints, not bools
                or floats; numpy ints are accepted).
        """
        self._assert_compiled("fit")
        verbose = _resolve_verbose(verbose)
        batch_size = _check_int(batch_size, "fit", "batch_size") or 32
        steps_per_epoch = _check_int(steps_per_epoch, "fit", "steps_per_epoch")
        validation_batch_size = _check_int(validation_batch_size, "fit", "validation_batch_size")
        validation_steps = _check_int(validation_steps, "fit", "validation_steps")
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, received {epochs!r}")
        streamed = bs.is_stream(x)
        if streamed:
            _check_stream_args("fit", y=y, sample_weight=sample_weight,
                               validation_split=validation_split)
        elif y is None and not isinstance(x, (list, tuple, dict)) and x is not None:
            raise ValueError("fit: y is required (targets for the losses), received None")
        if validation_data is not None and validation_split:
            validation_split = 0.0  # Keras: validation_data overrides validation_split
        val = val_stream = None
        if streamed:
            batcher = self._stream(x, "fit", steps_per_epoch, shuffle=shuffle,
                                   class_weight=class_weight)
        else:
            self._build_from_data(x)
            xs, ys, sws, _ = self._prepare(x, y, sample_weight, class_weight)
            if ys is None:
                raise ValueError("fit: y is required (targets for the losses), received None")
            if validation_split:
                (xs, ys, sws), (vxs, vys, vsws) = da.train_validation_split(
                    [xs, ys, sws], float(validation_split))
                val = (vxs, vys, vsws)
            if class_weight is not None:  # after the split: validation is not class-weighted
                sws = self._class_weights(ys, class_weight)
            self._ensure_built(xs, ys)
            batcher = da.ArrayBatcher(xs, ys, sws, batch_size=int(batch_size), shuffle=shuffle,
                                      steps=steps_per_epoch)
        if validation_data is not None:
            if bs.is_stream(validation_data):
                val_stream = self._stream(validation_data, "fit", validation_steps,
                                          arg="validation_data")
            else:
                vx, vy, vsw = da.unpack_validation_data(validation_data)
                vxs, vys, vsws, vn = self._prepare(vx, vy, vsw, arg_prefix="validation_data ")
                val = (vxs, vys, vsws)
        try:
            return self._fit_loop(batcher, val, val_stream, epochs, initial_epoch, verbose,
                                  callbacks, batch_size, validation_batch_size, validation_steps,
                                  validation_freq)
        finally:
            batcher_close = getattr(batcher, "close", None)
            if batcher_close is not None:
                batcher_close()
            if val_stream is not None:
                val_stream.close()

    def _fit_loop(self, batcher, val, val_stream, epochs, initial_epoch, verbose, callbacks,
                  batch_size, validation_batch_size, validation_steps, validation_freq):
        steps = batcher.steps
        cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                            add_progbar=verbose != 0, model=self)
        cbs.set_params({"verbose": verbose, "epochs": int(epochs), "steps": steps})
        need_batch = cbs.needs_train_batch
        self.stop_training = False
        cbs.on_train_begin()
        epoch_logs = {}
        train_step = self._train_step
        accumulate = self._accumulate
        for epoch in range(int(initial_epoch), int(epochs)):
            if self._tstate().compile_loss is not None and self._tstate().built_for:
                self._reset_trackers()
            cbs.on_epoch_begin(epoch)
            seen = 0
            for step, xb, yb, swb, size in batcher.epoch():
                if not seen:
                    self._reset_trackers()  # (streamed data: the model is built by now)
                seen += 1
                if need_batch:
                    cbs.on_train_batch_begin(step)
                total, per, outs = train_step(xb, yb, swb)
                accumulate(total, per, outs, yb, swb, size)
                if need_batch:
                    cbs.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            if not seen:  # a generator with nothing left: Keras's warning was given; stop
                break
            if batcher.steps != cbs.params.get("steps"):  # learnt from a finished stream
                cbs.set_params({**cbs.params, "steps": batcher.steps})
            epoch_logs = self._logs()
            if (val is not None or val_stream is not None) and \
                    (epoch + 1) % max(1, int(validation_freq)) == 0:
                val_logs = self._evaluate_arrays(
                    *(val or (None, None, None)), batch_size=validation_batch_size or batch_size,
                    callbacks=cbs, steps=validation_steps, in_fit=True, batcher=val_stream)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        self.history = cbs._history
        return self.history

    # ---- evaluate -----------------------------------------------------------------------------
    def _evaluate_arrays(self, xs, ys, sws, batch_size, callbacks, steps=None, in_fit=False,
                         batcher=None):
        if batcher is None:
            self._ensure_built(xs, ys)
            # a new batcher per call: every validation starts at the first batch (as Keras 3)
            batcher = da.ArrayBatcher(xs, ys, sws, batch_size=int(batch_size or 32),
                                      shuffle=False, steps=steps)
        # in fit, the epoch's training logs were taken before validation resets the trackers
        if self._tstate().built_for:
            self._reset_trackers()
        if in_fit:
            params = dict(callbacks.params)
            params["_in_fit"] = True
            callbacks.params = params
            for c in callbacks.callbacks:
                c.params = params
        else:
            callbacks.set_params({**callbacks.params, "steps": batcher.steps})
        need_batch = callbacks.needs_test_batch
        callbacks.on_test_begin()
        seen = False
        for step, xb, yb, swb, size in batcher.epoch():
            if not seen:
                self._reset_trackers()
                seen = True
            if need_batch:
                callbacks.on_test_batch_begin(step)
            total, per, outs = self._forward_loss(xb, yb, swb, False)
            self._accumulate(total, per, outs, yb, swb, size)
            if need_batch:
                callbacks.on_test_batch_end(step, self._logs())
        logs = self._logs()
        callbacks.on_test_end(logs)
        if in_fit:
            params = {k: v for k, v in callbacks.params.items() if k != "_in_fit"}
            callbacks.params = params
            for c in callbacks.callbacks:
                c.params = params
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics over the data (Keras 3 ``Model.evaluate``), in batches.

        Returns:
            A float (loss only), a list ``[loss, <output>_loss..., metrics by name]``, or a dict
            with ``return_dict=True``. Values are means over samples, independent of
            ``batch_size``. ``steps`` limits the batches; more steps than batches stop at the
            end of the data with Keras's "ran out of data" ``UserWarning`` (never cycling).

        Raises:
            ValueError: compile was not called; inconsistent data; ``batch_size`` / ``steps``
                not a positive int.
        """
        self._assert_compiled("evaluate")
        batch_size = _check_int(batch_size, "evaluate", "batch_size")
        steps = _check_int(steps, "evaluate", "steps")
        verbose = _resolve_verbose(verbose)
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": None})
        if bs.is_stream(x):
            _check_stream_args("evaluate", y=y, sample_weight=sample_weight)
            stream = self._stream(x, "evaluate", steps)
            try:
                cbs.set_params({**cbs.params, "steps": stream.steps})
                logs = self._evaluate_arrays(None, None, None, None, cbs, batcher=stream)
            finally:
                stream.close()
            if not self._tstate().built_for:
                raise ValueError("evaluate: the data gave no batch")
            return logs if return_dict else self._flat_logs(logs)
        self._build_from_data(x)
        xs, ys, sws, n = self._prepare(x, y, sample_weight)
        if ys is None:
            raise ValueError("evaluate: y is required to compute the loss, received None")
        logs = self._evaluate_arrays(xs, ys, sws, batch_size or 32, cbs, steps=steps)
        if return_dict:
            return logs
        return self._flat_logs(logs)

    # ---- predict ------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` computed in batches with ``training=False``.

        Returns:
            One numpy array for a single-output model, else a list in output order (a dict by
            output name when the model was built with a dict of outputs). ``steps`` limits the
            batches; more steps than batches stop at the end of the data with Keras's "ran out
            of data" ``UserWarning`` (rows are never repeated).

        Raises:
            ValueError: inconsistent inputs (names, list length, sample counts);
                ``batch_size`` / ``steps`` not a positive int.
        """
        batch_size = _check_int(batch_size, "predict", "batch_size") or 32
        steps = _check_int(steps, "predict", "steps")
        verbose = _resolve_verbose(verbose)
        if bs.is_stream(x):
            batcher = self._stream(x, "predict", steps, need_y=False)
            try:
                return self._predict_loop(batcher, verbose, callbacks, None)
            finally:
                batcher.close()
        self._build_from_data(x)
        xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes())
        da.check_sample_counts([(f"x[{n!r}]", a) for n, a in zip(self._t_input_names(), xs)])
        batcher = da.ArrayBatcher(xs, batch_size=batch_size, shuffle=False, steps=steps)
        return self._predict_loop(batcher, verbose, callbacks, xs)

    def _predict_loop(self, batcher, verbose, callbacks, xs):
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": batcher.steps})
        need_batch = cbs.needs_predict_batch
        cbs.on_predict_begin()
        chunks = None
        single = True
        keys = None
        for step, xb, _, _, _ in batcher.epoch():
            if need_batch:
                cbs.on_predict_batch_begin(step)
            out = self(self._model_input(xb), training=False)
            single = not isinstance(out, (list, tuple, dict))
            if isinstance(out, dict):
                keys = list(out)
            vals = [np.asarray(v) for v in _values(_as_list(out))]
            if chunks is None:
                chunks = [[] for _ in vals]
            for c, v in zip(chunks, vals):
                c.append(v)
            if need_batch:
                cbs.on_predict_batch_end(step, {"outputs": vals})
        cbs.on_predict_end()
        if chunks is None and xs is None:
            raise ValueError("predict: the data gave no batch")
        if chunks is None:  # 0 samples: empty arrays shaped like the outputs (dtype float32)
            out = self(self._model_input([np.zeros((1,) + a.shape[1:], a.dtype) for a in xs]),
                       training=False)
            single = not isinstance(out, (list, tuple, dict))
            keys = list(out) if isinstance(out, dict) else None
            chunks = [[np.asarray(v)[:0]] for v in _values(_as_list(out))]
        results = [np.concatenate(c, axis=0) if len(c) > 1 else np.array(c[0], copy=True)
                   for c in chunks]
        if keys is not None:
            return dict(zip(keys, results))
        return results[0] if single else results

    # ---- on-batch variants --------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient step on one batch; returns its loss (and metrics) as evaluate does."""
        self._assert_compiled("train_on_batch")
        self._build_from_data(x)
        xs, ys, sws, n = self._prepare(x, y, sample_weight, class_weight)
        if ys is None:
            raise ValueError("train_on_batch: y is required, received None")
        if class_weight is not None:
            sws = self._class_weights(ys, class_weight)
        self._ensure_built(xs, ys)
        self._reset_trackers()
        total, per, outs = self._train_step(xs, ys, sws)
        self._accumulate(total, per, outs, ys, sws, n)
        logs = self._logs()
        return logs if return_dict else self._flat_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch without updating weights."""
        self._assert_compiled("test_on_batch")
        self._build_from_data(x)
        xs, ys, sws, n = self._prepare(x, y, sample_weight)
        if ys is None:
            raise ValueError("test_on_batch: y is required, received None")
        self._ensure_built(xs, ys)
        self._reset_trackers()
        total, per, outs = self._forward_loss(xs, ys, sws, False)
        self._accumulate(total, per, outs, ys, sws, n)
        logs = self._logs()
        return logs if return_dict else self._flat_logs(logs)

    def predict_on_batch(self, x):
        """Outputs for one batch (numpy), as predict returns them."""
        xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes())
        out = self(self._model_input(xs), training=False)
        if isinstance(out, dict):
            return {k: np.array(getattr(v, "value", v), copy=True) for k, v in out.items()}
        if isinstance(out, (list, tuple)):
            return [np.array(v, copy=True) for v in _values(out)]
        return np.array(getattr(out, "value", out), copy=True)

    # ---- saving -------------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True):
        """Write the weights to an HDF5 ``.weights.h5`` file (see :mod:`pyfapi.saving`)."""
        from pyfapi.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Read weights written by :meth:`save_weights` (or from a ``.keras`` archive); every
        array is checked before any weight is assigned (see :mod:`pyfapi.saving`)."""
        from pyfapi.saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, zipped=True):
        """Write a ``.keras`` archive: architecture, weights, compile config, optimizer state."""
        from pyfapi.saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def get_compile_config(self):
        """The JSON-able arguments of the last ``compile`` (None if not compiled)."""
        st = self._tstate()
        if st.compile_config is None:
            return None
        return {"optimizer": optimizers_module.serialize(self.optimizer), **st.compile_config}

    def compile_from_config(self, config, custom_objects=None):
        """Re-run ``compile`` from :meth:`get_compile_config`'s output.

        Raises:
            ValueError: the config names a custom loss/metric that ``custom_objects`` lacks.
        """
        from pyfapi import losses, metrics
        cfg = dict(config)
        opt = optimizers_module.deserialize(cfg.pop("optimizer"))
        co = custom_objects or {}
        self.compile(optimizer=opt, loss=_deser(cfg.get("loss"), losses.deserialize, co),
                     loss_weights=cfg.get("loss_weights"),
                     metrics=_deser(cfg.get("metrics"), metrics.get, co),
                     weighted_metrics=_deser(cfg.get("weighted_metrics"), metrics.get, co))


def _deser(spec, fn, custom_objects):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return [_deser(s, fn, custom_objects) for s in spec]
    if isinstance(spec, dict) and "custom" in spec and len(spec) == 1:
        name = spec["custom"]
        if name not in custom_objects:
            raise ValueError(
                f"The model was compiled with the custom object {name!r}; pass it as "
                f"custom_objects={{{name!r}: ...}} to load_model (or use compile=False)")
        return custom_objects[name]
    if isinstance(spec, dict) and "class_name" in spec:
        return fn(spec)
    if isinstance(spec, dict):
        return {k: _deser(v, fn, custom_objects) for k, v in spec.items()}
    return spec
