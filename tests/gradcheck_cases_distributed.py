"""Gradcheck cases of the collective ops (pyfapi.ops.collective). In one process the Allreduce
is the identity, so this checks the op's wiring; the two-rank gradient is checked against a
single process by tests/distributed (SyncBatchNormalization equivalence)."""
from gradcheck_cases import r

from pyfapi.ops.collective import allreduce_sum

CASES = {
    "allreduce_sum": [(lambda x: allreduce_sum(x) * x, [r(3, 4)])],
}
