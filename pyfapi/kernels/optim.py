"""Python face of the fused optimizer kernels (csrc/optim): one pass over each variable per step.

Each function updates float32 variables and their slots IN PLACE with Keras 3's update rule, in
the exact float32 operation order of the numpy reference in :mod:`pyfapi.optimizers` (no FMA
contraction), after the optional gradient preprocessing of ``Optimizer.apply``:

1. ``g = g * grad_scale[k]`` (clipnorm / global_clipnorm factor of variable ``k``), then
   ``g = clip(g, -clipvalue, clipvalue)``;
2. decoupled weight decay ``w -= w * weight_decay_lr`` (``weight_decay_lr = float32(wd * lr)``);
3. the update:

   * SGD: ``inc = lr g``; momentum ``m = momentum m - inc``; ``w -= inc`` (no momentum),
     ``w += m`` (momentum), ``w += momentum m - inc`` (nesterov);
   * RMSprop: ``v = rho v + (1 - rho) g^2``; centered ``a = rho a + (1 - rho) g``,
     ``den = v - a^2 + eps`` else ``v + eps``; ``inc = lr g / sqrt(den)``; momentum
     ``m = momentum m + inc; w -= m`` else ``w -= inc``;
   * Adam: ``m += (g - m)(1 - beta_1)``; ``v += (g^2 - v)(1 - beta_2)``; amsgrad
     ``vh = max(vh, v)`` used for ``v``; ``w -= alpha m / (sqrt(v) + eps)`` with the bias-corrected
     ``alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)`` given by the caller;
   * Adagrad: ``acc += g^2``; ``w -= lr g / sqrt(acc + eps)``;
   * Adamax (4), Nadam (5), Adadelta (6), Lion (7), Ftrl (8): the rules documented on their
     classes in :mod:`pyfapi.optimizers`, driven by ``step_unchecked`` only. Ftrl's ``x^p`` is a
     square root when ``p = 0.5`` (bitwise equal to the numpy path), else the C library's double
     ``pow`` rounded to float32 (within about an ulp of numpy's float32 ``np.power``).

Arguments: lists with one entry per variable. Every array must be a float32, C-contiguous numpy
array (variables and slots writeable), gradients and slots of their variable's size; nothing is
converted (an in-place update of a copy would be lost). Bad input raises ValueError / TypeError
naming the argument before C++ sees memory. OpenMP over chunks for big steps (the result does not
depend on the thread count); the GIL is released.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["sgd_update", "rmsprop_update", "adam_update", "adam_alpha", "adagrad_update",
           "ftrl_update", "step_unchecked",
           "KIND_SGD", "KIND_RMSPROP", "KIND_ADAM", "KIND_ADAGRAD"]

KIND_SGD, KIND_RMSPROP, KIND_ADAM, KIND_ADAGRAD = 0, 1, 2, 3
KIND_ADAMAX, KIND_NADAM, KIND_ADADELTA, KIND_LION, KIND_FTRL = 4, 5, 6, 7, 8
_F32 = np.dtype(np.float32)


def _f32(x) -> float:
    """``x`` rounded to float32 (as numpy's ``np.float32(x)``), as a Python float."""
    return float(np.float32(x))


def _check_list(op, name, arrays, sizes, writeable):
    if not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{op}: {name} must be a list of float32 arrays, received "
                        f"{type(arrays).__name__}")
    if sizes is not None and len(arrays) != len(sizes):
        raise ValueError(f"{op}: {name} must have one array per variable ({len(sizes)}), "
                         f"received {len(arrays)}")
    for k, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{op}: {name}[{k}] must be a numpy array, received "
                            f"{type(a).__name__}")
        if a.dtype != _F32:
            raise TypeError(f"{op}: {name}[{k}] must be float32, received dtype {a.dtype}")
        if not a.flags.c_contiguous:
            raise ValueError(f"{op}: {name}[{k}] must be C-contiguous (it is updated in place "
                             f"or read as a flat vector), received strides {a.strides}")
        if writeable and not a.flags.writeable:
            raise ValueError(f"{op}: {name}[{k}] is read-only")
        if sizes is not None and a.size != sizes[k]:
            raise ValueError(f"{op}: {name}[{k}] has shape {a.shape} ({a.size} values); its "
                             f"variable has {sizes[k]} values")


