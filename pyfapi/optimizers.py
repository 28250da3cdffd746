"""Optimizers with Keras 3's names, defaults and update rules: SGD, RMSprop, Adam, AdamW, Adagrad.

``optimizer.apply(grads, variables)`` (alias ``apply_gradients(zip(grads, variables))``) updates
each :class:`~pyfapi.autodiff.Variable` IN PLACE in its float32 storage with vectorised numpy
(in-place ufuncs into preallocated buffers, no per-step allocation of state). The slots of the
variables built together live in one flat buffer per slot kind, so for models up to ~1M
parameters a step is ~10 numpy calls on flat vectors plus one subtraction per variable, whatever
the number of variables; bigger groups are updated variable by variable. Per step, as
Keras 3's ``BaseOptimizer.apply``: gradients are clipped (``clipnorm`` per variable,
``global_clipnorm`` over all, or ``clipvalue`` elementwise; at most one of them), weight decay is
applied (``variable -= variable * weight_decay * lr``, AdamW's default), the update rule runs, and
``iterations`` is incremented.

Fused path: when the C++ extension is available (``pyfapi._C``), a step runs ONE fused C++ pass
per variable (:mod:`pyfapi.kernels.optim`: gradient scaling / clipping, weight decay and the update
rule, in place on the variable and its slot views, OpenMP over chunks for big steps) with the same
float32 operations in the same order as the numpy code below, which stays as the reference
(``optimizer._fused = False`` selects it; tests compare both).

State for saving: ``optimizer.variables`` lists ``iterations``, ``learning_rate`` and then the slot
variables in Keras 3's order (per model variable, its slots: Adam ``momentum, velocity``; SGD
``momentum``; RMSprop ``velocity[, momentum][, average_gradient]``; Adagrad ``accumulator``).

``learning_rate`` may be a float, or a callable ``schedule(iterations) -> float``; it can be set at
any time (``optimizer.learning_rate = 1e-4``, what ``ReduceLROnPlateau`` does). Reading it returns
a 0-d float32 :class:`~pyfapi.autodiff.Variable` (``float(opt.learning_rate)`` gives the number).
"""
from __future__ import annotations

import math
import re
import sys

import numpy as np

from pyfapi import learning_rate_schedule as schedules
from pyfapi.utils.naming import to_snake_case
from pyfapi.utils.serialization import get_object

# `from pyfapi.optimizers.schedules import ExponentialDecay` as with keras.optimizers.schedules
sys.modules.setdefault(__name__ + ".schedules", schedules)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adamax", "Nadam",
           "Adadelta", "Lion", "Ftrl", "schedules", "get", "serialize", "deserialize"]

_f32 = np.float32
#: groups with at most this many scalars are updated as one flat vector per step
_FLAT_MAX = 1 << 20


def _fused_kernels():
    """:mod:`pyfapi.kernels.optim` if the C++ extension imports, else None (numpy path)."""
    try:
        from pyfapi.kernels import optim
    except ImportError:  # extension not built: the numpy path
        return None
    return optim


def _variable_cls():
    from pyfapi.autodiff import Variable
    return Variable


def _grad_array(g):
    """A gradient as a float32 numpy array (the Tensor's buffer, or the array itself)."""
    v = getattr(g, "value", g)
    if not isinstance(v, np.ndarray):
        v = np.asarray(v, dtype=_f32)
    elif v.dtype != _f32:
        v = v.astype(_f32)
    return v


class _Group:
    """Variables built together: flat slot buffers, a flat gradient and a flat scratch buffer."""

    __slots__ = ("vars", "offsets", "flat", "scratch", "grad", "flat_ok", "views")

    def __init__(self, variables, offsets, flat, scratch, grad):
        self.vars, self.offsets, self.flat = variables, offsets, flat
        self.scratch, self.grad = scratch, grad
        self.flat_ok = True
        self.views = [scratch[int(offsets[k]):int(offsets[k + 1])].reshape(v.value.shape)
                      for k, v in enumerate(variables)]


def _bind_storage(var, view) -> bool:
    """Make ``var``'s storage the array ``view`` (Variables copy their initial value)."""
    try:
        object.__setattr__(var, "_value", view)
    except (AttributeError, TypeError):
        return False
    return var.value is view


