"""Shape, indexing and joining ops (``keras.ops`` names): reshape, transpose, expand_dims, squeeze,
concatenate, stack, split, slicing (``Tensor.__getitem__``), take, take_along_axis, broadcast_to,
pad, tile, repeat. Gradients are the adjoint index maps (scatter-add for gathers)."""
from __future__ import annotations

import builtins

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register, unbroadcast
from pyfapi.autodiff.tensor import Tensor, as_array
from pyfapi.ops._common import norm_axes

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split",
           "get_item", "take", "take_along_axis", "broadcast_to", "pad", "tile", "repeat",
           "flatten", "swapaxes", "moveaxis", "slice", "register_take_kernels", "unstack"]


@register
class Reshape(Op):
    """``y = x.reshape(newshape)``; VJP ``g.reshape(x.shape)``."""
    name = "reshape"

    @staticmethod
    def forward(ctx, x, newshape):
        """Returns ``x.reshape(newshape)``; ValueError if the element count differs."""
        ctx.shape = x.shape
        try:
            return x.reshape(newshape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape an input of shape {x.shape} ({x.size} elements) "
                             f"into shape {tuple(newshape) if not isinstance(newshape, int) else newshape}"
                             ) from None

    @staticmethod
    def backward(ctx, g):
        """Returns ``g.reshape(x.shape)``."""
        return g.reshape(ctx.shape)


@register
class Transpose(Op):
    """``y = x.transpose(axes)`` (None reverses the axes); VJP ``g.transpose(argsort(axes))``."""
    name = "transpose"

    @staticmethod
    def forward(ctx, x, axes=None):
        """Returns ``x.transpose(axes)``; ValueError if ``axes`` is not a permutation of the axes.
        """
        if axes is None:
            axes = tuple(range(x.ndim - 1, -1, -1))
        else:
            given = tuple(int(a) for a in axes)
            axes = tuple(a % x.ndim if -x.ndim <= a < x.ndim else -1 for a in given)
            if sorted(axes) != list(range(x.ndim)):
                raise ValueError(f"transpose: axes {given} are not a permutation of the {x.ndim} axes of "
                                 f"an input of shape {x.shape}")
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g.transpose(argsort(axes))``."""
        return g.transpose(np.argsort(ctx.axes))


@register
class ExpandDims(Op):
    """``y = expand_dims(x, axis)``; VJP ``g.reshape(x.shape)``."""
    name = "expand_dims"

    @staticmethod
    def forward(ctx, x, axis):
        """Returns ``np.expand_dims(x, axis)``; ValueError for an out-of-range axis."""
        ctx.shape = x.shape
        try:
            return np.expand_dims(x, axis)
        except (ValueError, IndexError):
            raise ValueError(f"expand_dims: axis {axis} is out of range for an input of shape "
                             f"{x.shape}") from None

    @staticmethod
    def backward(ctx, g):
        """Returns ``g.reshape(x.shape)``."""
        return g.reshape(ctx.shape)


@register
class Squeeze(Op):
    """``y = squeeze(x, axis)`` (None: all size-1 axes); VJP ``g.reshape(x.shape)``."""
    name = "squeeze"

    @staticmethod
    def forward(ctx, x, axis=None):
        """Returns ``np.squeeze(x, axis)``; ValueError if a given axis does not have size 1."""
        ctx.shape = x.shape
        if axis is not None:
            axes = norm_axes(axis, x.ndim, "squeeze")
            bad = [a for a in axes if x.shape[a] != 1]
            if bad:
                raise ValueError(f"squeeze: cannot squeeze axis {bad[0]} of size {x.shape[bad[0]]} "
                                 f"(input shape {x.shape})")
            return np.squeeze(x, axes)
        return np.squeeze(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g.reshape(x.shape)``."""
        return g.reshape(ctx.shape)


