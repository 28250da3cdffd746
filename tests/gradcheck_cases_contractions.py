"""Gradcheck cases for pyfapi/ops/contractions.py (tensordot through einsum, mod)."""
import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(7)


def r(*shape):
    return _rng.standard_normal(shape)


CASES = {
    "einsum": [
        (lambda a, b: ops.einsum("ij,jk->ik", a, b), [r(2, 3), r(3, 4)]),
        (lambda a, b: ops.einsum("bij,bjk->bik", a, b), [r(2, 3, 4), r(2, 4, 2)]),
        (lambda a: ops.einsum("ij->j", a), [r(3, 4)]),
        (lambda a, b: ops.einsum("ij,k->ik", a, b), [r(2, 3), r(4)]),
        (lambda a, b: ops.tensordot(a, b, axes=([1, 2], [0, 1])), [r(2, 3, 4), r(3, 4, 5)]),
    ],
    "mod": [(ops.mod, [_rng.uniform(0.1, 5.0, (3, 4)), _rng.uniform(0.7, 1.3, (4,))])],
}