class Optimizer:
    """Base class: clipping, weight decay, iteration count, slot variables, config.

    Args:
        learning_rate: float or callable ``schedule(iterations) -> float``.
        weight_decay: decoupled weight decay factor (None / 0 disables).
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        name: the optimizer name.
        use_ema, ema_momentum, ema_overwrite_frequency: Keras's moving average of the weights.
        loss_scale_factor: accepted (Keras scales the loss up and the gradients down by it: the
            same update); gradient_accumulation_steps: NotImplementedError unless None.

    Raises:
        NotImplementedError: ``gradient_accumulation_steps`` given.
        ValueError: more than one of ``clipnorm``, ``clipvalue``, ``global_clipnorm``; a negative
            learning rate or clip value.
    """

    _slot_names: tuple = ()
    #: True for rules that compute the new value from the variable itself (Ftrl): the step then
    #: runs variable by variable through ``_update_var(g, slots, w, lr)``
    _needs_var = False

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        unknown = set(kwargs) - {"use_ema", "ema_momentum", "ema_overwrite_frequency",
                                 "loss_scale_factor", "gradient_accumulation_steps"}
        self.use_ema = bool(kwargs.get("use_ema", False))
        self.ema_momentum = float(kwargs.get("ema_momentum", 0.99))
        self.ema_overwrite_frequency = kwargs.get("ema_overwrite_frequency")
        if self.use_ema:
            if not 0.0 <= self.ema_momentum <= 1.0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={self.ema_momentum}")
            f = self.ema_overwrite_frequency
            if f is not None and (isinstance(f, bool) or not isinstance(f, int) or f < 1):
                raise ValueError(f"`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={f}")
        self._averages = {}      # id(model variable) -> its moving average (use_ema)
        self._average_vars = []  # in build order (saved after learning_rate, as Keras)
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments "
                            f"{sorted(unknown)}")
        if kwargs.get("gradient_accumulation_steps") is not None:
            # Keras would update every N-th step with the mean of N gradients; training on
            # silently would give other results
            raise NotImplementedError(
                f"{type(self).__name__}: gradient_accumulation_steps="
                f"{kwargs['gradient_accumulation_steps']!r} is not implemented by pyfapi; "
                f"use a larger batch_size instead (the same mean gradient per update)")
        # loss_scale_factor is accepted: Keras multiplies the loss by it and divides the
        # gradients by it, the same update up to float32 rounding
        given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"{type(self).__name__}: only one of clipnorm, clipvalue and "
                             f"global_clipnorm can be set, received {given}")
        for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                     ("global_clipnorm", global_clipnorm)):
            if v is not None and not float(v) > 0:
                raise ValueError(f"{type(self).__name__}: {n} must be > 0, received {v}")
        self.name = name or to_snake_case(type(self).__name__)
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.weight_decay = weight_decay
        Variable = _variable_cls()
        self.iterations = self._own(Variable(np.zeros((), np.int64), name="iteration",
                                             trainable=False, dtype="int64"))
        self._schedule = None
        self._lr = self._own(Variable(np.zeros((), _f32), name="learning_rate", trainable=False))
        self.learning_rate = learning_rate
        self._slots = {}         # id(model variable) -> list of slot Variables
        self._slot_vars = []     # all slot variables in creation (Keras) order
        self._tracked = []       # model variables in the order their slots were built
        self._state = {}         # id(model variable) -> (slot arrays, scratch view, group, index)
        self._groups = []
        self._fused = _KERNELS is not None   # False: the numpy reference path

    # ---- learning rate --------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning-rate Variable (float32 scalar); with a schedule, refreshed from the current
        ``iterations`` on each read. Set a finite float >= 0 (else ValueError) or a callable
        schedule.
        """
        if self._schedule is not None:
            self._lr.value[...] = self._schedule(int(self.iterations.value))
            self._lr._version += 1  # in-place write: see Variable._version
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        """Sets a callable schedule (``lr = schedule(iterations)``) or a constant; ValueError unless
        the constant is a finite number >= 0.
        """
        if callable(value) and not hasattr(value, "value"):
            self._schedule = value
            self._lr.value[...] = value(0)
            self._lr._version += 1  # in-place write: see Variable._version
            return
        v = float(np.asarray(getattr(value, "value", value)))
        if not v >= 0 or math.isinf(v):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a finite number >= 0, "
                             f"received {value!r}")
        self._schedule = None
        self._lr.value[...] = v
        self._lr._version += 1  # in-place write: see Variable._version

    lr = learning_rate

    def _current_lr(self) -> float:
        if self._schedule is not None:
            lr = float(self._schedule(int(self.iterations.value)))
            self._lr.value[...] = lr
            self._lr._version += 1  # in-place write: see Variable._version
            return lr
        return float(self._lr.value)

    # ---- state ----------------------------------------------------------------------------------
    def _own(self, variable):
        """``variable`` with the path Keras 3 gives optimizer variables: ``"<optimizer name>/
        <variable name>"`` (``"adam/dense_kernel_momentum"``)."""
        variable.path = f"{self.name}/{variable.name}"
        return variable

    @property
    def variables(self):
        """``[iterations, learning_rate, *moving averages (use_ema), *slot variables]`` (Keras 3
        order), for saving."""
        return [self.iterations, self._lr, *self._average_vars, *self._slot_vars]

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables that weight decay leaves alone (Keras 3): those in ``var_list``, and those
        whose name matches one of the regular expressions ``var_names`` (``re.search``, e.g.
        ``["bias", "gamma"]``).

        Raises:
            ValueError: called after the optimizer was built (as Keras).
        """
        if self._tracked:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        excluded = self.__dict__.setdefault("_wd_excluded", (set(), []))
        excluded[0].update(id(v) for v in (var_list or ()))
        excluded[1].extend(var_names or ())

    def _use_weight_decay(self, var) -> bool:
        ids, patterns = self.__dict__.get("_wd_excluded", ((), ()))
        if id(var) in ids:
            return False
        name = getattr(var, "name", "") or ""
        return not any(re.search(p, name) for p in patterns)

    def build(self, var_list):
        """Create the slot variables of every variable in ``var_list`` not seen before.

        The new variables form one group: each slot kind (momentum, velocity...) is ONE flat
        float32 buffer for the whole group and every slot Variable's storage is a view into it,
        so a step over the group is a handful of vectorised numpy calls on the flat buffers
        instead of a handful per variable.
        """
        new = []
        seen = set()
        for var in var_list:
            key = id(var)
            if key not in self._slots and key not in seen:
                seen.add(key)
                new.append(var)
        if not new:
            return
        Variable = _variable_cls()
        if self.use_ema:
            for var in new:
                vname = (getattr(var, "path", None) or getattr(var, "name", None) or "variable")
                avg = self._own(Variable(np.zeros(var.value.shape, _f32),
                                         name=f"{vname.replace('/', '_')}_average", trainable=False))
                self._averages[id(var)] = avg
                self._average_vars.append(avg)
        names = self._slot_names_for(new[0])
        sizes = [int(v.value.size) for v in new]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        total = int(offsets[-1])
        flat = [np.full(total, self._slot_initial_value(n), dtype=_f32) for n in names]
        group = _Group(new, offsets, flat, np.empty(total, _f32),
                       np.empty(total if total <= _FLAT_MAX else 0, _f32))
        # big groups update per variable (on views of the flat slots): copying all gradients
        # into one buffer would cost more than the per-variable call overhead it saves
        group.flat_ok = total <= _FLAT_MAX
        for k, var in enumerate(new):
            lo, hi, shape = int(offsets[k]), int(offsets[k + 1]), var.value.shape
            slots = []
            vname = (getattr(var, "path", None) or getattr(var, "name", None) or "variable")
            for n, buf in zip(names, flat):
                view = buf[lo:hi].reshape(shape)
                sv = self._own(Variable(view, name=f"{vname.replace('/', '_')}_{n}", trainable=False))
                if not _bind_storage(sv, view):
                    group.flat_ok = False  # slots must live in the flat buffers
                slots.append(sv)
                self._slot_vars.append(sv)
            self._slots[id(var)] = slots
            self._tracked.append(var)
            self._state[id(var)] = ([sv.value for sv in slots], group.views[k], group, k)
        self._groups.append(group)

    @property
    def built(self) -> bool:
        """True once slot variables have been created for at least one variable."""
        return bool(self._slots)

    def _slot_names_for(self, var):
        return self._slot_names

    def _slot_initial_value(self, slot):
        return 0.0

    # ---- applying gradients ---------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Keras 3 / tf.keras form: ``apply_gradients(zip(grads, vars))``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """Apply one step: clip, decay, update each variable in place, ``iterations += 1``,
        then each variable's ``constraint`` (if any).

        Args:
            grads: list of gradients (Tensor / ndarray / None), one per variable.
            trainable_variables: list of :class:`~pyfapi.autodiff.Variable`, same length.
                Variables whose gradient is None are left unchanged (slots included).

        Raises:
            ValueError: different numbers of gradients and variables, or a gradient whose shape
                differs from its variable's (checked before anything is updated).
        """
        if trainable_variables is None:
            trainable_variables = self._tracked
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables")
        state = self._state
        if len(state) < len(trainable_variables):
            # slots for every variable, in list order, even those without a gradient this step:
            # the order of `variables` (what is saved) then only depends on the variable list
            self.build(trainable_variables)
        pairs = []
        fused = self._fused
        ws, gs, ss = [], [], []  # the fused kernel's arguments, gathered in the same pass
        for g, var in zip(grads, trainable_variables):
            if g is None:
                continue
            garr = _grad_array(g)
            w = var.value
            if garr.shape != w.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply: gradient of shape {garr.shape} for variable "
                    f"{getattr(var, 'path', getattr(var, 'name', '?'))!r} of shape {w.shape}")
            st = state.get(id(var))
            if st is None:
                self.build([var])
                st = state[id(var)]
            pairs.append((garr, var))
            if fused:
                if not garr.flags.c_contiguous:
                    garr = np.ascontiguousarray(garr)  # e.g. a transposed view: read once
                ws.append(w)
                gs.append(garr)
                ss.extend(st[0])
        if not pairs:
            return
        lr = self._current_lr()
        step = int(self.iterations.value) + 1
        self._prepare_step(lr, step)
        wd = self.weight_decay
        if wd and "_wd_excluded" in self.__dict__:
            # some variables are excluded: decay the others here (before the update, as the
            # kernels do) and run the update rule without decay
            for _, var in pairs:
                if self._use_weight_decay(var):
                    w = var.value
                    w -= w * _f32(wd * lr)
            wd = None
        if fused and self._apply_fused(ws, gs, ss, lr, wd):
            self._finish_step(pairs, step)
            return
        group = state[id(pairs[0][1])][2]
        if (group.flat_ok and not self._needs_var and len(pairs) == len(group.vars) and
                all(v is gv for (_, v), gv in zip(pairs, group.vars))):
            # fast path: the whole group in flat buffers
            gflat = group.grad
            np.concatenate([g.reshape(-1) for g, _ in pairs], out=gflat)
            self._clip_flat(gflat, group.offsets)
            if wd:
                for _, var in pairs:
                    w = var.value
                    w -= w * _f32(wd * lr)
            self._increment(gflat, group.flat, group.scratch, lr)
            for (_, var), view in zip(pairs, group.views):
                w = var.value
                w -= view  # views of the flat increment, one per variable
        else:
            pairs = self._clip_pairs(pairs)
            for g, var in pairs:
                slots, view, _, _ = state[id(var)]
                w = var.value
                if wd:
                    w -= w * _f32(wd * lr)
                if self._needs_var:
                    self._update_var(g, slots, w, lr)  # writes the new value into w
                    continue
                self._increment(g, slots, view, lr)
                w -= view
        self._finish_step(pairs, step)

    def _finish_step(self, pairs, step):
        """After the in-place update of every variable in ``pairs`` (numpy path or the fused C++
        kernel, which both write into ``var.value`` and the slot buffers): bump the version
        counters (so a GradientTape refuses to backprop through ops recorded before the update,
        see :class:`~pyfapi.autodiff.Variable`), count the step, apply constraints."""
        if self.use_ema:
            self._update_averages(step)
        self.iterations.value[...] = step
        self.iterations._version += 1
        slots = self._slots
        for _, var in pairs:
            var._version += 1
            for sv in slots[id(var)]:
                sv._version += 1
        for _, var in pairs:
            c = getattr(var, "constraint", None)
            if c is not None:
                out = c(var)
                var.assign(np.asarray(getattr(out, "value", out)))

    def _update_averages(self, step):
        """Keras 3's EMA of the model variables: ``avg = m avg + (1 - m) w`` with ``m = 0`` at the
        first step (so ``avg = w``) and ``ema_momentum`` after; every
        ``ema_overwrite_frequency`` steps the variables take their averages."""
        m = _f32(self.ema_momentum) if step > 1 else _f32(0.0)
        for var in self._tracked:
            avg = self._averages[id(var)]
            a = avg.value
            a *= m
            a += (_f32(1) - m) * var.value
            avg._version += 1
        f = self.ema_overwrite_frequency
        if f and step % f == 0:
            self._overwrite_with_averages(self._tracked)

    def _overwrite_with_averages(self, var_list):
        for var in var_list:
            avg = self._averages.get(id(var))
            if avg is not None:
                var.value[...] = avg.value
                var._version += 1

    def finalize_variable_values(self, var_list):
        """End of ``fit``: with ``use_ema``, the variables take their moving averages (Keras 3)."""
        if self.use_ema:
            self._overwrite_with_averages(var_list)

    def _apply_fused(self, ws, gs, ss, lr, wd) -> bool:
        """The step in one fused C++ pass per variable (``ws`` variable storages, ``gs``
        C-contiguous float32 gradients, ``ss`` their slot arrays, variable by variable); False
        (nothing changed) when a variable cannot be updated in place by the kernel (not float32 /
        not contiguous / read-only: the C++ guard refuses it before writing), so that the numpy
        path runs instead."""
        spec = self._fused_spec(lr)
        if spec is None:
            return False
        scale = None
        clip = self.clipvalue is not None
        if self.clipnorm is not None:  # one factor per variable, as _clip_flat
            c = float(self.clipnorm)
            fac = []
            for g in gs:
                gf = g.reshape(-1)
                n = math.sqrt(float(np.dot(gf, gf)))
                fac.append(c / n if n > c else 1.0)
            if any(f != 1.0 for f in fac):
                scale = np.array(fac, dtype=_f32)
        elif self.global_clipnorm is not None:
            c = float(self.global_clipnorm)
            n = math.sqrt(sum(float(np.dot(g.reshape(-1), g.reshape(-1))) for g in gs))
            if n > c:
                scale = np.full(len(gs), c / n, dtype=_f32)
        kind, nslots, lr32, c0, c1, c2, c3, f0, f1 = spec[:9]
        extra = spec[9:]  # Nadam: (c4, c5)
        wd_lr = wd * lr if wd else 0.0
        cv = float(self.clipvalue) if clip else 0.0
        try:
            _KERNELS.step_unchecked(kind, ws, gs, ss, nslots, scale, lr32, wd_lr, bool(wd), cv,
                                    clip, c0, c1, c2, c3, f0, f1, *extra)
        except (ValueError, TypeError):
            return False  # refused before any write (see above; TypeError: an older _C)
        return True

    def _fused_spec(self, lr):
        """``(kind, nslots, lr, c0, c1, c2, c3, flag0, flag1)`` for ``_C.optimizer_step`` (see
        :mod:`pyfapi.kernels.optim`), or None: no fused kernel for this class. The scalars are
        Python floats: pybind11 rounds them to float32 exactly as ``np.float32(x)`` does (round
        to nearest even), i.e. to the constants of the numpy path."""
        return None

    def _clip_flat(self, gflat, offsets):
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            for k in range(len(offsets) - 1):
                seg = gflat[offsets[k]:offsets[k + 1]]
                n = math.sqrt(float(np.dot(seg, seg)))
                if n > c:
                    seg *= _f32(c / n)
        elif self.global_clipnorm is not None:
            c = float(self.global_clipnorm)
            n = math.sqrt(float(np.dot(gflat, gflat)))
            if n > c:
                gflat *= _f32(c / n)
        elif self.clipvalue is not None:
            c = _f32(self.clipvalue)
            np.clip(gflat, -c, c, out=gflat)

    def _clip_pairs(self, pairs):
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            out = []
            for g, v in pairs:
                n = math.sqrt(float(np.dot(g.ravel(), g.ravel())))  # as _clip_flat / fused
                out.append(((g * _f32(c / n)) if n > c else g, v))
            return out
        if self.global_clipnorm is not None:
            c = float(self.global_clipnorm)
            n = math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g, _ in pairs))
            if n > c:
                s = _f32(c / n)
                return [(g * s, v) for g, v in pairs]
            return pairs
        if self.clipvalue is not None:
            c = _f32(self.clipvalue)
            return [(np.clip(g, -c, c), v) for g, v in pairs]
        return pairs

    def _prepare_step(self, lr, step):
        """Per-step scalars shared by all variables (bias corrections...)."""

    def _increment(self, g, slots, out, lr):
        """Update the slot arrays for gradient ``g`` and write into ``out`` the amount to
        SUBTRACT from the variable. ``g``, ``slots`` and ``out`` are same-shape float32 arrays
        (one variable, or a flat group)."""
        raise NotImplementedError

    # ---- config ---------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """``{"name", "learning_rate" (current float), "weight_decay", "clipnorm",
        "global_clipnorm", "clipvalue"}``.
        """
        if isinstance(self._schedule, schedules.LearningRateSchedule):
            lr = schedules.serialize(self._schedule)  # restored as the schedule (Keras 3)
        else:
            lr = float(self._lr.value) if self._schedule is None else float(self._current_lr())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """``cls(**config)``; a serialized learning-rate schedule becomes the schedule again.

        Raises:
            ValueError: an unknown schedule class.
        """
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = schedules.deserialize(lr, custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={float(self._lr.value):g}>"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum (Keras 3 ``SGD``).

    Update (Keras 3 docs, ``keras.optimizers.SGD``): without momentum ``w -= lr * g``; with it
    ``m = momentum * m - lr * g``; ``w += m`` or, with ``nesterov``, ``w += momentum * m - lr * g``.

    Args:
        learning_rate: 0.01. momentum: 0.0 (in [0, 1]). nesterov: False. Others: see Optimizer.

    Raises:
        ValueError: momentum outside ``[0, 1]``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], received {momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_names_for(self, var):
        return ("momentum",) if self.momentum != 0.0 else ()

    def _increment(self, g, slots, out, lr):
        np.multiply(g, _f32(lr), out=out)          # lr * g
        if self.momentum == 0.0:
            return out
        m = slots[0]
        m *= _f32(self.momentum)
        m -= out                                   # m = momentum * m - lr * g
        if self.nesterov:
            out -= m * _f32(self.momentum)         # w += momentum * m - lr * g
        else:
            np.negative(m, out=out)                # w += m
        return out

    def _fused_spec(self, lr):
        has_m = self.momentum != 0.0
        return (0, int(has_m), lr, self.momentum, 0.0, 0.0, 0.0, self.nesterov, has_m)

    def get_config(self):
        """Optimizer config plus momentum and nesterov."""
        c = super().get_config()
        c.update(momentum=self.momentum, nesterov=self.nesterov)
        return c


class RMSprop(Optimizer):
    """RMSprop (Hinton, Coursera lecture 6e, 2012; Keras 3 ``RMSprop`` update rule).

    ``v = rho * v + (1 - rho) * g**2``; centered: ``a = rho * a + (1 - rho) * g`` and
    ``denom = v - a**2 + eps`` else ``denom = v + eps``; ``inc = lr * g / sqrt(denom)``; with
    momentum ``m = momentum * m + inc; w -= m`` else ``w -= inc``. (Keras 3 puts epsilon inside
    the square root.)

    Args:
        learning_rate: 0.001. rho: 0.9. momentum: 0.0. epsilon: 1e-7. centered: False.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    def _slot_names_for(self, var):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _increment(self, g, slots, out, lr):
        rho = _f32(self.rho)
        v = slots[0]
        v *= rho
        np.multiply(g, g, out=out)
        out *= _f32(1.0 - self.rho)
        v += out                                   # v = rho v + (1 - rho) g^2
        if self.centered:
            a = slots[-1]
            a *= rho
            np.multiply(g, _f32(1.0 - self.rho), out=out)
            a += out                               # a = rho a + (1 - rho) g
            np.multiply(a, a, out=out)
            np.subtract(v, out, out=out)
            out += _f32(self.epsilon)              # v - a^2 + eps
        else:
            np.add(v, _f32(self.epsilon), out=out)
        np.sqrt(out, out=out)
        np.divide(g, out, out=out)
        out *= _f32(lr)                            # lr g / sqrt(denominator)
        if self.momentum > 0:
            m = slots[1]
            m *= _f32(self.momentum)
            m += out
            np.copyto(out, m)
        return out

    def _fused_spec(self, lr):
        has_m = self.momentum > 0
        return (1, 1 + int(has_m) + int(self.centered), lr, self.rho, 1.0 - self.rho,
                self.momentum, self.epsilon, self.centered, has_m)

    def get_config(self):
        """Optimizer config plus rho, momentum, epsilon and centered."""
        c = super().get_config()
        c.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                 centered=self.centered)
        return c