@register
class Concatenate(Op):
    """Join arrays along ``axis``; gradient: the matching slices of ``g``."""
    name = "concatenate"

    @staticmethod
    def forward(ctx, *xs, axis=0):
        """Returns ``np.concatenate(xs, axis)`` after dtype promotion. ValueError if no input, 0-d
        inputs, or shapes that differ off ``axis``.
        """
        if not xs:
            raise ValueError("concatenate: need at least one array")
        nd = xs[0].ndim
        if nd == 0:
            raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
        ax = norm_axes(axis, nd, "concatenate")[0]
        for i, x in enumerate(xs):
            if x.ndim != nd or x.shape[:ax] + x.shape[ax + 1:] != xs[0].shape[:ax] + xs[0].shape[ax + 1:]:
                raise ValueError(f"concatenate: all inputs must match except on axis {axis}; input 0 has "
                                 f"shape {xs[0].shape}, input {i} has shape {x.shape}")
        ctx.axis = ax
        ctx.sizes = [x.shape[ax] for x in xs]
        if len({x.dtype for x in xs}) > 1:
            dt = np.result_type(*xs)
            if dt.kind == "f" and any(x.dtype.kind == "f" for x in xs):
                dt = np.result_type(*[x for x in xs if x.dtype.kind == "f"])
            xs = [x.astype(dt, copy=False) for x in xs]
        return np.concatenate(xs, axis=ax)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` split along ``axis`` into the input sizes."""
        idx = np.cumsum(ctx.sizes)[:-1]
        return tuple(np.split(g, idx, axis=ctx.axis))


@register
class Stack(Op):
    """``y = stack(xs, axis)`` (one new axis); VJP: the slices of ``g`` along ``axis``."""
    name = "stack"

    @staticmethod
    def forward(ctx, *xs, axis=0):
        """Returns ``np.stack(xs, axis)``; ValueError if no input or the shapes differ."""
        if not xs:
            raise ValueError("stack: need at least one array")
        for i, x in enumerate(xs):
            if x.shape != xs[0].shape:
                raise ValueError(f"stack: all inputs must have the same shape; input 0 has shape "
                                 f"{xs[0].shape}, input {i} has shape {x.shape}")
        ax = norm_axes(axis, xs[0].ndim + 1, "stack")[0]
        ctx.axis = ax
        ctx.n = len(xs)
        return np.stack(xs, axis=ax)

    @staticmethod
    def backward(ctx, g):
        """Returns one gradient per input: ``g`` unstacked along ``axis``."""
        return tuple(np.moveaxis(g, ctx.axis, 0))


@register
class Split(Op):
    """Multi-output: ``split(x, indices_or_sections, axis)``; backward concatenates the grads."""
    name = "split"

    @staticmethod
    def forward(ctx, x, indices_or_sections=1, axis=0):
        """Returns a tuple of pieces of ``x``; ValueError if ``x`` cannot be split into n equal
        sections.
        """
        ax = norm_axes(axis, x.ndim, "split")[0]
        if isinstance(indices_or_sections, (int, np.integer)):
            n = int(indices_or_sections)
            if n <= 0 or x.shape[ax] % n:
                raise ValueError(f"split: axis {axis} of size {x.shape[ax]} cannot be split into {n} "
                                 f"equal sections (input shape {x.shape})")
        ctx.axis = ax
        return tuple(np.split(x, indices_or_sections, axis=ax))

    @staticmethod
    def backward(ctx, *grads):
        """Returns ``np.concatenate(grads, axis)``."""
        return np.concatenate(grads, axis=ctx.axis)


@register
class Unstack(Op):
    """Multi-output: the slices of ``x`` along ``axis`` (keras.ops.unstack); backward stacks the
    grads once (use it instead of per-step ``x[:, t]`` in loops: O(size) instead of O(T * size))."""
    name = "unstack"

    @staticmethod
    def forward(ctx, x, num=None, axis=0):
        """Returns the tuple of slices of ``x`` along ``axis``; ValueError for a 0-d input or a
        wrong ``num``.
        """
        if x.ndim == 0:
            raise ValueError("unstack: cannot unstack a 0-d input")
        ax = norm_axes(axis, x.ndim, "unstack")[0]
        if num is not None and num != x.shape[ax]:
            raise ValueError(f"unstack: num={num} does not match axis {axis} of size {x.shape[ax]} "
                             f"(input shape {x.shape})")
        ctx.axis = ax
        moved = np.moveaxis(x, ax, 0)
        return tuple(moved[i] for i in range(moved.shape[0]))

    @staticmethod
    def backward(ctx, *grads):
        """Returns ``np.stack(grads, axis)``."""
        return np.stack(grads, axis=ctx.axis)


def _is_basic_key(key) -> bool:
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if not (k is None or k is Ellipsis or isinstance(k, (builtins.slice, int, np.integer))) \
                or isinstance(k, bool):
            return False
    return True


@register
class GetItem(Op):
    """``x[key]`` (numpy basic and advanced indexing); gradient: scatter-add of ``g`` into zeros."""
    name = "get_item"

    @staticmethod
    def forward(ctx, x, key=None):
        """Returns ``x[key]``; IndexError (with the input shape) for an invalid key."""
        try:
            y = x[key]
        except IndexError as e:
            raise IndexError(f"get_item: index {key!r} is invalid for an input of shape {x.shape}: {e}") from None
        ctx.shape = x.shape
        ctx.key = key
        ctx.basic = _is_basic_key(key)
        return y if ctx.basic else np.asarray(y)

    @staticmethod
    def backward(ctx, g):
        """Returns zeros of the input shape with ``g`` written (basic key) or added (advanced key)
        at ``key``.
        """
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.basic:
            gx[ctx.key] = g
        else:
            np.add.at(gx, ctx.key, g)
        return gx


def _check_indices(indices, n, op):
    if indices.size:
        lo, hi = indices.min(), indices.max()
        if lo < -n or hi >= n:
            raise IndexError(f"{op}: indices must be in [{-n}, {n}), got values in [{lo}, {hi}]")


#: Optional C++ embedding kernels used by ``take(table, indices, axis=0)`` on a 2-D float32 table:
#: ``(gather(table, indices) -> indices.shape + (dim,), scatter_add(grad, indices, n_rows) -> (n_rows, dim))``.
_TAKE_KERNELS = None


def register_take_kernels(gather, scatter_add) -> None:
    """Install the embedding kernels ``take`` uses for ``axis=0`` on a 2-D float32 table.

    Args:
        gather: ``gather(table, indices)``: table float32 (n_rows, dim) C-contiguous, indices an
            integer array (values already checked to lie in ``[-n_rows, n_rows)``, negatives
            already wrapped) -> float32 array of shape ``indices.shape + (dim,)``.
        scatter_add: ``scatter_add(grad, indices, n_rows)``: the gradient of ``gather``, a
            float32 (n_rows, dim) array with repeated indices summed.
    Pass ``(None, None)`` to go back to numpy.
    """
    global _TAKE_KERNELS
    _TAKE_KERNELS = None if gather is None else (gather, scatter_add)


@register
class Take(Op):
    """``take(x, indices, axis=None)`` (keras.ops / numpy semantics: ``axis=None`` indexes the
    flattened input). Gradient: scatter-add into the input (repeated indices summed)."""
    name = "take"

    @staticmethod
    def forward(ctx, x, indices, axis=None):
        """Returns ``np.take(x, indices, axis)`` (C++ gather for axis 0 of a 2-D float32 table).
        TypeError for non-integer indices, IndexError for indices outside [-n, n).
        """
        if indices.dtype.kind not in "iu":
            if indices.dtype.kind == "f" and np.all(indices == np.round(indices)):
                indices = indices.astype(np.int64)
            else:
                raise TypeError(f"take: indices must be integers, got dtype {indices.dtype}")
        if axis is None:
            n = x.size
        else:
            axis = norm_axes(axis, x.ndim, "take")[0]
            n = x.shape[axis]
        _check_indices(indices, n, "take")
        ctx.saved = (indices,)
        ctx.shape = x.shape
        ctx.axis = axis
        ctx.kernel = None
        if _TAKE_KERNELS is not None and axis == 0 and x.ndim == 2 and x.dtype == np.float32:
            if indices.size and indices.min() < 0:
                indices = np.where(indices < 0, indices + n, indices)
                ctx.saved = (indices,)
            ctx.kernel = _TAKE_KERNELS
            return _TAKE_KERNELS[0](np.ascontiguousarray(x), indices)
        return np.take(x, indices, axis=axis)

    @staticmethod
    def backward(ctx, g):
        """Returns ``(scatter_add(g) into zeros of x.shape, None)``; repeated indices are summed."""
        (indices,) = ctx.saved
        shape, axis = ctx.shape, ctx.axis
        if ctx.kernel is not None and g.dtype == np.float32:
            return ctx.kernel[1](np.ascontiguousarray(g), indices, shape[0]), None
        if axis is None:
            flat = np.zeros(int(np.prod(shape)), dtype=g.dtype)
            np.add.at(flat, indices.reshape(-1), g.reshape(-1))
            return flat.reshape(shape), None
        n = shape[axis]
        # g has shape shape[:axis] + indices.shape + shape[axis+1:]; move the index dims together.
        pre, post = shape[:axis], shape[axis + 1:]
        cols = int(np.prod(pre + post, dtype=np.int64))
        g2 = g.reshape(pre + (indices.size,) + post)
        g2 = np.moveaxis(g2, len(pre), 0).reshape(indices.size, cols)
        idx = indices.reshape(-1) % n if n else indices.reshape(-1)
        acc = np.zeros((n, cols), dtype=g.dtype)
        np.add.at(acc, idx, g2)
        gx = np.moveaxis(acc.reshape((n,) + pre + post), 0, len(pre))
        return gx, None


@register
class TakeAlongAxis(Op):
    """``take_along_axis(x, indices, axis=None)``; gradient: scatter-add along ``axis``."""
    name = "take_along_axis"

    @staticmethod
    def forward(ctx, x, indices, axis=None):
        """Returns ``np.take_along_axis(x, indices, axis)``. TypeError for non-integer indices,
        ValueError for a rank mismatch or non-broadcasting shapes, IndexError for out-of-range
        indices.
        """
        if indices.dtype.kind not in "iu":
            raise TypeError(f"take_along_axis: indices must be integers, got dtype {indices.dtype}")
        orig_shape = x.shape
        if axis is None:
            x = x.reshape(-1)
            ax = 0
        else:
            ax = norm_axes(axis, x.ndim, "take_along_axis")[0]
        if indices.ndim != x.ndim:
            raise ValueError(f"take_along_axis: indices must have the input's rank {x.ndim}, got shape "
                             f"{indices.shape} for an input of shape {x.shape}")
        _check_indices(indices, x.shape[ax], "take_along_axis")
        ctx.saved = (indices,)
        ctx.info = (x.shape, ax, orig_shape)
        try:
            return np.take_along_axis(x, indices, ax)
        except (ValueError, IndexError):
            raise ValueError(f"take_along_axis: indices of shape {indices.shape} do not broadcast "
                             f"against the input of shape {x.shape} on the other axes") from None

    @staticmethod
    def backward(ctx, g):
        """Returns ``(scatter_add(g) along axis into zeros of x.shape, None)``."""
        (indices,) = ctx.saved
        shape, ax, orig_shape = ctx.info
        gx = np.zeros(shape, dtype=g.dtype)
        bshape = np.broadcast_shapes(shape[:ax] + (1,) + shape[ax + 1:],
                                     indices.shape[:ax] + (1,) + indices.shape[ax + 1:])
        full_idx = np.broadcast_to(indices, bshape[:ax] + (indices.shape[ax],) + bshape[ax + 1:])
        grid = list(np.ix_(*[np.arange(n) for n in full_idx.shape]))
        grid[ax] = full_idx
        np.add.at(gx, tuple(grid), g)
        return gx.reshape(orig_shape), None


@register
class BroadcastTo(Op):
    """``y = broadcast_to(x, shape)``; VJP ``unbroadcast(g, x.shape)`` (sum over broadcast axes)."""
    name = "broadcast_to"

    @staticmethod
    def forward(ctx, x, shape):
        """Returns ``np.broadcast_to(x, shape)`` (a read-only view); ValueError if not
        broadcastable.
        """
        ctx.shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast an input of shape {x.shape} to "
                             f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        """Returns ``unbroadcast(g, x.shape)``."""
        return unbroadcast(g, ctx.shape)


@register
class Pad(Op):
    """``pad(x, pad_width, mode="constant", constant_values=None)``; gradient: the centre slice."""
    name = "pad"

    @staticmethod
    def forward(ctx, x, pad_width, mode="constant", constant_values=None):
        """Returns ``np.pad(x, pad_width, constant_values)``. ValueError for a mode other than
        "constant", a malformed or negative ``pad_width``.
        """
        if mode != "constant":
            raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
        try:
            pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
        except (ValueError, TypeError):
            raise ValueError(f"pad: pad_width must be one (before, after) pair per axis of the input "
                             f"({x.ndim} pair(s) for shape {x.shape}), or one pair / one int for all "
                             f"axes; received pad_width={pad_width!r}") from None
        if (pw < 0).any():
            raise ValueError(f"pad: pad_width must be non-negative, got {pad_width}")
        ctx.key = tuple(builtins.slice(int(a), int(a) + n) for (a, _), n in zip(pw, x.shape))
        if x.ndim == 0:  # no axis to pad (np.pad fails on a (0, 2) pad_width)
            return x.copy()
        return np.pad(x, pw, mode="constant", constant_values=0 if constant_values is None else constant_values)

    @staticmethod
    def backward(ctx, g):
        """Returns the unpadded centre slice of ``g``."""
        return g[ctx.key]


@register
class Tile(Op):
    """``y = tile(x, repeats)``; VJP sums ``g`` over the tile copies."""
    name = "tile"

    @staticmethod
    def forward(ctx, x, repeats):
        """Returns ``np.tile(x, repeats)`` (repeats an int or a sequence of ints)."""
        reps = (int(repeats),) if isinstance(repeats, (int, np.integer)) else tuple(int(r) for r in repeats)
        nd = builtins.max(x.ndim, len(reps))
        reps = (1,) * (nd - len(reps)) + reps
        xs = (1,) * (nd - x.ndim) + x.shape
        ctx.info = (x.shape, xs, reps)
        return np.tile(x, reps)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` reshaped to (rep, size) pairs and summed over the rep axes, in x.shape."""
        shape, xs, reps = ctx.info
        inter = []
        for r, n in zip(reps, xs):
            inter += [r, n]
        g = g.reshape(inter).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(shape)


@register
class Repeat(Op):
    """``y = repeat(x, repeats, axis)`` (None: flattened input); VJP sums ``g`` over each repeated
    group.
    """
    name = "repeat"

    @staticmethod
    def forward(ctx, x, repeats, axis=None):
        """Returns ``np.repeat(x, repeats, axis)``; ValueError for an out-of-range axis."""
        if axis is None:
            x2 = x.reshape(-1)
            ax = 0
        else:
            ax = norm_axes(axis, x.ndim, "repeat")[0]
            x2 = x
        reps = np.broadcast_to(np.asarray(repeats, dtype=np.int64), (x2.shape[ax],))
        ctx.info = (x.shape, ax, reps)
        return np.repeat(x2, reps, axis=ax)

    @staticmethod
    def backward(ctx, g):
        """Returns the per-group sums of ``g`` along ``axis`` (0 for zero repeats), in x.shape."""
        shape, ax, reps = ctx.info
        starts = np.concatenate([[0], np.cumsum(reps)[:-1]]).astype(np.int64)
        if g.shape[ax] == 0:
            out = np.zeros(g.shape[:ax] + (len(reps),) + g.shape[ax + 1:], g.dtype)
        else:
            out = np.add.reduceat(g, np.minimum(starts, g.shape[ax] - 1), axis=ax)
            zero = np.where(reps == 0)[0]
            if zero.size:
                idx = [builtins.slice(None)] * g.ndim
                idx[ax] = zero
                out[tuple(idx)] = 0
        return out.reshape(shape)


# ---- public functions ----------------------------------------------------------------------------
def reshape(x, newshape):
    """Reshape (one dimension may be -1). Raises ValueError naming both shapes."""
    if isinstance(newshape, (list, Tensor, np.ndarray)):
        newshape = tuple(int(n) for n in as_array(newshape).reshape(-1))
    return apply(Reshape, x, newshape=newshape)


def flatten(x):
    """Reshape to 1-D."""
    return apply(Reshape, x, newshape=(-1,))


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    return apply(Transpose, x, axes=None if axes is None else tuple(axes))


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    nd = as_array(x).ndim if not isinstance(x, Tensor) else x.ndim
    axes = list(range(nd))
    a1, a2 = norm_axes(axis1, nd, "swapaxes")[0], norm_axes(axis2, nd, "swapaxes")[0]
    axes[a1], axes[a2] = axes[a2], axes[a1]
    return apply(Transpose, x, axes=tuple(axes))


def moveaxis(x, source, destination):
    """Move axis ``source`` to position ``destination``."""
    nd = as_array(x).ndim if not isinstance(x, Tensor) else x.ndim
    s = norm_axes(source, nd, "moveaxis")[0]
    d = norm_axes(destination, nd, "moveaxis")[0]
    order = [i for i in range(nd) if i != s]
    order.insert(d, s)
    return apply(Transpose, x, axes=tuple(order))


def expand_dims(x, axis):
    """Insert a size-1 axis at ``axis``."""
    return apply(ExpandDims, x, axis=axis)


def squeeze(x, axis=None):
    """Remove size-1 axes (all of them, or ``axis``). Raises ValueError for a non-1 axis."""
    return apply(Squeeze, x, axis=axis)


def concatenate(xs, axis=0):
    """Join a list of arrays along ``axis``. Raises ValueError naming mismatching shapes."""
    return apply(Concatenate, *xs, axis=axis)


def stack(x, axis=0):
    """Stack a list of same-shaped arrays along a new ``axis``."""
    return apply(Stack, *x, axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into a list of tensors (equal sections, or at the given indices)."""
    if isinstance(indices_or_sections, (list, tuple, np.ndarray)):
        indices_or_sections = tuple(int(i) for i in indices_or_sections)
    return list(apply(Split, x, indices_or_sections=indices_or_sections, axis=axis))


