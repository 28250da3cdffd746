"""Gradcheck cases for the conv / depthwise / pooling ops (merged into tests/gradcheck_cases.py's
CASES by its family loader). The kernels compute in float32 (float64 inputs are computed in
float32 and cast back), so the finite differences use eps = 1e-2 with 1e-3 tolerances: the ops
are linear (conv, average pool) or piecewise linear with well-separated values (max pool), so a
large step adds no truncation error, only float32 rounding (~1e-5 here)."""
import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(404)
TOL = {"eps": 1e-2, "atol": 1e-3, "rtol": 1e-3}


def _r(*shape):
    return _rng.standard_normal(shape)


def _distinct(*shape):
    """Well-separated values (gaps of 0.37 >> eps): no ties, no kink crossed by the step."""
    n = int(np.prod(shape))
    return _rng.permutation(n).reshape(shape) * 0.37 - n * 0.15


CASES = {
    "conv": [
        (lambda x, k: ops.conv(x, k, padding="same"), [_r(2, 4, 3, 2), _r(3, 2, 2, 3)], TOL),
        (lambda x, k: ops.conv(x, k, strides=2, padding="valid"), [_r(1, 5, 6, 3), _r(2, 3, 3, 2)], TOL),
        (lambda x, k: ops.conv(x, k, padding="same", dilation_rate=2), [_r(1, 5, 4, 2), _r(2, 2, 2, 2)], TOL),
        (lambda x, k: ops.conv(x, k, strides=(2, 1), padding="same"), [_r(1, 3, 4, 2), _r(1, 1, 2, 3)], TOL),
        (lambda x, k: ops.conv(x, k, padding="causal", dilation_rate=2), [_r(2, 6, 2), _r(3, 2, 3)], TOL),
        (lambda x, k: ops.conv(x, k, strides=3, padding="same"), [_r(2, 7, 3), _r(2, 3, 2)], TOL),
    ],
    "conv_bias_activation": [
        (lambda x, k, b: ops.conv_bias_activation(x, k, b, padding="same"), [_r(2, 4, 3, 2), _r(3, 2, 2, 3), _r(3)], TOL),
        # relu: outputs kept away from 0 by a large bias of alternating sign (no kink crossed)
        (lambda x, k, b: ops.conv_bias_activation(x, 0.1 * k, b, strides=2, activation="relu"),
         [_r(1, 5, 6, 3), _r(2, 3, 3, 4), np.array([3.0, -3.0, 2.5, -2.5])], TOL),
    ],
    "depthwise_conv": [
        (lambda x, k: ops.depthwise_conv(x, k, padding="same"), [_r(2, 4, 3, 2), _r(3, 2, 2, 2)], TOL),
        (lambda x, k: ops.depthwise_conv(x, k, strides=2, dilation_rate=1), [_r(1, 5, 5, 3), _r(2, 2, 3, 1)], TOL),
        (lambda x, k: ops.depthwise_conv(x, k, padding="same", dilation_rate=2), [_r(1, 5, 4, 2), _r(2, 2, 2, 3)], TOL),
        (lambda x, k: ops.depthwise_conv(x, k, padding="valid"), [_r(2, 6, 3), _r(3, 3, 2)], TOL),
    ],
    "max_pool": [
        (lambda x: ops.max_pool(x, 2), [_distinct(2, 4, 5, 3)], TOL),
        (lambda x: ops.max_pool(x, 3, strides=1, padding="same"), [_distinct(1, 4, 4, 2)], TOL),
        (lambda x: ops.max_pool(x, (2, 3), strides=(3, 1), padding="same"), [_distinct(1, 5, 4, 2)], TOL),
        (lambda x: ops.max_pool(x, 3, strides=2, padding="same"), [_distinct(2, 7, 3)], TOL),
    ],
    "average_pool": [
        (lambda x: ops.average_pool(x, 2), [_r(2, 4, 5, 3)], TOL),
        (lambda x: ops.average_pool(x, 3, strides=1, padding="same"), [_r(1, 4, 4, 2)], TOL),
        (lambda x: ops.average_pool(x, (2, 3), strides=(3, 1), padding="same"), [_r(1, 5, 4, 2)], TOL),
        (lambda x: ops.average_pool(x, 2, padding="same"), [_r(2, 5, 3)], TOL),
    ],
}
