"""Gradcheck cases for einsum, sparsemax and masked_softmax (merged into tests/gradcheck_cases.py's CASES).
einsum runs in float64 here (numpy's einsum; 2-D float32 contractions use the SGEMM); sparsemax
inputs keep their sorted values well apart so the step never changes the support; masked_softmax
in float64 (the numpy path: the float32 C++ kernel is tested against float64 references in
tests/test_softmax_kernels.py), with a fully masked row and an additive mask's own gradient."""
import numpy as np

from pyfapi import ops
from pyfapi.ops.fused_attention import fused_attention
from pyfapi.ops.masked_softmax import masked_softmax

_rng = np.random.default_rng(1617)
_KEEP = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])


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
    "masked_softmax": [
        (lambda x: masked_softmax(x), [_r(3, 5)]),
        (lambda x: masked_softmax(x, _KEEP), [_r(2, 3, 4)]),
        (lambda x: masked_softmax(x, _KEEP, uniform_if_all_masked=True), [_r(3, 4)]),
        (lambda x, m: masked_softmax(x, m), [_r(2, 3, 4), _r(3, 1)]),  # additive, broadcast
    ],
    "fused_attention": [
        (lambda q, k, v: fused_attention(q, k, v), [_r(2, 3, 2, 4), _r(2, 5, 2, 4), _r(2, 5, 2, 3)]),
        (lambda q, k, v: fused_attention(q, k, v, _KEEP, uniform_if_all_masked=True),
         [_r(1, 3, 2, 2), _r(1, 4, 2, 2), _r(1, 4, 2, 3)]),
        (lambda q, k, v: fused_attention(q, k, v, _KEEP, dropout_rate=0.3, dropout_seed=11),
         [_r(1, 3, 2, 2), _r(1, 4, 2, 2), _r(1, 4, 2, 3)]),  # dropout on the weights
    ],
}
