"""The :class:`Trainer` mixin: ``compile``, ``fit``, ``evaluate``, ``predict``, the ``*_on_batch``
variants and the saving entry points, for :class:`pyfapi.Model` and :class:`pyfapi.Sequential`.

The fused loop relies on the model exposing ``inputs``, ``outputs``, ``input_names``,
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
from pyfapi import tree
from pyfapi.training import batch_stream as bs
from pyfapi.training import data_adapter as da
from pyfapi.training.compile_utils import CompileLoss, CompileMetrics, LossTracker, as_output_list
from pyfapi.training.structured_arrays import StructuredArrays
from pyfapi.utils import distributed_context as _dist
from pyfapi.utils.object_registration import find_custom
from pyfapi.utils.object_registration import resolve as resolve_custom_objects
from pyfapi.utils.step_data import unpack_x_y_sample_weight

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
    """Model outputs (Tensor, list/tuple, or dict by output name) as a list in output order
    (a dict without ``names``: by sorted key, as Keras 3's ``tree.flatten``)."""
    if isinstance(out, (list, tuple)):
        return list(out)
    if isinstance(out, dict):
        return [out[n] for n in names] if names is not None else tree.flatten(out)
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
        self.compiled = False
        self.compile_loss = None     # CompileLoss, None without a `loss`
        self.compile_metrics = None  # CompileMetrics (always, maybe without entries)
        self.has_metrics = False     # `metrics` or `weighted_metrics` given to compile
        self.loss_tracker = None     # LossTracker "loss" (Keras 3's Mean loss tracker)
        self.train_vars = None
        self.check_losses = False
        self.built_for = None
        self.compile_config = None
        self.pending = None
        self.output_names = None     # a subclassed model's output names, from its first output
        self.dict_outputs = False    # ... and whether they were a dict
        self.named_outputs = True    # False for a subclassed model's list outputs (no names)
        self.single_io = None   # (input dtype) for _prepare's fast path, or False; per compile
        self.log_metrics = None      # self.metrics, listed once per epoch for the fused loop


_DEFAULT_STEPS: dict = {}  # (class, kind) -> True when the class overrides none of the steps
_STEP_METHODS = {"train": ("train_step", "compute_loss", "compute_metrics"),
                 "test": ("test_step", "compute_loss", "compute_metrics"),
                 "predict": ("predict_step",)}


def _pythonify_logs(logs):
    """Step logs as ``{name: float}`` (nested dicts flattened, 0-d values as floats; Keras 3
    ``pythonify_logs``)."""
    out = {}
    for key, value in logs.items():
        if type(value) is float:
            out[key] = value
            continue
        if isinstance(value, dict):
            out.update(_pythonify_logs(value))
            continue
        v = getattr(value, "value", value)
        try:
            arr = np.asarray(v)
        except (TypeError, ValueError):
            out[key] = value
            continue
        out[key] = float(arr) if arr.ndim == 0 and arr.dtype.kind in "biuf" else value
    return out


class Trainer:
    """Mixin giving a model Keras 3's training API (see the module docstring).

    Extension points, as Keras 3 (``keras/src/trainers/trainer.py``): ``fit`` / ``evaluate`` /
    ``predict`` call :meth:`train_step` / :meth:`test_step` / :meth:`predict_step` once per
    batch; the default steps call :meth:`compute_loss` and :meth:`compute_metrics`. A subclass
    may override any of them (see the Keras guide "Customizing what happens in fit()"); ``fit``
    then calls the override as written, with ``data`` packed as
    :func:`pyfapi.training.step_data.pack_x_y_sample_weight` describes. A functional or
    Sequential model that overrides none of them trains through a fused loop with the same
    results (no per-step re-packing of the data).
    """

    # ---- state ------------------------------------------------------------------------------
    def _tstate(self) -> _State:
        st = self.__dict__.get("_trainer_state")
        if st is None:
            st = _State()
            object.__setattr__(self, "_trainer_state", st)
        return st

    @property
    def compiled(self) -> bool:
        """True once ``compile()`` has been called."""
        return self._tstate().compiled

    def _graph_io(self) -> bool:
        """True when the model has named inputs/outputs (functional, Sequential): the fused
        loop's data preparation applies. Models override this."""
        return False

    def _t_output_names(self):
        st = self._tstate()
        if self._graph_io():
            try:
                names = self.output_names
            except (AttributeError, ValueError):
                return None
            return None if names is None else list(names)
        return None if st.output_names is None else list(st.output_names)

    def _t_input_names(self):
        return list(self.input_names)

    def _t_input_dtypes(self):
        out = []
        for t in self.inputs:
            out.append(getattr(t, "dtype", "float32") or "float32")
        return out

    def _uses_fused(self, kind) -> bool:
        """Whether ``kind`` ("train" / "test" / "predict") can run the fused loop: a model with
        graph inputs/outputs, a compiled loss, and none of the step methods overridden."""
        if not self._graph_io():
            return False
        key = (type(self), kind)
        default = _DEFAULT_STEPS.get(key)
        if default is None:
            default = _DEFAULT_STEPS[key] = all(
                getattr(type(self), name) is getattr(Trainer, name)
                for name in _STEP_METHODS[kind])
        if not default:
            return False
        if kind != "predict":
            st = self._tstate()
            if st.compile_loss is None and (st.pending is None or st.pending[0] is None):
                return False
        return True

    # ---- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training (Keras 3 ``Model.compile``).

        Args:
            optimizer: name (``'sgd'``, ``'rmsprop'``, ``'adam'``, ``'adamw'``, ``'adagrad'``) or
                a :mod:`pyfapi.optimizers` instance.
            loss: string / callable / Loss, a list (one per output) or a dict by output name;
                None is allowed for models whose ``train_step`` / ``compute_loss`` computes the
                loss (or that only ``add_loss``).
            loss_weights: float, list or dict by output name (total loss is the weighted sum).
            metrics: list, list of lists (one per output) or dict by output name; ``'acc'`` /
                ``'accuracy'`` resolve per output.
            weighted_metrics: as ``metrics``, computed with the sample weights.
            run_eagerly, steps_per_execution, jit_compile, auto_scale_loss: accepted for Keras
                compatibility (pyfapi always runs eagerly).

        A subclassed model's outputs are known once it has been called: its losses and metrics
        are mapped onto them at the first batch (the keys of a dict; a list's outputs have no
        names: as Keras 3, their losses and metrics are reported as ``mse_loss``, ``mae``, ...).

        Raises:
            ValueError: a wrong loss/metric dict key, list length or unknown name (the message
                lists the expected output names and what was received).
        """
        st = self._tstate()
        opt = optimizers_module.get(optimizer)
        names = self._t_output_names()
        built = None
        if names is not None:
            # everything is validated before the model's state changes
            built = self._compile_objects(loss, loss_weights, metrics, weighted_metrics, names)
        elif loss is not None and not isinstance(loss, (list, tuple, dict)):
            CompileLoss(loss, loss_weights, ["output"])  # unknown names fail at compile time
        self.optimizer = opt
        self.loss = loss
        self.stop_training = False
        st.compiled = True
        st.loss_tracker = LossTracker(name="loss")
        st.has_metrics = metrics is not None or weighted_metrics is not None
        st.built_for = None
        st.compile_loss = None
        st.compile_metrics = None
        st.pending = None
        st.single_io = None
        st.log_metrics = None
        if names is None:
            # a Sequential without an input shape or a subclassed model: finished when the first
            # data has been through the model
            st.pending = (loss, loss_weights, metrics, weighted_metrics)
            st.train_vars = None
            return
        self._finish_compile(loss, loss_weights, metrics, weighted_metrics, built)

    def _compile_objects(self, loss, loss_weights, metrics, weighted_metrics, names):
        cl = None
        if loss is not None:
            cl = CompileLoss(loss, loss_weights, names, dict_outputs=isinstance(
                self.__dict__.get("_outputs_struct"), dict) or self._tstate().dict_outputs,
                named_outputs=self._tstate().named_outputs)
        return cl, CompileMetrics(metrics, weighted_metrics, names,
                                  named_outputs=self._tstate().named_outputs)

    def _finish_compile(self, loss, loss_weights, metrics, weighted_metrics, built=None):
        st = self._tstate()
        if built is None:
            built = self._compile_objects(loss, loss_weights, metrics, weighted_metrics,
                                          self._t_output_names())
        cl, cm = built
        st.compile_loss = cl
        st.compile_metrics = cm
        st.pending = None
        # the trainable set is frozen here: `trainable` changes take effect at the next compile
        st.train_vars = list(self.trainable_weights) if getattr(self, "built", True) else None
        st.single_io = None
        st.log_metrics = None
        st.compile_config = {"loss": cl.get_config()["loss"] if cl is not None else None,
                             "loss_weights": loss_weights, **cm.get_config()}
        self._scan_layers()

    def _finish_from_outputs(self, y_pred):
        """Complete a pending compile of a subclassed model from its first outputs."""
        st = self._tstate()
        if st.pending is None:
            return
        if self._t_output_names() is None:
            if isinstance(y_pred, dict):  # Keras 3 (tree.flatten): outputs by sorted key
                st.output_names = tree.dict_keys(y_pred)
                st.dict_outputs = True
            elif isinstance(y_pred, (list, tuple)):
                # internal keys only: Keras 3 names the losses and metrics of unnamed outputs
                # by the loss / metric alone (see CompileLoss / CompileMetrics named_outputs)
                st.output_names = [f"output_{i + 1}" for i in range(len(y_pred))]
                st.named_outputs = False
            else:
                st.output_names = ["output"]
        self._finish_compile(*st.pending)

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

    def _build_from_structured(self, data, batch_size=2):
        """Build a model for the structured (step method) path: call it once on the first
        samples when it is not built or its compile waits for its outputs (Keras 3
        ``_symbolic_build``); freeze the trainable variables if compile could not. A model
        without ``call`` (a GAN-style container whose ``train_step`` calls its sub-models) is
        not called."""
        st = self._tstate()
        pending = st.pending
        needs_outputs = pending is not None and (pending[0] is not None or st.has_metrics)
        y_pred = None
        if needs_outputs or not getattr(self, "built", True):
            if needs_outputs or self._call_defined():
                xs = data.flats[0]
                if xs is None:
                    raise ValueError(f"Model {getattr(self, 'name', '')!r}: no input data (x is "
                                     "None) to build the model with")
                # the first batch: layers record Keras's shapes (summary shows the batch size)
                x = tree.pack_sequence_as(data.structs[0], [a[:batch_size] for a in xs])
                y_pred = self._call_model(x, False)
            else:
                object.__setattr__(self, "built", True)
        if st.pending is not None:
            if y_pred is None:
                st.output_names = st.output_names or ["output"]
                self._finish_compile(*st.pending)
            else:
                self._finish_from_outputs(y_pred)
        if st.train_vars is None:
            st.train_vars = list(self.trainable_weights)
            self._scan_layers()

    def _call_defined(self) -> bool:
        """Whether the model computes something when called (Models override this)."""
        return True

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

    # ---- metrics (Keras 3) ------------------------------------------------------------------
    @property
    def metrics(self):
        """The model's metrics, as Keras 3 orders them: the loss tracker (``loss``), the
        compiled metrics (one ``compile_metrics`` object, when ``metrics`` were given), the
        per-output loss trackers, then the :class:`~pyfapi.metrics.Metric` objects assigned
        as attributes of the model and of its layers (nested models excluded)."""
        st = self._tstate()
        out = []
        if st.compiled:
            out.append(st.loss_tracker)
            if st.has_metrics and st.compile_metrics is not None:
                out.append(st.compile_metrics)
            if st.compile_loss is not None:
                out.extend(st.compile_loss.metrics)
        out.extend(self.__dict__.get("_metrics", ()))
        if hasattr(self, "_flatten_layers"):
            for layer in self._flatten_layers(include_self=False):
                if isinstance(layer, Trainer):
                    continue
                out.extend(layer.__dict__.get("_metrics", ()))
        return out

    @property
    def metrics_names(self):
        """``[m.name for m in self.metrics]`` (Keras 3: ``['loss', 'compile_metrics', ...]``)."""
        return [m.name for m in self.metrics]

    @property
    def metrics_variables(self):
        """The state variables of every metric in :attr:`metrics`."""
        out = []
        for m in self.metrics:
            out.extend(getattr(m, "variables", None) or [])
        return out

    def _metric_result_names(self, metrics=None):
        """The keys ``get_metrics_result`` reports (compiled metrics by their own names)."""
        names = []
        for m in self.metrics if metrics is None else metrics:
            if isinstance(m, CompileMetrics):
                # Keras 3 lists the compiled metrics by their own names (no output prefix, no
                # _1 suffix), so prefixed or renamed results come last, sorted, in evaluate's
                # list, and a repeated name repeats its value
                names += m.own_names if m.built else []
            else:
                names.append(m.name)
        return names

    def reset_metrics(self):
        """``reset_state()`` on every metric of :attr:`metrics`."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """``{name: float}`` of every metric in :attr:`metrics` (the compiled metrics' dict
        merged in), as Keras 3."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return _pythonify_logs(out)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of one batch (Keras 3 ``Model.compute_loss``): the compiled losses
        (weighted sum over outputs) plus every loss of ``self.losses`` (``add_loss`` and
        regularization penalties of the last call). Updates the per-output loss trackers.

        Args:
            x: the inputs (unused by the default; overrides may use them).
            y: targets, structured as the outputs (array, list in output order, dict by name).
            y_pred: the model's outputs for ``x``.
            sample_weight: None, one array for all outputs, a list or a dict by output name.
            training: whether the loss is for a training step.

        Returns:
            A scalar Tensor (differentiable on an active GradientTape).

        Raises:
            ValueError: no compiled loss and no added losses ("No loss to compute"), or
                targets / weights that do not match the outputs (names them).
        """
        del x, training
        st = self._tstate()
        if st.pending is not None and y_pred is not None:
            self._finish_from_outputs(y_pred)
        losses = []
        cl = st.compile_loss
        if cl is not None:
            names = cl.output_names
            if y is None:
                raise ValueError(f"compute_loss: model {getattr(self, 'name', '')!r} was compiled "
                                 f"with a loss for outputs {cl.required_outputs}, but y is None")
            preds = as_output_list(y_pred, names)
            if len(preds) != len(names):
                raise ValueError(f"compute_loss: model {getattr(self, 'name', '')!r} has "
                                 f"{len(names)} output(s) {names}; y_pred has {len(preds)}")
            ys = da.standardize_targets(y, names, sparse_outputs=cl.sparse_outputs,
                                        required=cl.required_outputs)
            sws = da.standardize_sample_weights(sample_weight, names)
            if not cl.built:
                cl.build([tuple(a.shape) if a is not None else tuple(p.shape)
                          for a, p in zip(ys, preds)], [tuple(p.shape) for p in preds])
            total, per = cl(ys, preds, sws)
            if cl.metrics:
                size = float(preds[0].shape[0]) if getattr(preds[0], "ndim", 0) else 1.0
                for tracker, p in zip(cl.metrics, per):
                    tracker._add(float(np.asarray(getattr(p, "value", p))) * size, size)
            losses.append(total)
        for extra in self.losses:
            losses.append(_sum_loss(extra))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for extra in losses[1:]:
            total = total + extra
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch and return :meth:`get_metrics_result`
        (Keras 3 ``Model.compute_metrics``).

        Args:
            x: the inputs (unused by the default).
            y, y_pred, sample_weight: as :meth:`compute_loss`.

        Returns:
            ``{name: float}`` of every metric of :attr:`metrics`.
        """
        del x
        st = self._tstate()
        if st.pending is not None and y_pred is not None:
            self._finish_from_outputs(y_pred)
        cm = st.compile_metrics
        if st.has_metrics and cm is not None and y is not None:
            cm.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _call_model(self, x, training):
        if getattr(type(self), "_call_has_training_arg", True):
            return self(x, training=training)
        return self(x)

    def train_step(self, data):
        """One training step on one batch (Keras 3 ``Model.train_step``): forward pass on a
        :class:`pyfapi.GradientTape`, :meth:`compute_loss`, gradients of the trainable
        variables, ``self.optimizer.apply``, :meth:`compute_metrics`.

        Args:
            data: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` for one batch.

        Returns:
            ``{metric name: value}`` (passed to callbacks as the batch logs).
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        st = self._tstate()
        train_vars = st.train_vars if st.train_vars is not None else self.trainable_weights
        with _gradient_tape()() as tape:
            if train_vars:
                tape.watch(train_vars)
            y_pred = self._call_model(x, True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                     training=True)
        st.loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        if train_vars:
            grads = tape.gradient(loss, train_vars)
            self.optimizer.apply(grads, train_vars)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One evaluation step (Keras 3 ``Model.test_step``): forward pass with
        ``training=False``, :meth:`compute_loss`, :meth:`compute_metrics`.

        Returns:
            ``{metric name: value}``.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._call_model(x, False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._tstate().loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One inference step (Keras 3 ``Model.predict_step``): ``self(x, training=False)``.

        Returns:
            The model's outputs for the batch (Tensor, list or dict).
        """
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._call_model(x, False)

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

    # ---- trackers (fused loop) ----------------------------------------------------------------
    def _reset_trackers(self):
        st = self._tstate()
        if type(self).reset_metrics is Trainer.reset_metrics:
            ms = self.metrics
            for m in ms:
                m.reset_state()
        else:
            self.reset_metrics()
            ms = self.metrics
        if not st.has_metrics:
            st.compile_metrics.reset()
        st.log_metrics = ms

    def _logs(self):
        """The fused loop's logs: :meth:`get_metrics_result` over the metrics listed at the
        epoch's start, sorted by name."""
        st = self._tstate()
        ms = st.log_metrics if st.log_metrics is not None else self.metrics
        out = {}
        for m in ms:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return dict(sorted(_pythonify_logs(out).items()))

    def _flat_logs(self, logs):
        """evaluate's list order (Keras 3 ``_flatten_metrics_in_order``): the metrics in
        :attr:`metrics` order (compiled metrics by their own names), then other keys sorted."""
        st = self._tstate()
        order = self._metric_result_names(st.log_metrics)
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
            scale_loss = getattr(self.optimizer, "scale_loss", None)  # LossScaleOptimizer
            target = total if scale_loss is None else scale_loss(total)
        if train_vars:
            grads = tape.gradient(target, train_vars)
            self.optimizer.apply(grads, train_vars)  # also applies Variable.constraint
        return total, per, outs

    def _accumulate(self, total, per, outs, yb, swb, size):
        st = self._tstate()
        st.loss_tracker._add(float(total.value) * size, size)
        trackers = st.compile_loss.metrics
        if trackers:
            for tracker, p in zip(trackers, per):
                tracker._add(float(p.value) * size, size)
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
            verbose: ``'auto'`` (= 1), 0, 1 or 2 (see :mod:`pyfapi.utils.progbar`).
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
        if validation_data is not None and validation_split:
            validation_split = 0.0  # Keras: validation_data overrides validation_split
        fused = self._uses_fused("train")
        vbs = validation_batch_size or batch_size
        val = val_stream = None
        data_parallel = self._data_parallel()
        if fused:
            if not streamed and y is None and not isinstance(x, (list, tuple, dict)) and \
                    x is not None:
                raise ValueError("fit: y is required (targets for the losses), received None")
            if streamed:
                batcher = self._stream(x, "fit", steps_per_epoch, shuffle=shuffle,
                                       class_weight=class_weight)
                if data_parallel:
                    # every rank reads the same stream and keeps every size-th batch; a shuffled
                    # PyDataset's order comes from rank 0's random state so that they agree
                    if shuffle:
                        from pyfapi.utils.random import global_rng
                        state = _dist.bcast_object(global_rng().bit_generator.state)
                        global_rng().bit_generator.state = state
                    batcher = da.LockstepBatcher(batcher.shard(_dist.rank(), _dist.size()))
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
                # data-parallel (pyfapi.distributed): several ranks and an optimizer that
                # averages gradients; batch_size is per rank, see da.DistributedBatcher
                batcher_cls = da.DistributedBatcher if data_parallel else da.ArrayBatcher
                batcher = batcher_cls(xs, ys, sws, batch_size=int(batch_size), shuffle=shuffle,
                                      steps=steps_per_epoch)
            if validation_data is not None:
                if bs.is_stream(validation_data):
                    val_stream = self._stream(validation_data, "fit", validation_steps,
                                              arg="validation_data")
                else:
                    vx, vy, vsw = da.unpack_validation_data(validation_data)
                    vxs, vys, vsws, vn = self._prepare(vx, vy, vsw,
                                                       arg_prefix="validation_data ")
                    val = (vxs, vys, vsws)
            train_step = self._train_step
            accumulate = self._accumulate

            def run(item):
                _, xb, yb, swb, size = item
                if data_parallel:  # the step's gradients are weighted by its rows (0: a dummy)
                    _dist.set_step_samples(size)
                total, per, outs = train_step(xb, yb, swb)
                if size:
                    accumulate(total, per, outs, yb, swb, size)

            def validate(cbs):
                return self._evaluate_arrays(*(val or (None, None, None)), batch_size=vbs,
                                             callbacks=cbs, steps=validation_steps, in_fit=True,
                                             batcher=val_stream)
        else:
            if streamed:
                batcher = self._structured_stream(x, "fit", steps_per_epoch, shuffle=shuffle,
                                                  class_weight=class_weight)
                pack = None
            else:
                data, val = self._structured_fit_data(
                    x, y, sample_weight, class_weight,
                    None if bs.is_stream(validation_data) else validation_data, validation_split)
                batcher = data.batcher(int(batch_size), shuffle=shuffle, steps=steps_per_epoch,
                                       distributed=data_parallel)
                self._build_from_structured(data, int(batch_size))
                pack = data.pack
            if validation_data is not None and bs.is_stream(validation_data):
                val_stream = self._structured_stream(validation_data, "fit", validation_steps,
                                                     arg="validation_data")
            step_fn = self.train_step

            def run(item):
                data = item[1][0] if pack is None else pack(item[1])
                if data_parallel and pack is not None:  # rows of this rank's step (0: dummy)
                    _dist.set_step_samples(item[4])
                return _step_logs(self, step_fn(data), "train_step")

            def validate(cbs):
                if val_stream is not None:
                    return self._test_loop(val_stream, self._structured_test_run(None), cbs,
                                           True)
                return self._evaluate_structured(val, vbs, cbs, steps=validation_steps,
                                                 in_fit=True)
        has_val = val is not None or val_stream is not None
        try:
            return self._fit_loop(batcher, run, validate if has_val else None, fused, epochs,
                                  initial_epoch, verbose, callbacks, validation_freq)
        finally:
            batcher_close = getattr(batcher, "close", None)
            if batcher_close is not None:
                batcher_close()
            if val_stream is not None:
                val_stream.close()

    def _data_parallel(self):
        """True when fit trains data-parallel: pyfapi.distributed runs several ranks and the
        optimizer averages gradients over them (DistributedOptimizer)."""
        return _dist.active() and getattr(self.optimizer, "averages_gradients", False)

    def _fit_loop(self, batcher, run, validate, fused, epochs, initial_epoch, verbose, callbacks,
                  validation_freq):
        """fit's epoch loop: ``run(item)`` runs one batch and returns its logs (None: the fused
        loop's trackers hold them); ``validate(callbacks)`` returns the validation logs."""
        steps = batcher.steps
        cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                            add_progbar=verbose != 0, model=self)
        cbs.set_params({"verbose": verbose, "epochs": int(epochs), "steps": steps})
        self.stop_training = False
        cbs.on_train_begin()
        # a callback that restored a backup (BackupAndRestore) says where to resume (Keras 3:
        # `initial_epoch = self._initial_epoch or initial_epoch`)
        resume = self.__dict__.pop("_initial_epoch", None)
        if resume is not None:
            initial_epoch = resume
        distributed = self._data_parallel()
        if distributed:
            self._check_ranks_agree(epochs, initial_epoch)
        if not distributed:
            epoch_logs = self._fit_epochs(cbs, batcher, run, validate, fused, epochs,
                                          initial_epoch, validation_freq, False)
        else:
            try:
                epoch_logs = self._fit_epochs(cbs, batcher, run, validate, fused, epochs,
                                              initial_epoch, validation_freq, True)
            except BaseException as e:  # a peer may wait in a collective for this rank: abort
                _dist.abort_on_error(e)
                raise
            finally:
                _dist.set_step_samples(None)
        finalize = getattr(self.optimizer, "finalize_variable_values", None)
        if finalize is not None and int(epochs) > int(initial_epoch):
            finalize(self._tstate().train_vars or list(self.trainable_weights))  # use_ema
        cbs.on_train_end(epoch_logs)
        self.history = cbs._history
        return self.history

    def _fit_epochs(self, cbs, batcher, run, validate, fused, epochs, initial_epoch,
                    validation_freq, distributed):
        """The epoch loop of :meth:`fit`; returns the last epoch's logs. Distributed: each step
        is weighted by its rows (a 0-row step is a dummy whose gradients count 0) and
        ``stop_training`` set on any rank stops every rank at the same step."""
        need_batch = cbs.needs_train_batch
        epoch_logs = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self._reset_trackers()
            cbs.on_epoch_begin(epoch)
            logs = None
            seen = 0
            for item in batcher.epoch():
                if not seen and self._tstate().log_metrics is None:
                    self._reset_trackers()  # (streamed data: the model is built by now)
                seen += 1
                if need_batch:
                    cbs.on_train_batch_begin(item[0])
                logs = run(item)
                if need_batch:
                    cbs.on_train_batch_end(item[0], logs if logs is not None else self._logs())
                if distributed and need_batch:
                    self.stop_training = bool(_dist.allreduce_max(int(bool(self.stop_training))))
                if self.stop_training:
                    break
            if distributed:
                _dist.set_step_samples(None)
            if not seen:  # a generator with nothing left: Keras's warning was given; stop
                break
            if batcher.steps != cbs.params.get("steps"):  # learnt from a finished stream
                cbs.set_params({**cbs.params, "steps": batcher.steps})
            epoch_logs = self._logs() if fused or logs is None else dict(logs)
            if validate is not None and (epoch + 1) % max(1, int(validation_freq)) == 0:
                val_logs = validate(cbs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if distributed:
                self.stop_training = bool(_dist.allreduce_max(int(bool(self.stop_training))))
            if self.stop_training:
                break
        return epoch_logs

    def _check_ranks_agree(self, epochs, initial_epoch):
        """Distributed fit: every rank must run the same epochs (else some would wait for the
        others forever) and start from the same trainable weights (else the averaged steps
        would move different models). ValueError on every rank naming the first difference;
        for weights it points at BroadcastGlobalVariablesCallback."""
        import zlib
        items = [("epochs", (), int(epochs)), ("initial_epoch", (), int(initial_epoch))]
        for v in self._tstate().train_vars or []:
            arr = np.ascontiguousarray(v.value)
            items.append((getattr(v, "path", v.name), tuple(arr.shape),
                          zlib.crc32(memoryview(arr).cast("B"))))
        bad = _dist.first_mismatch(items)
        if bad is not None and bad[0] < 2:
            i, a, r, b = bad
            raise ValueError(f"fit: the ranks pass different {a[0]}: {a[2]} on rank 0, {b[2]} on "
                             f"rank {r}; data-parallel fit needs the same on every rank")
        if bad is not None:
            i, a, r, b = bad
            what = (f"{a[0]!r} has other values on rank {r} than on rank 0"
                    if a is not None and b is not None and a[:2] == b[:2]
                    else f"variable #{i} is {a and a[:2]} on rank 0 but {b and b[:2]} on rank {r}")
            raise ValueError(
                f"fit: the ranks start from different weights ({what}). Add "
                f"pyfapi.distributed.BroadcastGlobalVariablesCallback(0) to the callbacks (or "
                f"seed every rank alike with pyfapi.utils.set_random_seed before building the "
                f"model)")

    def _structured_stream(self, data, method, steps, shuffle=False, class_weight=None,
                           arg="x"):
        """A :class:`~pyfapi.training.batch_stream.StreamBatcher` for the step-method path:
        each batch of a generator / PyDataset is handed to the step as it came (floats as
        float32, ``class_weight`` turned into sample weights); the model is built on the first
        batch."""
        first = [True]

        def standardize(x, y, sw):
            if class_weight is not None:
                if sw is not None:
                    raise ValueError(f"{method}: `class_weight` and batches with sample "
                                     f"weights cannot be combined")
                if y is None or isinstance(y, (list, tuple, dict)):
                    raise ValueError(f"{method}: `class_weight` needs batches with one target "
                                     "array")
                sw = da.class_weight_to_sample_weights(np.asarray(y), class_weight)
            batch = StructuredArrays(x, y, sw, arg_prefix="" if arg == "x" else arg + " ")
            if first[0]:
                self._build_from_structured(batch, batch.n)
                first[0] = False
            return [batch.pack_whole()], None, None, batch.n

        return bs.StreamBatcher(data, standardize, steps=steps, shuffle=shuffle, arg=arg)

    def _structured_fit_data(self, x, y, sample_weight, class_weight, validation_data,
                             validation_split):
        """Training and validation data for the step-method path (any nesting)."""
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Arguments `sample_weight` and `class_weight` cannot be given at "
                                 "the same time")
            if y is None or isinstance(y, (list, tuple, dict)):
                raise ValueError("`class_weight` is only supported for models with a single "
                                 f"output given one target array; received y of type "
                                 f"{type(y).__name__}")
        data = StructuredArrays(x, y, sample_weight)
        val = None
        if validation_data is not None:
            vx, vy, vsw = da.unpack_validation_data(validation_data)
            val = StructuredArrays(vx, vy, vsw, arg_prefix="validation_data ")
        elif validation_split:
            data, val = data.split(validation_split)
        if class_weight is not None:
            sw = da.class_weight_to_sample_weights(data.flats[1][0], class_weight)
            data.structs = (data.structs[0], data.structs[1], sw)
            data.flats[2] = [sw]
        return data, val

    # ---- evaluate -----------------------------------------------------------------------------
    def _evaluate_arrays(self, xs, ys, sws, batch_size, callbacks, steps=None, in_fit=False,
                         batcher=None):
        if batcher is None:
            self._ensure_built(xs, ys)
            # a new batcher per call: every validation starts at the first batch (as Keras 3)
            batcher = da.ArrayBatcher(xs, ys, sws, batch_size=int(batch_size or 32),
                                      shuffle=False, steps=steps)
        forward_loss = self._forward_loss
        accumulate = self._accumulate

        def run(item):
            _, xb, yb, swb, size = item
            total, per, outs = forward_loss(xb, yb, swb, False)
            accumulate(total, per, outs, yb, swb, size)
        return self._test_loop(batcher, run, callbacks, in_fit)

    def _structured_test_run(self, pack):
        step_fn = self.test_step

        def run(item):
            data = item[1][0] if pack is None else pack(item[1])
            return _step_logs(self, step_fn(data), "test_step")
        return run

    def _evaluate_structured(self, data, batch_size, callbacks, steps=None, in_fit=False):
        batcher = data.batcher(int(batch_size or 32), shuffle=False, steps=steps)
        self._build_from_structured(data, int(batch_size or 32))
        return self._test_loop(batcher, self._structured_test_run(data.pack), callbacks, in_fit)

    def _test_loop(self, batcher, run, callbacks, in_fit):
        """evaluate's batch loop: ``run(item)`` returns the step's logs (None: read the fused
        trackers)."""
        # in fit, the epoch's training logs were taken before validation resets the trackers
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
        logs = None
        seen = False
        for item in batcher.epoch():
            if not seen:
                self._reset_trackers()  # (streamed data: the model is built by now)
                seen = True
            if need_batch:
                callbacks.on_test_batch_begin(item[0])
            logs = run(item)
            if need_batch:
                callbacks.on_test_batch_end(item[0], logs if logs is not None else self._logs())
        logs = self._logs() if logs is None else dict(logs)
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
            A float (loss only), a list ``[loss, <metrics>..., <output>_loss...]`` (Keras 3's
            order), or a dict with ``return_dict=True``. Values are means over samples,
            independent of ``batch_size``. ``steps`` limits the batches; more steps than batches
            stop at the end of the data with Keras's "ran out of data" ``UserWarning`` (never
            cycling).

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
        fused = self._uses_fused("test")
        if bs.is_stream(x):
            _check_stream_args("evaluate", y=y, sample_weight=sample_weight)
            stream = (self._stream(x, "evaluate", steps) if fused else
                      self._structured_stream(x, "evaluate", steps))
            try:
                cbs.set_params({**cbs.params, "steps": stream.steps})
                if fused:
                    logs = self._evaluate_arrays(None, None, None, None, cbs, batcher=stream)
                else:
                    logs = self._test_loop(stream, self._structured_test_run(None), cbs, False)
            finally:
                stream.close()
            if fused and not self._tstate().built_for:
                raise ValueError("evaluate: the data gave no batch")
            return logs if return_dict else self._flat_logs(logs)
        if fused:
            self._build_from_data(x)
            xs, ys, sws, n = self._prepare(x, y, sample_weight)
            if ys is None:
                raise ValueError("evaluate: y is required to compute the loss, received None")
            logs = self._evaluate_arrays(xs, ys, sws, batch_size or 32, cbs, steps=steps)
        else:
            logs = self._evaluate_structured(StructuredArrays(x, y, sample_weight),
                                             batch_size or 32, cbs, steps=steps)
        if return_dict:
            return logs
        return self._flat_logs(logs)

    # ---- predict ------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` computed in batches with ``training=False`` (through
        :meth:`predict_step` when a subclass overrides it).

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
        fused = self._uses_fused("predict")
        if bs.is_stream(x):
            if fused:
                batcher = self._stream(x, "predict", steps, need_y=False)

                def run(xb):
                    return self(self._model_input(xb), training=False)
            else:
                batcher = self._structured_stream(x, "predict", steps)
                step_fn = self.predict_step

                def run(xb):
                    return step_fn(xb[0])
            try:
                return self._predict_loop(batcher, run, None, verbose, callbacks)
            finally:
                batcher.close()
        if fused:
            self._build_from_data(x)
            xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes())
            da.check_sample_counts([(f"x[{n!r}]", a) for n, a in zip(self._t_input_names(), xs)])
            batcher = da.ArrayBatcher(xs, batch_size=batch_size, shuffle=False, steps=steps)

            def run(xb):
                return self(self._model_input(xb), training=False)

            def empty():
                return self(self._model_input([np.zeros((1,) + a.shape[1:], a.dtype)
                                               for a in xs]), training=False)
        else:
            data = StructuredArrays(x)
            batcher = data.batcher(batch_size, shuffle=False, steps=steps)
            step_fn = self.predict_step

            def run(xb):
                return step_fn(data.pack(xb))

            def empty():
                return step_fn(data.pack([np.zeros((1,) + a.shape[1:], a.dtype)
                                          for a in data.flats[0]]))
        return self._predict_loop(batcher, run, empty, verbose, callbacks)

    def _predict_loop(self, batcher, run, empty, verbose, callbacks):
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self)
        cbs.set_params({"verbose": verbose, "epochs": 1, "steps": batcher.steps})
        need_batch = cbs.needs_predict_batch
        cbs.on_predict_begin()
        chunks = None
        struct = None
        for step, xb, _, _, _ in batcher.epoch():
            if need_batch:
                cbs.on_predict_batch_begin(step)
            out = run(xb)
            struct = out
            vals = [np.asarray(getattr(v, "value", v)) for v in tree.flatten(out)]
            if chunks is None:
                chunks = [[] for _ in vals]
            for c, v in zip(chunks, vals):
                c.append(v)
            if need_batch:
                cbs.on_predict_batch_end(step, {"outputs": vals})
        cbs.on_predict_end()
        if chunks is None and empty is None:
            raise ValueError("predict: the data gave no batch")
        if chunks is None:  # 0 samples: empty arrays shaped like the outputs (dtype float32)
            struct = empty()
            chunks = [[np.asarray(getattr(v, "value", v))[:0]] for v in tree.flatten(struct)]
        results = [np.concatenate(c, axis=0) if len(c) > 1 else np.array(c[0], copy=True)
                   for c in chunks]
        if isinstance(struct, tuple):
            struct = list(struct)
        return tree.pack_sequence_as(struct, results)

    # ---- on-batch variants --------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient step on one batch; returns its loss (and metrics) as evaluate does."""
        self._assert_compiled("train_on_batch")
        if not self._uses_fused("train"):
            data, _ = self._structured_fit_data(x, y, sample_weight, class_weight, None, 0.0)
            self._build_from_structured(data)
            self.reset_metrics()
            batch = data.batcher(max(1, data.n)).epoch()
            logs = _step_logs(self, self.train_step(data.pack(next(batch)[1])), "train_step")
            return logs if return_dict else self._flat_logs(logs)
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
        if not self._uses_fused("test"):
            data = StructuredArrays(x, y, sample_weight)
            self._build_from_structured(data)
            self.reset_metrics()
            batch = data.batcher(max(1, data.n)).epoch()
            logs = _step_logs(self, self.test_step(data.pack(next(batch)[1])), "test_step")
            return logs if return_dict else self._flat_logs(logs)
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
        if self._uses_fused("predict"):
            xs = da.standardize_inputs(x, self._t_input_names(), self._t_input_dtypes())
            out = self(self._model_input(xs), training=False)
        else:
            out = self.predict_step(StructuredArrays(x).pack_whole())
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

    def save(self, filepath, overwrite=True, zipped=True, **kwargs):
        """Write a ``.keras`` archive: architecture, weights, compile config, optimizer state
        (``.h5`` / ``.hdf5``: Keras's legacy format, ``include_optimizer=True`` as Keras)."""
        from pyfapi.saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

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


