"""Testing helpers: :func:`gradcheck` compares tape gradients with central finite differences."""
from __future__ import annotations

import numpy as np

__all__ = ["gradcheck", "numerical_gradient"]


def _scalar_of(fn, arrays):
    from pyfapi.autodiff.tensor import _wrap, as_array

    out = fn(*[_wrap(a) for a in arrays])
    outs = out if isinstance(out, (list, tuple)) else (out,)
    total = 0.0
    for o in outs:
        a = as_array(o)
        if a.dtype.kind in "fc":
            total += float(np.sum(a * _weights(a.shape)))
    return total


_WEIGHT_CACHE: dict = {}


def _weights(shape):
    """Fixed pseudo-random output weights so every output element's gradient is exercised."""
    w = _WEIGHT_CACHE.get(shape)
    if w is None:
        w = np.random.default_rng(12345).uniform(0.5, 1.5, size=shape)
        _WEIGHT_CACHE[shape] = w
    return w


def numerical_gradient(fn, inputs, index: int, eps: float = 1e-6, dtype="float64") -> np.ndarray:
    """Central-difference gradient of ``sum(w * fn(*inputs))`` w.r.t. ``inputs[index]``.

    Float inputs are converted to ``dtype`` (float64 by default); the weighted sum is accumulated
    in float64. Returns a float64 array of the input's shape.
    """
    arrays = [np.array(x, dtype=dtype) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
              for x in inputs]
    x = arrays[index]
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        hi = float(flat[i])  # the step actually taken (matters in float32)
        fp = _scalar_of(fn, arrays)
        flat[i] = old - eps
        lo = float(flat[i])
        fm = _scalar_of(fn, arrays)
        flat[i] = old
        gflat[i] = (fp - fm) / (hi - lo)
    return grad


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-6, rtol: float = 1e-4,
              check: tuple | None = None, dtype="float64") -> None:
    """Check the tape gradients of ``fn`` against central finite differences, in float64.

    ``fn(*tensors)`` is called on float64 Tensors (each float input converted to float64 and
    watched); the scalar differentiated is ``sum(w * out)`` over every float output ``out`` of
    ``fn`` (a Tensor or a list/tuple of them) with fixed random weights ``w`` in [0.5, 1.5], so
    every output element and every output of a multi-output op contributes.

    Args:
        fn: callable taking ``len(inputs)`` tensors, returning a Tensor or a list/tuple of them.
        inputs: arrays; float ones are differentiated (float64), integer ones passed unchanged
            (their gradient must be None).
        eps: finite-difference step.
        atol, rtol: tolerance ``|analytic - numeric| <= atol + rtol * |numeric|`` elementwise.
        check: optional indices of the inputs to check (default: every float input).
        dtype: float dtype the inputs are converted to. Keep float64 (ops must preserve it);
            ``"float32"`` is for ops whose kernel only exists in float32 (use e.g. ``eps=1e-2``,
            ``atol=rtol=1e-2``); the outputs must then be float32.

    Raises:
        AssertionError: a gradient differs (message: input index, shapes, max abs error, worst
            element, both values), is None for a float input, is not None for an integer
            input, or has the wrong shape.
    """
    from pyfapi.autodiff import GradientTape, Tensor
    from pyfapi.autodiff.tensor import _wrap

    dtype = np.dtype(dtype)
    arrays = [np.array(x, dtype=dtype) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
              for x in inputs]
    tensors = [_wrap(a) for a in arrays]
    float_idx = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if check is None:
        check = float_idx
    with GradientTape() as tape:
        tape.watch([tensors[i] for i in float_idx])
        out = fn(*tensors)
        outs = out if isinstance(out, (list, tuple)) else (out,)
        weighted = []
        for o in outs:
            if not isinstance(o, Tensor):
                raise AssertionError(f"gradcheck: fn must return Tensors, got {type(o).__name__}")
            if o.value.dtype.kind == "f":
                if o.value.dtype != dtype:
                    raise AssertionError(f"gradcheck: fn returned dtype {o.value.dtype} for {dtype} inputs "
                                         f"(ops must preserve the float dtype)")
                weighted.append((o, _weights(o.value.shape)))
    grads = tape.gradient([o for o, _ in weighted], tensors,
                          output_gradients=[np.asarray(w, dtype=dtype) for _, w in weighted])
    for i, a in enumerate(arrays):
        g = grads[i]
        if a.dtype.kind != "f":
            if g is not None:
                raise AssertionError(f"gradcheck: integer input {i} (dtype {a.dtype}) got a gradient")
            continue
        if i not in check:
            continue
        num = numerical_gradient(fn, arrays, i, eps, dtype)
        if g is None:
            if np.allclose(num, 0, atol=atol):
                continue  # the output does not depend on this input: None is TF's answer
            raise AssertionError(f"gradcheck: tape gradient for input {i} (shape {a.shape}) is None but "
                                 f"the numerical gradient is nonzero (max |num| = {np.abs(num).max():.3g})")
        ga = g.value.astype(np.float64)
        if ga.shape != a.shape:
            raise AssertionError(f"gradcheck: gradient for input {i} has shape {ga.shape}, input has "
                                 f"shape {a.shape}")
        err = np.abs(ga - num)
        bad = err > atol + rtol * np.abs(num)
        if bad.any():
            k = np.unravel_index(np.argmax(np.where(bad, err, -1)), a.shape) if a.ndim else ()
            raise AssertionError(
                f"gradcheck: gradient mismatch for input {i} (shape {a.shape}): {int(bad.sum())} of "
                f"{a.size} elements outside atol={atol}, rtol={rtol}; max abs error {err.max():.3g}; "
                f"worst element {tuple(int(j) for j in k)}: tape {ga[k]!r} vs numerical {num[k]!r}\n"
                f"tape:\n{ga}\nnumerical:\n{num}")
