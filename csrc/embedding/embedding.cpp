#include "embedding/embedding.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/threads.h"

namespace pyfapi {

template <typename I>
int64_t embedding_first_bad_index(const I* idx, int64_t n, int64_t V) {
  if (n <= 0) return -1;
  // Fixed blocks; each block reports its first bad position; the smallest wins.
  const int64_t blk = 1 << 14;
  const int64_t nblk = (n + blk - 1) / blk;
  std::vector<int64_t> first(static_cast<size_t>(nblk), -1);
  const int nt = static_cast<int>(std::min<int64_t>(nblk, threads_for(n, int64_t(1) << 19)));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t b = 0; b < nblk; ++b) {
    const int64_t k1 = std::min(n, (b + 1) * blk);
    bool bad = false;
    for (int64_t k = b * blk; k < k1; ++k)
      bad |= static_cast<int64_t>(idx[k]) < 0 || static_cast<int64_t>(idx[k]) >= V;
    if (bad) {
      for (int64_t k = b * blk; k < k1; ++k) {
        int64_t v = static_cast<int64_t>(idx[k]);
        if (v < 0 || v >= V) {
          first[b] = k;
          break;
        }
      }
    }
  }
  for (int64_t b = 0; b < nblk; ++b)
    if (first[b] >= 0) return first[b];
  return -1;
}

template <typename I>
int64_t embedding_gather(const float* table, int64_t V, int64_t E, const I* idx, int64_t n,
                         float* out) {
  if (n <= 0) return -1;
  // Fixed blocks of rows (independent of the thread count); each records its first bad row.
  const int64_t blk = 512;
  const int64_t nblk = (n + blk - 1) / blk;
  std::vector<int64_t> first(static_cast<size_t>(nblk), -1);
  const int nt = static_cast<int>(std::min<int64_t>(nblk, threads_for(n * (E + 8))));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t b = 0; b < nblk; ++b) {
    const int64_t k1 = std::min(n, (b + 1) * blk);
    for (int64_t k = b * blk; k < k1; ++k) {
      const int64_t v = static_cast<int64_t>(idx[k]);
      if (v < 0 || v >= V) {
        if (first[b] < 0) first[b] = k;
        continue;
      }
      if (E > 0) std::memcpy(out + k * E, table + v * E, sizeof(float) * E);
    }
  }
  for (int64_t b = 0; b < nblk; ++b)
    if (first[b] >= 0) return first[b];
  return -1;
}

template <typename I>
int64_t embedding_scatter_add(const float* dy, int64_t n, const I* idx, int64_t V, int64_t E,
                              float* dtable) {
  if (n <= 0 || V <= 0 || E <= 0) {
    if (V > 0 && E > 0) std::fill(dtable, dtable + V * E, 0.0f);
    return n > 0 ? embedding_first_bad_index<I>(idx, n, V) : -1;
  }
  const int nt = threads_for(V * E + n * E);
  int64_t bad = -1;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
#ifdef PYFAPI_OPENMP
    const int64_t tid = omp_get_thread_num(), nth = omp_get_num_threads();
#else
    const int64_t tid = 0, nth = 1;
#endif
    const int64_t v0 = V * tid / nth, v1 = V * (tid + 1) / nth;
    std::fill(dtable + v0 * E, dtable + v1 * E, 0.0f);
    int64_t my_bad = -1;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t v = static_cast<int64_t>(idx[k]);
      if (v < v0 || v >= v1) {
        if (tid == 0 && my_bad < 0 && (v < 0 || v >= V)) my_bad = k;  // thread 0 reports
        continue;
      }
      float* dst = dtable + v * E;
      const float* src = dy + k * E;
#pragma omp simd
      for (int64_t j = 0; j < E; ++j) dst[j] += src[j];
    }
    if (tid == 0) bad = my_bad;
  }
  return bad;
}

template int64_t embedding_first_bad_index<int32_t>(const int32_t*, int64_t, int64_t);
template int64_t embedding_first_bad_index<int64_t>(const int64_t*, int64_t, int64_t);
template int64_t embedding_gather<int32_t>(const float*, int64_t, int64_t, const int32_t*,
                                           int64_t, float*);
template int64_t embedding_gather<int64_t>(const float*, int64_t, int64_t, const int64_t*,
                                           int64_t, float*);
template int64_t embedding_scatter_add<int32_t>(const float*, int64_t, const int32_t*, int64_t,
                                                int64_t, float*);
template int64_t embedding_scatter_add<int64_t>(const float*, int64_t, const int64_t*, int64_t,
                                                int64_t, float*);

}  // namespace pyfapi
