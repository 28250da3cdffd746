"""Plain numpy float64 reference of the transposed convolution (scatter form, straight from the
definition): every input pixel adds kernel * value into the output at o * s - pad + k * d."""
import numpy as np


def conv_transpose_ref(x, kernel, strides, out_sizes, pad_before, dilation):
    """x (N, *S, Cin), kernel (*K, F, Cin) -> (N, *out_sizes, F), 1-D or 2-D."""
    x = np.asarray(x, np.float64)
    k = np.asarray(kernel, np.float64)
    rank = x.ndim - 2
    if rank == 1:
        x, k = x[:, None], k[None]
        strides, out_sizes, pad_before, dilation = ((1,) + tuple(strides), (1,) + tuple(out_sizes),
                                                    (0,) + tuple(pad_before), (1,) + tuple(dilation))
    n, h, w, _ = x.shape
    kh, kw, f, _ = k.shape
    y = np.zeros((n, out_sizes[0], out_sizes[1], f))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    oi = i * strides[0] - pad_before[0] + a * dilation[0]
                    oj = j * strides[1] - pad_before[1] + b * dilation[1]
                    if 0 <= oi < out_sizes[0] and 0 <= oj < out_sizes[1]:
                        y[:, oi, oj] += x[:, i, j] @ k[a, b].T
    return y[:, 0] if rank == 1 else y
