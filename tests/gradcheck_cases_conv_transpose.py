"""Gradcheck cases for conv_transpose (merged into tests/gradcheck_cases.py's CASES). The kernels
compute in float32: eps = 1e-2 with 1e-3 tolerances (the op is bilinear: a large step adds no
truncation error, only float32 rounding)."""
import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(1618)
TOL = {"eps": 1e-2, "atol": 1e-3, "rtol": 1e-3}


def _r(*shape):
    return _rng.standard_normal(shape)


CASES = {
    "conv_transpose": [
        (lambda x, k: ops.conv_transpose(x, k, 2, "same"), [_r(2, 3, 2, 2), _r(3, 3, 3, 2)], TOL),
        (lambda x, k: ops.conv_transpose(x, k, (3, 1), "valid", output_padding=(1, 0)),
         [_r(1, 2, 3, 3), _r(2, 2, 2, 3)], TOL),
        (lambda x, k: ops.conv_transpose(x, k, 1, "same", dilation_rate=2),
         [_r(1, 4, 3, 2), _r(2, 3, 2, 2)], TOL),
        (lambda x, k: ops.conv_transpose(x, k, 4, "valid"), [_r(2, 3, 2), _r(2, 3, 2)], TOL),
    ],
}