def _common(op, params, grads, slot_lists, weight_decay_lr, clipvalue, grad_scale):
    _check_list(op, "params", params, None, True)
    sizes = [int(p.size) for p in params]
    _check_list(op, "grads", grads, sizes, False)
    flat = []
    for name, lst in slot_lists:
        _check_list(op, name, lst, sizes, True)
    for k in range(len(params)):
        mem = [params[k]] + [lst[k] for _, lst in slot_lists]
        for i, a in enumerate(mem):
            for b in mem[i + 1:] + [grads[k]]:
                if a.size and np.shares_memory(a, b):
                    raise ValueError(f"{op}: the variable / slot / gradient arrays of variable "
                                     f"{k} must not overlap")
        flat.extend(lst[k] for _, lst in slot_lists)
    if clipvalue is not None and not float(clipvalue) > 0:
        raise ValueError(f"{op}: clipvalue must be > 0, received {clipvalue}")
    gs = None
    if grad_scale is not None:
        gs = np.asarray(grad_scale, dtype=np.float32).reshape(-1)
        if gs.shape != (len(params),):
            raise ValueError(f"{op}: grad_scale must hold one value per variable "
                             f"({len(params)}), received shape {np.shape(grad_scale)}")
        gs = np.ascontiguousarray(gs)
    wd = weight_decay_lr is not None and float(weight_decay_lr) != 0.0
    return (flat, gs, _f32(weight_decay_lr) if wd else 0.0, wd,
            _f32(clipvalue) if clipvalue is not None else 0.0, clipvalue is not None)


def step_unchecked(kind, params, grads, flat_slots, nslots, grad_scale, lr, wd_lr, decay,
                   clipvalue, clip, c0, c1, c2, c3, flag0, flag1, c4=None, c5=None):
    """Direct call of ``_C.optimizer_step`` for :mod:`pyfapi.optimizers`, whose own checks cover
    shapes and dtypes (the C++ guard still raises ValueError, before writing anything, for a
    non-float32 / non-contiguous / read-only / wrongly sized array). ``flat_slots`` holds the
    ``nslots`` slots of variable 0, then of variable 1, ...; scalars are float32 values."""
    if c4 is None:
        _C.optimizer_step(kind, params, grads, flat_slots, nslots, grad_scale, lr, wd_lr, decay,
                          clipvalue, clip, c0, c1, c2, c3, flag0, flag1)
    else:  # Nadam's two extra constants
        _C.optimizer_step(kind, params, grads, flat_slots, nslots, grad_scale, lr, wd_lr, decay,
                          clipvalue, clip, c0, c1, c2, c3, flag0, flag1, c4, c5)


def sgd_update(params, grads, momentums=None, *, learning_rate, momentum=0.0, nesterov=False,
               weight_decay_lr=None, clipvalue=None, grad_scale=None):
    """Fused SGD step (see the module docstring). ``momentums``: one slot per variable, required
    when ``momentum != 0``.

    Raises:
        TypeError / ValueError: a non-list, non-float32 / non-contiguous / read-only array, a size
            mismatch, overlapping arrays, missing momentum slots, ``clipvalue <= 0``.
    """
    op = "sgd_update"
    has_m = float(momentum) != 0.0
    if has_m and momentums is None:
        raise ValueError(f"{op}: momentum={momentum} needs the momentum slots (momentums=None)")
    slots = [("momentums", momentums)] if has_m else []
    flat, gs, wd, decay, cv, clip = _common(op, params, grads, slots, weight_decay_lr, clipvalue,
                                            grad_scale)
    step_unchecked(KIND_SGD, list(params), list(grads), flat, len(slots), gs,
                   _f32(learning_rate), wd, decay, cv, clip, _f32(momentum), 0.0, 0.0, 0.0,
                   bool(nesterov), has_m)


def rmsprop_update(params, grads, velocities, momentums=None, average_gradients=None, *,
                   learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                   weight_decay_lr=None, clipvalue=None, grad_scale=None):
    """Fused RMSprop step (see the module docstring). ``momentums`` are required when
    ``momentum > 0``, ``average_gradients`` when ``centered``.

    Raises:
        TypeError / ValueError: as :func:`sgd_update`; a missing slot list.
    """
    op = "rmsprop_update"
    has_m = float(momentum) > 0
    slots = [("velocities", velocities)]
    if has_m:
        if momentums is None:
            raise ValueError(f"{op}: momentum={momentum} needs the momentum slots")
        slots.append(("momentums", momentums))
    if centered:
        if average_gradients is None:
            raise ValueError(f"{op}: centered=True needs the average_gradients slots")
        slots.append(("average_gradients", average_gradients))
    flat, gs, wd, decay, cv, clip = _common(op, params, grads, slots, weight_decay_lr, clipvalue,
                                            grad_scale)
    step_unchecked(KIND_RMSPROP, list(params), list(grads), flat, len(slots), gs,
                   _f32(learning_rate), wd, decay, cv, clip, _f32(rho), _f32(1.0 - float(rho)),
                   _f32(momentum), _f32(epsilon), bool(centered), has_m)