def unstack(x, num=None, axis=0):
    """List of the slices of ``x`` along ``axis`` (each without that axis)."""
    return list(apply(Unstack, x, num=num, axis=axis))


def _key(key):
    if isinstance(key, Tensor):
        return key.value
    if isinstance(key, tuple):
        return tuple(k.value if isinstance(k, Tensor) else k for k in key)
    if isinstance(key, list):
        return np.asarray([k.value if isinstance(k, Tensor) else k for k in key]) \
            if builtins.any(isinstance(k, Tensor) for k in key) else np.asarray(key)
    return key


def get_item(x, key):
    """``x[key]`` with numpy indexing semantics (used by ``Tensor.__getitem__``)."""
    return apply(GetItem, x, key=_key(key))


def slice(inputs, start_indices, shape):  # noqa: A001 - keras.ops name
    """``keras.ops.slice``: the block starting at ``start_indices`` with size ``shape``.

    Raises:
        ValueError: ``start_indices`` / ``shape`` not one entry per axis, a negative start or size,
            or a block that does not fit in the input (never a silently smaller result).
    """
    starts = [int(s) for s in start_indices]
    sizes = [int(n) for n in shape]
    in_shape = tuple(getattr(inputs, "shape", None) or np.shape(inputs))
    if len(starts) != len(in_shape) or len(sizes) != len(in_shape):
        raise ValueError(f"slice: start_indices and shape need one entry per axis of the input "
                         f"(shape {in_shape}); received start_indices={tuple(starts)}, "
                         f"shape={tuple(sizes)}")
    for s, n, d in zip(starts, sizes, in_shape):
        if s < 0 or n < 0 or (d is not None and s + n > d):
            raise ValueError(f"slice: the block start_indices={tuple(starts)}, "
                             f"shape={tuple(sizes)} does not fit in an input of shape {in_shape}")
    key = tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))
    return apply(GetItem, inputs, key=key)


