"""GradientTape: reverse-mode differentiation in TensorFlow's sense.

While a tape is entered, every differentiable op whose inputs include a watched tensor is
recorded (op, ctx, inputs, outputs) in execution order, which is already a topological order.
``gradient()`` walks the records backwards, calling each op's ``backward`` and summing the
gradients of values used more than once.

Semantics (as ``tf.GradientTape``):

* trainable :class:`~pyfapi.autodiff.Variable` s are watched automatically when used
  (``watch_accessed_variables=True``); ``tape.watch(x)`` watches any other float Tensor or
  Variable (must be called before ``x`` is used).
* ``gradient(target, sources, output_gradients=None)``: ``sources`` a single tensor, a list/tuple
  or a dict (nested structures allowed), returned in the same structure; ``None`` for a source the
  target does not depend on and for integer sources. A non-scalar target (or a list of targets)
  is differentiated as its sum unless ``output_gradients`` gives the upstream gradient(s).
* A non-persistent tape frees its records after its first ``gradient()`` call; a second call
  raises ``RuntimeError``. ``persistent=True`` keeps them until the tape is deleted / ``reset()``.
* Nested tapes each record the forward ops, but backward rules run in numpy and are not recorded,
  so higher-order gradients (gradient of a gradient) are not supported: ``gradient()`` raises
  ``NotImplementedError`` when ANOTHER tape is recording and watches one of the sources (its
  result would silently be a constant there). Leave the outer ``with`` block first, or use
  ``outer.stop_recording()``. Calling ``gradient()`` inside its own tape's block is fine.
* In-place writes: each :class:`~pyfapi.autodiff.Variable` has a version counter (bumped by
  ``assign*`` and optimizer steps); a recorded op remembers the versions of its Variable inputs
  and ``gradient()`` raises ``RuntimeError`` if one changed before that op's backward runs (as
  PyTorch): ops keep the Variable's live buffer, so the gradient would silently be wrong.
"""
from __future__ import annotations

import sys
from itertools import repeat

import numpy as np

from pyfapi import tree
from pyfapi._config import PRECISION as _PRECISION, _enter_precision, _exit_precision
from pyfapi.autodiff.registry import _ACTIVE_TAPES
from pyfapi.autodiff.tensor import Tensor, _wrap, as_array

__all__ = ["GradientTape"]

_ndarray = np.ndarray
_getrefcount = sys.getrefcount
_may_share = np.may_share_memory  # bounds only: conservative and O(1)


def _exclusive(a, holders: int) -> bool:
    """True when nothing but the caller's ``holders`` known references can reach
    the buffer of ``a``, so it may be written in place or handed out without a copy: ``a`` is
    writable and either owns its memory or is a full-size view (a reshape / transpose) of an
    ndarray that owns it and that no other object references. Any doubt answers False (the
    caller copies): arrays saved by a recorded op, the user's ``output_gradients``, the same
    gradient given to two inputs, slices and views of C++-owned buffers all have other holders.
    """
    # references to a here: the caller's ``holders``, the parameter a and getrefcount's argument
    if _getrefcount(a) > holders + 2 or not a.flags.writeable:
        return False
    b = a.base
    if b is None:
        return True
    # references to b here: a.base, the local b and getrefcount's argument
    return (type(b) is _ndarray and b.base is None and b.nbytes == a.nbytes
            and _getrefcount(b) <= 3)


_NESTED = (list, tuple, dict)


