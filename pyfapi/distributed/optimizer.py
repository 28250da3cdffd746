"""``DistributedOptimizer``: gradients averaged over the ranks with Allreduce before the update.

The gradients of one step are packed into as few contiguous float32 buffers as possible (one for
models up to ``bucket_bytes``, default 64 MiB; else buckets of whole variables), reduced IN PLACE
(non-blocking Allreduces started together and waited for together, so MPI pipelines the
buckets), then handed to the wrapped optimizer's update as views of the buffers (no copy back).

Weighting: rank ``r`` contributes ``w_r * g_r`` with ``w_r`` the samples of its step
(:func:`pyfapi.utils.distributed_context.set_step_samples`, set by ``fit``; 1 when unset), and
each variable's result is divided by the sum of the ``w_r`` of the ranks that HAVE a gradient for
it (one extra float per variable travels in the same buffer). With equal weights this is the
plain mean (Horovod's ``average``); with the local batch sizes it is exactly the gradient of the
mean loss over the global batch, also for a last batch split unevenly, or a rank without data in
a step (weight 0, gradients None). A variable no rank has a gradient for stays None (not
updated), as in a single process.

The first step (and any step whose variable list changes) compares the list of variables
(path, shape) across ranks and raises ``ValueError`` naming the first differing variable instead
of reducing buffers of different layouts.
"""
from __future__ import annotations

import numpy as np

from pyfapi import optimizers as optimizers_module
from pyfapi.utils import distributed_context as dc

__all__ = ["DistributedOptimizer", "DEFAULT_BUCKET_BYTES"]

#: Default bucket size (Horovod's fusion buffer default).
DEFAULT_BUCKET_BYTES = 64 << 20


class _Layout:
    """Buffers for one variable list: per variable (bucket, offset, size); per bucket a float32
    buffer holding the gradients then, at the end of the last bucket, one weight per variable."""

    def __init__(self, variables, bucket_elems):
        self.key = tuple(id(v) for v in variables)
        self.shapes = [tuple(v.value.shape) for v in variables]
        sizes = [int(v.value.size) for v in variables]
        self.slots = []
        bucket_sizes = [0]
        for n in sizes:
            if bucket_sizes[-1] and bucket_sizes[-1] + n > bucket_elems:
                bucket_sizes.append(0)
            self.slots.append((len(bucket_sizes) - 1, bucket_sizes[-1], n))
            bucket_sizes[-1] += n
        nvar = len(variables)
        self.weight_bucket = len(bucket_sizes) - 1
        self.weight_offset = bucket_sizes[-1]
        bucket_sizes[-1] += nvar
        self.buffers = [np.empty(n, np.float32) for n in bucket_sizes]
        self.views = [self.buffers[b][o:o + n].reshape(s)
                      for (b, o, n), s in zip(self.slots, self.shapes)]
        self.weights = self.buffers[self.weight_bucket][self.weight_offset:
                                                        self.weight_offset + nvar]


def _describe(var):
    return getattr(var, "path", None) or getattr(var, "name", None) or "<variable>"