class Adam(Optimizer):
    """Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), in Keras 3's
    form: ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    with amsgrad ``v_hat = max(v_hat, v)`` used for ``v``; ``w -= alpha * m / (sqrt(v) + eps)``.

    Args:
        learning_rate: 0.001. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7. amsgrad: False.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)
        self._alpha = 0.0

    def _slot_names_for(self, var):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum",
                                                                                "velocity")

    def _prepare_step(self, lr, step):
        b1 = _f32(self.beta_1) ** _f32(step)
        b2 = _f32(self.beta_2) ** _f32(step)
        self._alpha = _f32(lr) * np.sqrt(_f32(1) - b2) / (_f32(1) - b1)

    def _increment(self, g, slots, out, lr):
        m, v = slots[0], slots[1]
        np.subtract(g, m, out=out)
        out *= _f32(1.0 - self.beta_1)
        m += out                                   # m += (g - m)(1 - beta_1)
        np.multiply(g, g, out=out)
        out -= v
        out *= _f32(1.0 - self.beta_2)
        v += out                                   # v += (g^2 - v)(1 - beta_2)
        if self.amsgrad:
            vh = slots[2]
            np.maximum(vh, v, out=vh)
            v = vh
        np.sqrt(v, out=out)
        out += _f32(self.epsilon)
        np.divide(m, out, out=out)
        out *= self._alpha                         # alpha m / (sqrt(v) + eps)
        return out

    def _fused_spec(self, lr):
        return (2, 3 if self.amsgrad else 2, 0.0, 1.0 - self.beta_1, 1.0 - self.beta_2,
                self.epsilon, float(self._alpha), self.amsgrad, False)

    def get_config(self):
        """Optimizer config plus beta_1, beta_2, epsilon and amsgrad."""
        c = super().get_config()
        c.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                 amsgrad=self.amsgrad)
        return c


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
    Regularization", ICLR 2019), as Keras 3: before the Adam step ``w -= w * weight_decay * lr``.

    Args:
        learning_rate: 0.001. weight_decay: 0.004. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7.
        amsgrad: False.

    Raises:
        ValueError: ``weight_decay`` is None.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float, received None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         name=name, **kwargs)


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods", JMLR 2011), Keras 3 form:
    ``acc += g**2``; ``w -= lr * g / sqrt(acc + eps)``.

    Args:
        learning_rate: 0.001. initial_accumulator_value: 0.1. epsilon: 1e-7.
    """

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _slot_initial_value(self, slot):
        return self.initial_accumulator_value

    def _increment(self, g, slots, out, lr):
        acc = slots[0]
        np.multiply(g, g, out=out)
        acc += out                                 # acc += g^2
        np.add(acc, _f32(self.epsilon), out=out)
        np.sqrt(out, out=out)
        np.divide(g, out, out=out)
        out *= _f32(lr)                            # lr g / sqrt(acc + eps)
        return out

    def _fused_spec(self, lr):
        return (3, 1, lr, 0.0, 0.0, 0.0, self.epsilon, False, False)

    def get_config(self):
        """Optimizer config plus initial_accumulator_value and epsilon."""
        c = super().get_config()
        c.update(initial_accumulator_value=self.initial_accumulator_value, epsilon=self.epsilon)
        return c


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm (Kingma & Ba 2015, section 7.1), Keras 3 form:
    ``m += (g - m)(1 - beta_1)``; ``u = max(beta_2 u, |g|)``;
    ``w -= lr m / ((1 - beta_1**t)(u + eps))``.

    Args:
        learning_rate: 0.001. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7.
    """

    _slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self._c = _f32(1)

    def _prepare_step(self, lr, step):
        self._c = _f32(1) - _f32(self.beta_1) ** _f32(step)   # 1 - beta_1^t

    def _increment(self, g, slots, out, lr):
        m, u = slots
        np.subtract(g, m, out=out)
        out *= _f32(1.0 - self.beta_1)
        m += out                                   # m += (g - m)(1 - beta_1)
        u *= _f32(self.beta_2)
        np.maximum(u, np.abs(g), out=u)            # u = max(beta_2 u, |g|)
        np.add(u, _f32(self.epsilon), out=out)
        out *= self._c
        np.divide(m * _f32(lr), out, out=out)      # lr m / ((1 - beta_1^t)(u + eps))
        return out

    def _fused_spec(self, lr):
        return (4, 2, lr, 1.0 - self.beta_1, self.beta_2, self.epsilon, float(self._c), False,
                False)

    def get_config(self):
        """Optimizer config plus beta_1, beta_2, epsilon."""
        c = super().get_config()
        c.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return c


class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum (Dozat 2016), Keras 3 form with the momentum schedule
    ``u_t = beta_1 (1 - 0.5 * 0.96**t)`` and its running product ``u_product`` (an optimizer
    variable, saved after the slots as Keras does):
    ``m += (g - m)(1 - beta_1)``; ``v += (g^2 - v)(1 - beta_2)``;
    ``m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product)``;
    ``v_hat = v / (1 - beta_2**t)``; ``w -= lr m_hat / (sqrt(v_hat) + eps)``.

    Args:
        learning_rate: 0.001. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7.
    """

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self._u_product = self._own(_variable_cls()(np.ones((), _f32), name="u_product",
                                                    trainable=False))
        self._k = (_f32(0),) * 5

    @property
    def variables(self):
        """``[iterations, learning_rate, *slots, u_product]`` (Keras 3 order)."""
        return [self.iterations, self._lr, *self._slot_vars, self._u_product]

    def _prepare_step(self, lr, step):
        b1, d = _f32(self.beta_1), _f32(0.96)
        u_t = b1 * (_f32(1) - _f32(0.5) * d ** _f32(step))
        u_t1 = b1 * (_f32(1) - _f32(0.5) * d ** _f32(step + 1))
        up = _f32(self._u_product.value) * u_t    # Keras updates u_product before the step
        self._u_product.value[...] = up
        self._u_product._version += 1
        b2p = _f32(self.beta_2) ** _f32(step)
        self._k = (u_t1 / (_f32(1) - up * u_t1), (_f32(1) - u_t) / (_f32(1) - up),
                   _f32(1) - b2p, _f32(lr), _f32(self.epsilon))

    def _increment(self, g, slots, out, lr):
        m, v = slots
        c_m, c_g, c_v, lr32, eps = self._k
        np.subtract(g, m, out=out)
        out *= _f32(1.0 - self.beta_1)
        m += out
        np.multiply(g, g, out=out)
        out -= v
        out *= _f32(1.0 - self.beta_2)
        v += out
        m_hat = m * c_m + g * c_g
        np.divide(v, c_v, out=out)
        np.sqrt(out, out=out)
        out += eps
        np.divide(m_hat * lr32, out, out=out)
        return out

    def _fused_spec(self, lr):
        c_m, c_g, c_v, lr32, eps = self._k
        return (5, 2, float(lr32), 1.0 - self.beta_1, 1.0 - self.beta_2, float(c_m), float(c_g),
                False, False, float(c_v), float(eps))

    def get_config(self):
        """Optimizer config plus beta_1, beta_2, epsilon."""
        c = super().get_config()
        c.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return c


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012), Keras 3 form: ``a_g = rho a_g + (1 - rho) g^2``;
    ``d = -sqrt(a_d + eps) g / sqrt(a_g + eps)``; ``a_d = rho a_d + (1 - rho) d^2``;
    ``w += lr d``.

    Args:
        learning_rate: 0.001. rho: 0.95. epsilon: 1e-7.
    """

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def _increment(self, g, slots, out, lr):
        ag, ad = slots
        rho, omr, eps = _f32(self.rho), _f32(1.0 - self.rho), _f32(self.epsilon)
        ag *= rho
        ag += omr * g * g
        d = -(np.sqrt(ad + eps) * g) / np.sqrt(ag + eps)
        ad *= rho
        ad += omr * d * d
        np.multiply(d, -_f32(lr), out=out)     # subtracted: w += lr d
        return out

    def _fused_spec(self, lr):
        return (6, 2, lr, self.rho, 1.0 - self.rho, self.epsilon, -float(_f32(lr)), False, False)

    def get_config(self):
        """Optimizer config plus rho and epsilon."""
        c = super().get_config()
        c.update(rho=self.rho, epsilon=self.epsilon)
        return c


class Lion(Optimizer):
    """Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023), Keras 3 form:
    ``w -= lr sign(beta_1 m + (1 - beta_1) g)``; ``m = beta_2 m + (1 - beta_2) g``.

    Args:
        learning_rate: 0.001. beta_1: 0.9. beta_2: 0.99.

    Raises:
        ValueError: ``beta_1`` outside ``(0, 1]``.
    """

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def _increment(self, g, slots, out, lr):
        m = slots[0]
        np.multiply(m, _f32(self.beta_1), out=out)
        out += g * _f32(1.0 - self.beta_1)
        np.sign(out, out=out)
        out *= _f32(lr)                            # lr sign(beta_1 m + (1 - beta_1) g)
        m *= _f32(self.beta_2)
        m += g * _f32(1.0 - self.beta_2)
        return out

    def _fused_spec(self, lr):
        return (7, 1, lr, self.beta_1, 1.0 - self.beta_1, self.beta_2, 1.0 - self.beta_2, False,
                False)

    def get_config(self):
        """Optimizer config plus beta_1 and beta_2."""
        c = super().get_config()
        c.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return c


class Ftrl(Optimizer):
    """FTRL-proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD
    2013), Keras 3 form, with ``p = -learning_rate_power``:
    ``g' = g + 2 l2_shrinkage w``; ``n' = n + g^2``;
    ``z += g' - (n'^p - n^p) / lr * w``; ``w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 l2')``
    with ``l2' = l2 + beta / (2 lr)``; ``n = n'``. Fused C++ step (kind 8 of
    :mod:`pyfapi.kernels.optim`): ``x^0.5`` (the default power) is a square root on both paths,
    bitwise equal to the numpy path; other powers use the C library's double ``pow`` rounded to
    float32 (within an ulp or so of numpy's float32 ``np.power``).

    Args:
        learning_rate: 0.001. learning_rate_power: -0.5 (<= 0). initial_accumulator_value: 0.1
        (>= 0). l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength: 0.0 (>= 0). beta: 0.0.

    Raises:
        ValueError: Keras's checks on the arguments above.
    """

    _slot_names = ("accumulator", "linear")
    _needs_var = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        for arg, v in (("initial_accumulator_value", initial_accumulator_value),
                       ("learning_rate_power", -learning_rate_power),
                       ("l1_regularization_strength", l1_regularization_strength),
                       ("l2_regularization_strength", l2_regularization_strength),
                       ("l2_shrinkage_regularization_strength",
                        l2_shrinkage_regularization_strength)):
            if v < 0.0:
                sign = "negative" if arg == "learning_rate_power" else "positive"
                given = -v if arg == "learning_rate_power" else v
                raise ValueError(f"`{arg}` needs to be {sign} or zero. Received: {arg}={given}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _slot_initial_value(self, slot):
        return self.initial_accumulator_value if slot == "accumulator" else 0.0

    def _l2_total(self, lr32):
        """``l2 + beta / (2 lr)`` in float32 (Keras's ``l2_reg``)."""
        return _f32(self.l2_regularization_strength) + _f32(self.beta) / (_f32(2.0) * lr32)

    def _update_var(self, g, slots, w, lr):
        acc, lin = slots
        lr32 = _f32(lr)
        p = _f32(-self.learning_rate_power)
        # x^0.5 as sqrt (exact; what the fused kernel does for the default power)
        power = (lambda x: np.sqrt(x)) if p == _f32(0.5) else (lambda x: np.power(x, p))
        l2 = self._l2_total(lr32)
        g_use = g + _f32(2 * self.l2_shrinkage_regularization_strength) * w
        new_acc = acc + g * g
        p_new = power(new_acc)
        lin += g_use - (p_new - power(acc)) / lr32 * w
        quad = p_new / lr32 + _f32(2.0) * l2
        l1 = _f32(self.l1_regularization_strength)
        w[...] = (np.clip(lin, -l1, l1) - lin) / quad
        acc[...] = new_acc

    def _fused_spec(self, lr):
        lr32 = _f32(lr)
        p = _f32(-self.learning_rate_power)
        return (8, 2, float(lr32), float(p),
                float(_f32(2 * self.l2_shrinkage_regularization_strength)),
                float(_f32(self.l1_regularization_strength)),
                float(_f32(2.0) * self._l2_total(lr32)), bool(p == _f32(0.5)), False)

    def get_config(self):
        """Optimizer config plus Ftrl's arguments."""
        c = super().get_config()
        c.update(learning_rate_power=self.learning_rate_power,
                 initial_accumulator_value=self.initial_accumulator_value,
                 l1_regularization_strength=self.l1_regularization_strength,
                 l2_regularization_strength=self.l2_regularization_strength,
                 l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength,
                 beta=self.beta)
        return c


_KERNELS = _fused_kernels()



_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
            "adamax": Adamax, "nadam": Nadam, "adadelta": Adadelta, "lion": Lion, "ftrl": Ftrl}
_CLASSES = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW, "Adagrad": Adagrad,
            "Adamax": Adamax, "Nadam": Nadam, "Adadelta": Adadelta, "Lion": Lion, "Ftrl": Ftrl}