def take(x, indices, axis=None):
    """Gather ``x``'s entries at integer ``indices`` along ``axis`` (flattened when None).

    Negative indices count from the end. Raises IndexError for out-of-range indices and
    TypeError for non-integer indices. Gradient w.r.t. ``x``: scatter-add; indices get None.
    """
    if not isinstance(indices, (Tensor, np.ndarray)):
        indices = as_array(indices)  # Python ints -> int32 (not a weakly typed float scalar)
    return apply(Take, x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    """numpy ``take_along_axis``; gradient w.r.t. ``x`` by scatter-add."""
    if not isinstance(indices, (Tensor, np.ndarray)):
        indices = as_array(indices)
    return apply(TakeAlongAxis, x, indices, axis=axis)


def broadcast_to(x, shape):
    """Broadcast to ``shape``; gradient summed back by unbroadcast."""
    return apply(BroadcastTo, x, shape=tuple(int(s) for s in shape))


def pad(x, pad_width, mode="constant", constant_values=None):
    """Constant padding (``pad_width``: one (before, after) pair per axis, or one pair for all)."""
    return apply(Pad, x, pad_width=pad_width, mode=mode, constant_values=constant_values)


def tile(x, repeats):
    """Repeat the whole array ``repeats`` times along each axis."""
    return apply(Tile, x, repeats=repeats)


def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis`` (flattened when None)."""
    return apply(Repeat, x, repeats=repeats, axis=axis)
