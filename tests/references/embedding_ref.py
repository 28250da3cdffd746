"""Plain numpy float64 reference of the embedding lookup and its scatter-add gradient (loops)."""
import numpy as np


def embedding_lookup_ref(table, indices):
    table = np.asarray(table, np.float64)
    idx = np.asarray(indices)
    out = np.zeros(idx.shape + (table.shape[1],))
    for pos in np.ndindex(idx.shape):
        out[pos] = table[int(idx[pos])]
    return out


def embedding_backward_ref(d_out, indices, input_dim):
    d_out = np.asarray(d_out, np.float64)
    idx = np.asarray(indices)
    grad = np.zeros((input_dim, d_out.shape[-1]))
    for pos in np.ndindex(idx.shape):
        grad[int(idx[pos])] += d_out[pos]
    return grad