def _step_logs(model, logs, method):
    """A step's return value checked (a dict, Keras 3) and made plain floats.

    Raises:
        TypeError: the step returned something other than a dict (names the model, the method
            and what it returned).
    """
    if not isinstance(logs, dict):
        raise TypeError(
            f"{type(model).__name__}.{method} (model {getattr(model, 'name', '')!r}) must return "
            f"a dict mapping metric names to values, e.g. `return self.compute_metrics(x, y, "
            f"y_pred, sample_weight)` or `return {{m.name: m.result() for m in self.metrics}}`; "
            f"it returned {type(logs).__name__}: {logs!r:.200}")
    return _pythonify_logs(logs)


def _batch_size(x):
    """Number of samples in a batch: the first axis of the first array of ``x``."""
    for leaf in tree.flatten(x):
        shape = getattr(leaf, "shape", None)
        if shape is not None and len(shape):
            return shape[0]
    return None


def _sum_loss(loss):
    """One ``add_loss`` / regularization term as a scalar (summed when it is not one;
    non-float terms cast to float32), as Keras 3's ``_aggregate_additional_loss``."""
    from pyfapi import ops
    if getattr(loss, "ndim", 0):
        loss = ops.sum(loss)
    dtype = getattr(loss, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind not in "f":
        loss = ops.cast(loss, "float32")
    return loss


def _deser(spec, fn, custom_objects):
    """A compile-config loss / metric spec back to an object: names and pyfapi's or Keras's
    serialized built-ins through ``fn``; user functions and classes (Keras's function form, a
    ``registered_name``, or pyfapi's older ``{"custom": name}``) from ``custom_objects``, the
    custom-object scope and the registry.

    Raises:
        ValueError: a custom object none of those knows.
    """
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return [_deser(s, fn, custom_objects) for s in spec]
    if not isinstance(spec, dict):
        return spec
    known = resolve_custom_objects(custom_objects)

    def missing(name):
        short = name.split(">", 1)[-1] if isinstance(name, str) else name
        return ValueError(
            f"The model was compiled with the custom object {name!r}; register it with "
            f"@pyfapi.saving.register_keras_serializable() or pass custom_objects="
            f"{{{short!r}: ...}} to load_model (or use compile=False)")
    if "custom" in spec and len(spec) == 1:
        if spec["custom"] not in known:
            raise missing(spec["custom"])
        return known[spec["custom"]]
    if spec.get("class_name") == "function":
        name = spec.get("config")
        if name in known:
            return known[name]
        try:  # Keras writes built-in functions the same way ("mean_absolute_error")
            return fn(name)
        except (ValueError, TypeError):
            raise missing(name) from None
    if "class_name" in spec:
        registered = spec.get("registered_name")
        # a Keras built-in's bare class name must not be shadowed by a user object of that name
        cls = find_custom(spec, custom_objects,
                          by_class_name=not str(spec.get("module") or "").startswith("keras"))
        if cls is not None:
            return cls.from_config(dict(spec.get("config") or {}))
        if spec.get("module") is None and registered is not None:
            raise missing(registered)
        return fn(spec)
    return {k: _deser(v, fn, custom_objects) for k, v in spec.items()}