class GradientTape:
    """Record ops for automatic differentiation.

    Args:
        persistent: allow several ``gradient()`` calls (records kept until the tape is freed).
        watch_accessed_variables: watch trainable Variables automatically when they are used.
    """

    __slots__ = ("persistent", "watch_accessed_variables", "_tracked", "_records", "_used",
                 "_entered", "__weakref__")

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._tracked = {}    # id -> tensor: watched sources and outputs of recorded ops
        self._records = []    # (op, ctx, inputs, outputs, variable versions) in execution order
        self._used = False
        self._entered = False

    # ---- recording ----------------------------------------------------------------------------
    def __enter__(self):
        if self._entered:
            raise RuntimeError("GradientTape: this tape is already recording (entered twice)")
        self._entered = True
        _ACTIVE_TAPES.append(self)
        return self

    def __exit__(self, *exc):
        self._entered = False
        for i in range(len(_ACTIVE_TAPES) - 1, -1, -1):
            if _ACTIVE_TAPES[i] is self:
                del _ACTIVE_TAPES[i]
                break
        return False

    def watch(self, tensor) -> None:
        """Watch a Tensor/Variable (or a list/tuple/dict of them) so ops on it are recorded.

        Integer/bool tensors are ignored (not differentiable).

        Raises:
            TypeError: an element is not a Tensor (e.g. a raw numpy array, which has no identity
                to track: wrap it with ``pyfapi.ops.convert_to_tensor`` first).
        """
        for t in tree.flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch: expected a Tensor or Variable, got "
                                f"{type(t).__name__} (wrap arrays with pyfapi.ops.convert_to_tensor)")
            if t.value.dtype.kind in "fc":
                self._tracked[id(t)] = t

    def watched_variables(self) -> list:
        """The Variables watched so far (explicitly or by being used), in first-use order."""
        from pyfapi.autodiff.variable import Variable
        return [t for t in self._tracked.values() if isinstance(t, Variable)]

    def stop_recording(self):
        """Context manager pausing this tape's recording (ops run inside are not differentiated)."""
        return _Paused(self)

    def reset(self) -> None:
        """Drop everything recorded (and watched) so far; the tape can be used again."""
        self._tracked = {}
        self._records = []
        self._used = False

    def _record(self, op, ctx, inputs, outputs) -> None:
        tracked = self._tracked
        needs = []
        any_needed = False
        versions = None  # ((variable, version at record time), ...) for Variable inputs
        for x in inputs:
            if isinstance(x, Tensor):
                ver = x._version
                if ver is not None:
                    if versions is None:
                        versions = [(x, ver)]
                    else:
                        versions.append((x, ver))
                if id(x) in tracked:
                    needs.append(True)
                    any_needed = True
                    continue
                if x._trainable and self.watch_accessed_variables and x.value.dtype.kind in "fc":
                    tracked[id(x)] = x
                    needs.append(True)
                    any_needed = True
                    continue
            needs.append(False)
        if not any_needed:
            return
        ctx.needs_input_grad = tuple(needs)
        if type(outputs) is tuple:
            for o in outputs:
                if o.value.dtype.kind in "fc":
                    tracked[id(o)] = o
        elif outputs.value.dtype.kind in "fc":
            tracked[id(outputs)] = outputs
        self._records.append((op, ctx, inputs, outputs, versions))

    # ---- differentiation ----------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of ``target`` with respect to ``sources``.

        Args:
            target: a Tensor, or a list/tuple of Tensors (their sum is differentiated).
            sources: a Tensor/Variable, or a (nested) list/tuple/dict of them.
            output_gradients: upstream gradient(s) matching ``target`` (default: ones, i.e. the
                gradient of ``sum(target)``).
            unconnected_gradients: ``"none"`` (default: None for unconnected sources) or
                ``"zero"``.

        Returns:
            Gradients as Tensors (float, shaped like each source) in the structure of ``sources``;
            None for sources the target does not depend on and for integer sources.

        Raises:
            RuntimeError: a non-persistent tape's ``gradient()`` called a second time, or a
                backward rule returned a gradient of the wrong shape.
            TypeError: a source is not a Tensor/Variable.
            ValueError: ``output_gradients`` does not match the target's shape.
        """
        if self._used and not self.persistent:
            raise RuntimeError("GradientTape.gradient can only be called once on a non-persistent tape "
                               "(its records were freed); use GradientTape(persistent=True) to call it "
                               "several times")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"GradientTape.gradient: unconnected_gradients must be 'none' or 'zero', "
                             f"got {unconnected_gradients!r}")
        targets = [target] if isinstance(target, Tensor) else tree.flatten(target)
        flat_sources = [sources] if isinstance(sources, Tensor) else tree.flatten(sources)
        for s in flat_sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"GradientTape.gradient: sources must be Tensors or Variables, got "
                                f"{type(s).__name__}")
        if output_gradients is None:
            seeds = [None] * len(targets)
        else:
            seeds = [output_gradients] if len(targets) == 1 and not isinstance(output_gradients, (list, tuple)) \
                else tree.flatten(output_gradients)
            if len(seeds) != len(targets):
                raise ValueError(f"GradientTape.gradient: {len(targets)} target(s) but "
                                 f"{len(seeds)} output_gradients")
        grads = {}
        for t, s in zip(targets, seeds):
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.gradient: target must be a Tensor, got {type(t).__name__}")
            tv = t.value
            if tv.dtype.kind not in "fc":
                continue
            if s is None:
                g = np.array(1, dtype=tv.dtype) if not tv.ndim else np.ones(tv.shape, dtype=tv.dtype)
            else:
                g = as_array(s)
                if g.shape != tv.shape:
                    raise ValueError(f"GradientTape.gradient: output_gradients has shape {g.shape}, "
                                     f"target has shape {tv.shape}")
                g = g.astype(tv.dtype, copy=False)
            k = id(t)
            grads[k] = g if k not in grads else grads[k] + g

        if _ACTIVE_TAPES and (len(_ACTIVE_TAPES) > 1 or _ACTIVE_TAPES[0] is not self):
            _refuse_higher_order(self, flat_sources)

        keep = {id(s) for s in flat_sources}
        records = self._records
        if not self.persistent:
            self._records = []
            self._tracked = {}
            self._used = True
        get = grads.get
        prec0 = _PRECISION.code
        try:
            _backward(records, grads, keep)
        finally:
            _exit_precision(prec0)  # ops recorded under bfloat16 switched it for their backward

        seen = set()
        flat_out = []
        for s in flat_sources:
            g = get(id(s))
            if g is None:
                if unconnected_gradients == "zero" and s.value.dtype.kind in "fc":
                    g = np.zeros_like(s.value)
                else:
                    flat_out.append(None)
                    continue
            # Hand out independent, writable arrays (optimizers may update gradients in place):
            # copied unless the tape's dict and this loop hold the only references.
            if id(g) in seen or not _exclusive(g, 2):
                g = g.copy()
            seen.add(id(g))
            flat_out.append(_wrap(g))
        if isinstance(sources, Tensor):
            return flat_out[0]
        if type(sources) is list and len(flat_out) == len(sources) and not any(
                map(isinstance, sources, repeat(_NESTED))):  # a flat list (a step's variables)
            return flat_out
        return tree.pack_sequence_as(sources, flat_out)


def _backward(records, grads, keep):
    """Runs the backward rules of ``records`` in reverse order, accumulating into ``grads``
    (id -> array); each rule runs in the GEMM precision its forward ran in."""
    get = grads.get
    state = _PRECISION
    for op, ctx, inputs, outputs, versions in reversed(records):
        code = ctx.__dict__.get("_precision", 0)
        if code != state.code:
            _enter_precision(code)
        if type(outputs) is tuple:
            out_grads = [get(id(o)) for o in outputs]
            if all(g is None for g in out_grads):
                continue
            if versions is not None:
                _check_versions(op, versions)
            for o in outputs:
                if id(o) not in keep:
                    grads.pop(id(o), None)
            out_grads = [np.zeros_like(o.value) if g is None else g for g, o in zip(out_grads, outputs)]
            in_grads = op.backward(ctx, *out_grads)
        else:
            k = id(outputs)
            g = get(k)
            if g is None:
                continue
            if k not in keep:
                del grads[k]
            if versions is not None:
                _check_versions(op, versions)
            in_grads = op.backward(ctx, g)
        if type(in_grads) is not tuple:
            in_grads = tuple(in_grads) if type(in_grads) is list else (in_grads,)
        needs = ctx.needs_input_grad
        if len(in_grads) != len(needs):
            raise RuntimeError(f"backward of op {op.name!r} returned {len(in_grads)} gradient(s) "
                               f"for {len(needs)} input(s)")
        for x, need, g in zip(inputs, needs, in_grads):
            if not need or g is None:
                continue
            xv = x.value
            if type(g) is not _ndarray:
                g = np.asarray(g)
            if g.shape != xv.shape:
                raise RuntimeError(f"backward of op {op.name!r} returned a gradient of shape {g.shape} "
                                   f"for an input of shape {xv.shape}")
            if g.dtype is not xv.dtype and g.dtype != xv.dtype:
                g = g.astype(xv.dtype)
            k = id(x)
            prev = get(k)
            if prev is None:
                grads[k] = g
            elif (prev.dtype == g.dtype and _exclusive(prev, 2)
                  and (prev is g or not _may_share(prev, g))):
                prev += g  # a gradient only this dict holds: summed in place, no new array
            else:
                grads[k] = prev + g


def _refuse_higher_order(tape, flat_sources) -> None:
    """Raise when another tape is recording and watches a source: it would record the returned
    gradient as a constant (backward rules are not recorded), so differentiating it again (a
    higher-order gradient) would silently give None / a wrong value."""
    for other in _ACTIVE_TAPES:
        if other is tape:
            continue
        otracked = other._tracked
        for s in flat_sources:
            if id(s) in otracked:
                raise NotImplementedError(
                    "GradientTape.gradient: called while another GradientTape is recording and "
                    f"watching the source {getattr(s, 'path', None) or 'tensor'!r}. Higher-order "
                    "gradients (the gradient of a gradient) are not supported: backward passes are "
                    "not recorded, so the outer tape would silently treat this gradient as a "
                    "constant. Call gradient() after leaving the outer tape's 'with' block, or "
                    "inside 'with outer_tape.stop_recording():'.")


def _check_versions(op, versions) -> None:
    """Refuse to run ``op``'s backward when a Variable input was written in place since the op
    was recorded (its saved arrays may alias the Variable's buffer: the gradient would be wrong)."""
    for var, ver in versions:
        if var._version != ver:
            raise RuntimeError(
                f"GradientTape.gradient: variable {getattr(var, 'path', None) or var.name!r} was modified "
                f"in place (assign/assign_add/assign_sub or an optimizer step; version {ver} -> "
                f"{var._version}) after being used in the forward pass by op {op.name!r}; its gradient "
                "would be computed from the new value. Compute all gradients before updating the "
                "variables, or record the forward pass again on a new tape.")


class _Paused:
    __slots__ = ("tape", "was_active")

    def __init__(self, tape):
        self.tape = tape

    def __enter__(self):
        self.was_active = self.tape in _ACTIVE_TAPES
        if self.was_active:
            _ACTIVE_TAPES.remove(self.tape)
        return self.tape

    def __exit__(self, *exc):
        if self.was_active:
            _ACTIVE_TAPES.append(self.tape)
        return False
