"""Gradcheck cases for einsum and sparsemax (merged into tests/gradcheck_cases.py's CASES).
einsum runs in float64 here (numpy's einsum; 2-D float32 contractions use the SGEMM); sparsemax
inputs keep their sorted values well apart so the step never changes the support."""
import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(1617)


def _r(*shape):
    return _rng.standard_normal(shape)


CASES = {
    "einsum": [
        (lambda a, b: ops.einsum("ij,jk->ik", a, b), [_r(3, 4), _r(4, 2)]),
        (lambda a, b: ops.einsum("abcd,aecd->acbe", a, b), [_r(2, 3, 2, 4), _r(2, 5, 2, 4)]),
        (lambda a, b: ops.einsum("...j,jk->...k", a, b), [_r(2, 3, 4), _r(4, 5)]),
        (lambda a: ops.einsum("ij->j", a), [_r(3, 4)]),
        (lambda a, b, c: ops.einsum("i,j,k->ijk", a, b, c), [_r(2), _r(3), _r(2)]),
        (lambda a, b: ops.einsum("ab,b->a", a, b), [_r(3, 1), _r(4)]),  # a broadcasts over b
        (lambda a, b: ops.einsum("ij,kl->ik", a, b), [_r(2, 3), _r(4, 2)]),  # sums within one
    ],
    "sparsemax": [
        (lambda x: ops.sparsemax(x), [np.array([[0.1, 1.2, -0.3, 1.0], [2.0, 1.5, 0.2, -1.0]])]),
        (lambda x: ops.sparsemax(x, axis=0), [np.array([[0.1, 2.0], [0.45, -1.0], [0.3, 1.7]])]),
    ],
}