class _DistributedMixin:
    """Mixed in before the wrapped optimizer's class (see :func:`DistributedOptimizer`)."""

    averages_gradients = True   # fit shards data and weighs steps when this is set

    def apply(self, grads, trainable_variables=None):
        """Average ``grads`` over the ranks (see the module docstring), then apply them with the
        wrapped optimizer's rule. Same arguments and errors as :meth:`Optimizer.apply`, plus
        ValueError when the ranks' variable lists differ."""
        if trainable_variables is None:
            trainable_variables = self._tracked
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{type(self).__name__}.apply: received {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables")
        if dc.active():
            grads = self._allreduce(list(grads), list(trainable_variables))
        return super().apply(grads, trainable_variables)

    def _allreduce(self, grads, variables):
        layout = self.__dict__.get("_dist_layout")
        if layout is None or layout.key != tuple(id(v) for v in variables):
            self._dist_check_variables(variables)
            layout = _Layout(variables, max(1, int(self._dist_bucket_bytes) // 4))
            self._dist_layout = layout
        w = dc.step_samples()
        w = np.float32(1.0 if w is None else w)
        weights = layout.weights
        for k, (g, view) in enumerate(zip(grads, layout.views)):
            if g is None or w == 0:
                view.fill(0.0)
                weights[k] = 0.0
                continue
            garr = getattr(g, "value", g)
            garr = np.asarray(garr)
            if garr.shape != view.shape:
                raise ValueError(
                    f"{type(self).__name__}.apply: gradient of shape {garr.shape} for variable "
                    f"{_describe(variables[k])!r} of shape {view.shape}")
            if w == 1:
                np.copyto(view, garr, casting="same_kind")
            else:
                np.multiply(garr, w, out=view, casting="same_kind")
            weights[k] = w
        dc.wait_all([dc.iallreduce_(b) for b in layout.buffers])
        out = []
        uniform = bool(np.all(weights == weights[0])) if len(weights) else True
        if uniform and len(weights) and weights[0] > 0 and len(layout.buffers) == 1:
            # one division over the whole buffer (the weights at its end are not read again)
            buf = layout.buffers[0]
            if weights[0] != 1:
                np.divide(buf, weights[0], out=buf)
            return list(layout.views)
        for k, view in enumerate(layout.views):
            total = weights[k]
            if total <= 0:
                out.append(None)
                continue
            if total != 1:
                np.divide(view, total, out=view)
            out.append(view)
        return out

    def _dist_check_variables(self, variables):
        items = [(_describe(v), tuple(v.value.shape)) for v in variables]
        bad = dc.first_mismatch(items)
        if bad is not None:
            i, a, r, b = bad
            raise ValueError(
                f"DistributedOptimizer: the ranks train different variables: variable #{i} is "
                f"{_fmt(a)} on rank 0 but {_fmt(b)} on rank {r} (every rank must build the same "
                f"model, with its weights in the same order)")

    def __repr__(self):
        return f"DistributedOptimizer({super().__repr__()})"


def _fmt(item):
    if item is None:
        return "missing"
    name, shape = item[0], item[1]
    extra = f" {item[2]}" if len(item) > 2 else ""
    return f"{name!r} of shape {shape}{extra}"


_CLASSES: dict = {}


def _distributed_class(base):
    cls = _CLASSES.get(base)
    if cls is None:
        # the class keeps the wrapped class's name, so serialize() / get_config() and saved
        # .keras archives name the plain optimizer (a checkpoint loads without pyfapi.distributed)
        cls = type(base.__name__, (_DistributedMixin, base),
                   {"__module__": base.__module__, "__qualname__": base.__qualname__,
                    "__doc__": base.__doc__})
        _CLASSES[base] = cls
    return cls


def DistributedOptimizer(optimizer, bucket_bytes=DEFAULT_BUCKET_BYTES, **kwargs):
    """Wrap ``optimizer`` so that every ``apply`` / ``apply_gradients`` first averages the
    gradients over all ranks (Horovod's ``hvd.DistributedOptimizer``).

    Args:
        optimizer: a :mod:`pyfapi.optimizers` instance, or a name (``"adam"``...).
        bucket_bytes: the largest float32 buffer reduced in one Allreduce (variables are never
            split; a variable larger than this gets its own buffer).
        **kwargs: accepted for Horovod compatibility (``compression``, ``op``,
            ``backward_passes_per_step``, ``sparse_as_dense``, ``name``) and ignored when
            they request the defaults; anything else is refused.

    Returns:
        An optimizer of the same class (same name, config and serialization) sharing the state
        (iterations, learning rate, slots) of ``optimizer``; use it in place of the original.

    Raises:
        TypeError: ``optimizer`` is not an optimizer (or name); ValueError: non-default
            Horovod options (gradient compression, ``op`` other than average, several backward
            passes per step are not supported).
    """
    for k, v in kwargs.items():
        default = {"compression": None, "op": None, "backward_passes_per_step": 1,
                   "sparse_as_dense": False, "name": None, "average_aggregated_gradients": False,
                   "device_dense": "", "device_sparse": ""}
        if k not in default:
            raise TypeError(f"DistributedOptimizer: unexpected keyword argument {k!r}")
        if v not in (default[k], None) and not (k == "op" and str(v).lower() in ("average",
                                                                                 "mean")):
            raise ValueError(f"DistributedOptimizer: {k}={v!r} is not supported (gradients are "
                             f"averaged in float32 once per step)")
    opt = optimizers_module.get(optimizer)
    if isinstance(opt, _DistributedMixin):
        return opt
    if not isinstance(bucket_bytes, (int, np.integer)) or isinstance(bucket_bytes, bool) or \
            bucket_bytes < 4:
        raise ValueError(f"DistributedOptimizer: bucket_bytes must be an int >= 4, received "
                         f"{bucket_bytes!r}")
    cls = _distributed_class(type(opt))
    new = object.__new__(cls)
    new.__dict__.update(opt.__dict__)
    new._dist_bucket_bytes = int(bucket_bytes)
    new._dist_layout = None
    return new
