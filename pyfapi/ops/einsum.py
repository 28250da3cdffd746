"""``einsum`` (``keras.ops.einsum``), differentiable w.r.t. every operand.

The subscripts are parsed once into explicit form (``...`` replaced by letters, an implicit
output made explicit as numpy does). Forward: ``np.einsum(..., optimize=True)``, except for the
two-operand contractions that are one (batched) matrix product, which go through
:func:`pyfapi.ops.matmul` 's engine (C++ SGEMM for 2-D float32). Backward of operand k (the
standard einsum VJP): ``einsum(out, other operands -> k's subscripts)``, summed over axes that
operand broadcast (size 1) and broadcast back along letters only operand k carries.
"""
from __future__ import annotations

import string

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register

__all__ = ["einsum"]

_LETTERS = set(string.ascii_letters)


def parse_subscripts(subscripts, shapes):
    """``(input subscripts list, output subscripts)`` in explicit form (no ``...``).

    Raises:
        ValueError: malformed subscripts, wrong operand count or rank, a letter with two
            different sizes, an output letter absent from the inputs (names the shapes).
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, out = s.split("->", 1)
        explicit = True
    else:
        lhs, out, explicit = s, "", False
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(ins)} operands, "
                         f"got {len(shapes)}")
    used = set(c for c in s if c in _LETTERS)
    spare = [c for c in string.ascii_letters if c not in used]
    ell_rank = 0
    for sub, shp in zip(ins, shapes):
        if "..." in sub:
            ell_rank = max(ell_rank, len(shp) - len(sub.replace("...", "")))
    ell = "".join(spare[:ell_rank])
    exp_ins = []
    for sub, shp in zip(ins, shapes):
        for c in sub.replace("...", ""):
            if c not in _LETTERS:
                raise ValueError(f"einsum: invalid character {c!r} in subscripts {subscripts!r}")
        if "..." in sub:
            n = len(shp) - len(sub.replace("...", ""))
            if n < 0:
                raise ValueError(f"einsum: operand of shape {tuple(shp)} has fewer axes than "
                                 f"subscripts {sub!r}")
            sub = sub.replace("...", ell[ell_rank - n:])
        if len(sub) != len(shp):
            raise ValueError(f"einsum: subscripts {sub!r} do not match an operand of shape "
                             f"{tuple(shp)} (rank {len(shp)}) in {subscripts!r}")
        exp_ins.append(sub)
    if explicit:
        if "..." in out:
            out = out.replace("...", ell)
        for c in out:
            if c not in _LETTERS:
                raise ValueError(f"einsum: invalid character {c!r} in subscripts {subscripts!r}")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscripts {out!r} repeat a letter")
    else:
        counts = {}
        for sub in exp_ins:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    sizes = {}
    for sub, shp in zip(exp_ins, shapes):
        for c, d in zip(sub, shp):
            if c in sizes and d != sizes[c] and d != 1 and sizes[c] != 1:
                raise ValueError(f"einsum: letter {c!r} has sizes {sizes[c]} and {d} in "
                                 f"{subscripts!r} with operand shapes "
                                 f"{[tuple(x) for x in shapes]}")
            sizes[c] = d if c not in sizes or sizes[c] == 1 else sizes[c]
    for c in out:
        if c not in sizes:
            raise ValueError(f"einsum: output letter {c!r} of {subscripts!r} is in no operand")
    return exp_ins, out


def _matmul_plan(a_sub, b_sub, out, a_shape, b_shape):
    """A (batched) matrix-product plan for ``a_sub,b_sub->out`` or None: batch letters in both
    operands and the output, M letters only in a and out, N only in b and out, K only in a and b."""
    if len(set(a_sub)) != len(a_sub) or len(set(b_sub)) != len(b_sub):
        return None
    A, B, O = set(a_sub), set(b_sub), set(out)
    if not (A | B) >= O:
        return None
    batch = [c for c in out if c in A and c in B]
    m = [c for c in a_sub if c in O and c not in B]
    n = [c for c in b_sub if c in O and c not in A]
    k = [c for c in a_sub if c in B and c not in O]
    if len(batch) + len(m) + len(k) != len(a_sub) or len(batch) + len(n) + len(k) != len(b_sub):
        return None  # letters summed inside one operand only
    da, db = dict(zip(a_sub, a_shape)), dict(zip(b_sub, b_shape))
    if any(da[c] != db[c] for c in batch + k):
        return None  # broadcasting: numpy's einsum
    return batch, m, n, k, da, db


def _view(x, shape):
    """``x`` reshaped to ``shape`` without a copy, or None when numpy would have to copy."""
    try:
        return np.reshape(x, shape, copy=False)
    except ValueError:
        return None


def _contract(subs, out, arrays):
    if len(arrays) == 2 and all(a.dtype == np.float32 for a in arrays):
        plan = _matmul_plan(subs[0], subs[1], out, arrays[0].shape, arrays[1].shape)
        if plan is not None:
            batch, m, n, k, da, db = plan
            a, b = arrays
            bs = tuple(da[c] for c in batch)
            M = int(np.prod([da[c] for c in m], dtype=np.int64))
            N = int(np.prod([db[c] for c in n], dtype=np.int64))
            K = int(np.prod([da[c] for c in k], dtype=np.int64))
            ta = a.transpose([subs[0].index(c) for c in batch + m + k])
            tb = b.transpose([subs[1].index(c) for c in batch + k + n])
            pa = _view(ta, bs + (M, K))
            pb = _view(tb, bs + (K, N))
            pa = ta.reshape(bs + (M, K)) if pa is None else pa
            pb = tb.reshape(bs + (K, N)) if pb is None else pb
            cur = batch + m + n
            full = bs + tuple(da[c] for c in m) + tuple(db[c] for c in n)
            if not (M and N and K and all(bs)):
                y = np.matmul(pa, pb).reshape(full)
                return y.transpose([cur.index(c) for c in out])
            # write the product straight into the output's layout when that is a (batched)
            # matrix view with unit-stride rows (no transpose copy afterwards)
            y = np.empty(tuple(full[cur.index(c)] for c in out), np.float32)
            yv = _view(y.transpose([out.index(c) for c in cur]), bs + (M, N))
            direct = yv is not None and (N <= 1 or yv.strides[-1] == 4)
            if not direct:
                y = np.empty(full, np.float32)
                yv = y.reshape(bs + (M, N))
            if not batch:
                from pyfapi.kernels.gemm import gemm
                gemm(pa, pb, out=yv)
            else:
                from pyfapi.kernels.gemm import batched_matmul
                batched_matmul(pa, pb, out=yv)  # C++: parallel over the batch entries
            return y if direct else y.transpose([cur.index(c) for c in out])
    spec = ",".join(subs) + "->" + out
    return np.einsum(spec, *arrays, optimize=len(arrays) > 2 or None)


@register
class Einsum(Op):
    """``np.einsum(subscripts, *operands)`` with the einsum VJP for every operand."""
    name = "einsum"

    @staticmethod
    def forward(ctx, *operands, subscripts=""):
        """Returns the contraction; float operands of mixed precision are promoted as numpy."""
        subs, out = parse_subscripts(subscripts, [o.shape for o in operands])
        arrays = list(operands)
        kinds = {a.dtype for a in arrays}
        if len(kinds) > 1:
            dt = np.result_type(*arrays)
            arrays = [a.astype(dt, copy=False) for a in arrays]
        ctx.subs, ctx.out, ctx.arrays = subs, out, arrays
        ctx.shapes = [o.shape for o in operands]
        ctx.dtypes = [o.dtype for o in operands]
        return np.asarray(_contract(subs, out, arrays))

    @staticmethod
    def backward(ctx, g):
        """Gradient of operand k: ``einsum(g, others -> subscripts of k)``, unbroadcast."""
        subs, out, arrays = ctx.subs, ctx.out, ctx.arrays
        need = getattr(ctx, "needs_input_grad", None) or (True,) * len(arrays)
        grads = []
        for k, sub in enumerate(subs):
            if not need[k] or ctx.dtypes[k].kind not in "fc":
                grads.append(None)
                continue
            if len(set(sub)) != len(sub):
                raise NotImplementedError(f"einsum: the gradient of an operand with a repeated "
                                          f"subscript ({sub!r}, a diagonal) is not supported")
            others = [s for i, s in enumerate(subs) if i != k]
            avail = set(out).union(*others) if others else set(out)
            target = "".join(c for c in sub if c in avail)
            gk = _contract([out] + others, target,
                           [g.astype(arrays[k].dtype, copy=False)]
                           + [a for i, a in enumerate(arrays) if i != k])
            gk = np.asarray(gk)
            # letters only operand k carries: the gradient is constant along them
            full_shape = []
            idx = 0
            expand = []
            for j, c in enumerate(sub):
                if c in avail:
                    full_shape.append(gk.shape[idx])
                    idx += 1
                else:
                    expand.append(j)
                    full_shape.append(1)
            if expand:
                gk = gk.reshape(full_shape)
            shape = ctx.shapes[k]
            # operand axes of size 1 that broadcast against larger ones: sum them
            axes = tuple(j for j, (d, gd) in enumerate(zip(shape, gk.shape)) if d == 1 and gd != 1)
            if axes:
                gk = gk.sum(axis=axes, keepdims=True)
            gk = np.broadcast_to(gk, shape).astype(ctx.dtypes[k], copy=False)
            grads.append(np.ascontiguousarray(gk))
        return tuple(grads)


def einsum(subscripts, *operands, **kwargs):
    """Evaluates the Einstein summation ``subscripts`` on ``operands`` (``keras.ops.einsum``).

    Args:
        subscripts: numpy einsum notation, ``...`` and implicit output included.
        *operands: tensors / arrays.

    Returns:
        A Tensor. Differentiable w.r.t. every float operand (not through repeated subscripts
        within one operand).

    Raises:
        ValueError: malformed subscripts, rank or size mismatches (names the shapes).
    """
    if kwargs:
        raise TypeError(f"einsum: unexpected arguments {sorted(kwargs)}")
    if not operands:
        raise ValueError("einsum: at least one operand is required")
    return apply(Einsum, *operands, subscripts=subscripts)