def get(identifier):
    """Resolve an optimizer: a name (``'sgd'``, ``'rmsprop'``, ``'adam'``, ``'adamw'``,
    ``'adagrad'``, case-insensitive), a config dict, an :class:`Optimizer` (returned as is), an
    Optimizer subclass (instantiated; Keras 3 refuses classes), or None (returned).

    Raises:
        ValueError: an unknown name (the message lists the known ones), a class that is not an
            Optimizer, or another type (Keras 3's "Could not interpret optimizer identifier").
    """
    return get_object(identifier, "optimizer", (_BY_NAME, _CLASSES), deserialize, lower=True,
                      instance_of=Optimizer, wrap_callable=_not_an_optimizer)


def _not_an_optimizer(obj):
    raise ValueError(f"Could not interpret optimizer identifier: {obj!r} (expected a name, a "
                     "config dict or an Optimizer)")


def serialize(optimizer):
    """``{"module": "keras.optimizers", "class_name", "config", "registered_name"}`` (Keras 3's
    form, so Keras can read the compile config of a pyfapi ``.keras`` archive)."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config):
    """Inverse of :func:`serialize`.

    Raises:
        ValueError: an unknown class name.
    """
    if config.get("class_name") == "LossScaleOptimizer":
        from pyfapi.mixed_precision.loss_scale_optimizer import LossScaleOptimizer
        return LossScaleOptimizer.from_config(dict(config.get("config", {})))
    cls = _CLASSES.get(config.get("class_name")) or _BY_NAME.get(
        str(config.get("class_name")).lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer class {config.get('class_name')!r}; expected one of "
                         f"{sorted(_CLASSES)}")
    return cls.from_config(dict(config.get("config", {})))
