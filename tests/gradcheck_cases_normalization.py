"""Gradcheck cases for the layer-normalization op (merged into tests/gradcheck_cases.py's CASES).
The kernel computes in float32, so the finite differences use eps = 1e-2 with 2e-3 tolerances
(layer norm is smooth; the step adds ~1e-4 truncation error at these magnitudes)."""
import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(1616)
TOL = {"eps": 1e-2, "atol": 2e-3, "rtol": 2e-3}


def _r(*shape):
    return _rng.standard_normal(shape)


CASES = {
    "layer_normalization": [
        (lambda x, g, b: ops.layer_normalization(x, g, b), [_r(3, 5), _r(5), _r(5)], TOL),
        (lambda x: ops.layer_normalization(x, epsilon=0.1), [_r(2, 3, 7)], TOL),
        (lambda x, g: ops.layer_normalization(x, g, axis=1), [_r(2, 4, 3), _r(4)], TOL),
        (lambda x, g, b: ops.layer_normalization(x, g, b, axis=[1, 2]),
         [_r(2, 3, 4), _r(3, 4), _r(3, 4)], TOL),
    ],
}
