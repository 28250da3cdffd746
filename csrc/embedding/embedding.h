// Embedding lookup (row gather) and its gradient (row scatter-add), float32 tables, int32 / int64
// indices. Every entry point reports the first index outside [0, V) instead of reading memory.
#pragma once
#include <cstdint>

namespace pyfapi {

// Position (flat, row-major) of the first index outside [0, V), or -1 when all are valid.
template <typename I>
int64_t embedding_first_bad_index(const I* idx, int64_t n, int64_t V);

// out[k, :] = table[idx[k], :] for k < n. table (V, E), out (n, E), contiguous.
// The bounds check is fused into the copy: rows with an index outside [0, V) are not copied
// (never read out of the table) and the smallest such k is returned (-1 when all are valid); the
// caller then discards `out`.
template <typename I>
int64_t embedding_gather(const float* table, int64_t V, int64_t E, const I* idx, int64_t n,
                         float* out);

// dtable = 0; dtable[idx[k], :] += dy[k, :] for k < n (in increasing k for every row: the
// result is identical for any thread count). Threads own disjoint ranges of table rows and each
// scans all indices, so no two threads write the same row (no race, no atomics). Indices outside
// [0, V) are skipped; the smallest such k is returned (-1 when all are valid) and the caller
// then discards `dtable`.
template <typename I>
int64_t embedding_scatter_add(const float* dy, int64_t n, const I* idx, int64_t V, int64_t E,
                              float* dtable);

}  // namespace pyfapi