def adam_alpha(learning_rate, beta_1, beta_2, step) -> float:
    """Keras 3's bias-corrected step size ``lr sqrt(1 - beta_2^t) / (1 - beta_1^t)`` in float32
    (as :class:`pyfapi.optimizers.Adam`)."""
    f = np.float32
    b1 = f(beta_1) ** f(step)
    b2 = f(beta_2) ** f(step)
    return float(f(learning_rate) * np.sqrt(f(1) - b2) / (f(1) - b1))


def adam_update(params, grads, momentums, velocities, velocity_hats=None, *, alpha, beta_1=0.9,
                beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay_lr=None, clipvalue=None,
                grad_scale=None):
    """Fused Adam / AdamW step (see the module docstring; ``alpha`` from :func:`adam_alpha`,
    AdamW's decay through ``weight_decay_lr``). ``velocity_hats`` are required with amsgrad.

    Raises:
        TypeError / ValueError: as :func:`sgd_update`; missing velocity_hats with amsgrad.
    """
    op = "adam_update"
    slots = [("momentums", momentums), ("velocities", velocities)]
    if amsgrad:
        if velocity_hats is None:
            raise ValueError(f"{op}: amsgrad=True needs the velocity_hats slots")
        slots.append(("velocity_hats", velocity_hats))
    flat, gs, wd, decay, cv, clip = _common(op, params, grads, slots, weight_decay_lr, clipvalue,
                                            grad_scale)
    step_unchecked(KIND_ADAM, list(params), list(grads), flat, len(slots), gs, 0.0, wd, decay,
                   cv, clip, _f32(1.0 - float(beta_1)), _f32(1.0 - float(beta_2)),
                   _f32(epsilon), _f32(alpha), bool(amsgrad), False)


def adagrad_update(params, grads, accumulators, *, learning_rate, epsilon=1e-7,
                   weight_decay_lr=None, clipvalue=None, grad_scale=None):
    """Fused Adagrad step (see the module docstring).

    Raises:
        TypeError / ValueError: as :func:`sgd_update`.
    """
    op = "adagrad_update"
    flat, gs, wd, decay, cv, clip = _common(op, params, grads, [("accumulators", accumulators)],
                                            weight_decay_lr, clipvalue, grad_scale)
    step_unchecked(KIND_ADAGRAD, list(params), list(grads), flat, 1, gs, _f32(learning_rate), wd,
                   decay, cv, clip, 0.0, 0.0, 0.0, _f32(epsilon), False, False)


def ftrl_update(params, grads, accumulators, linears, *, learning_rate,
                learning_rate_power=-0.5, l1_regularization_strength=0.0,
                l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                beta=0.0, weight_decay_lr=None, clipvalue=None, grad_scale=None):
    """Fused Ftrl step (Keras 3's rule, see :class:`pyfapi.optimizers.Ftrl`), with
    ``p = -learning_rate_power``: ``g' = g + 2 l2_shrinkage w``; ``n' = n + g^2``;
    ``z += g' - (n'^p - n^p) / lr * w``; ``w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 l2')``,
    ``l2' = l2 + beta / (2 lr)``; ``n = n'``. ``accumulators`` (``n``) and ``linears`` (``z``):
    one slot each per variable, updated in place with the variable.

    Raises:
        TypeError / ValueError: as :func:`sgd_update`; ``learning_rate <= 0`` (it divides).
    """
    op = "ftrl_update"
    if not float(learning_rate) > 0:
        raise ValueError(f"{op}: learning_rate must be > 0, received {learning_rate}")
    flat, gs, wd, decay, cv, clip = _common(
        op, params, grads, [("accumulators", accumulators), ("linears", linears)],
        weight_decay_lr, clipvalue, grad_scale)
    f = np.float32
    lr32 = f(learning_rate)
    p = f(-float(learning_rate_power))
    l2x2 = f(2.0) * (f(l2_regularization_strength) + f(beta) / (f(2.0) * lr32))
    step_unchecked(KIND_FTRL, list(params), list(grads), flat, 2, gs, float(lr32), wd, decay,
                   cv, clip, float(p), _f32(2 * float(l2_shrinkage_regularization_strength)),
                   _f32(l1_regularization_strength), float(l2x2), bool(p == f(0.5)), False)
