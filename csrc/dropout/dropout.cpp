// dropout_mask (dropout.h): blocks of pairs in parallel, per-ISA loop bodies.
#include "dropout/dropout.h"

#include <algorithm>

#include "common/isa_dispatch.h"
#include "common/threads.h"

namespace pyfapi {

#define PYFAPI_DROPOUT_DECLARE(isa) \
  void dropout_mask_pairs_##isa(float*, int64_t, int64_t, uint64_t, uint32_t, float);
PYFAPI_ISA_EACH(PYFAPI_DROPOUT_DECLARE)
#undef PYFAPI_DROPOUT_DECLARE

void dropout_mask(float* out, int64_t n, uint64_t seed, uint32_t threshold, float scale) {
  if (n <= 0) return;
  auto pairs = PYFAPI_ISA_PICK(dropout_mask_pairs_generic, dropout_mask_pairs_avx2,
                               dropout_mask_pairs_avx512);
  const int64_t np = n / 2;
  constexpr int64_t kBlock = int64_t(1) << 14;  // pairs per work item
  const int64_t nb = (np + kBlock - 1) / kBlock;
  const int nt = static_cast<int>(std::min<int64_t>(threads_for(n), std::max<int64_t>(nb, 1)));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t b = 0; b < nb; ++b)
    pairs(out + 2 * b * kBlock, b * kBlock, std::min(np, (b + 1) * kBlock), seed, threshold,
          scale);
  if (n % 2) {  // the last element: the low half of pair np's draw
    float tail[2];
    pairs(tail, np, np + 1, seed, threshold, scale);
    out[n - 1] = tail[0];
  }
}

void dropout_mask_range(float* out, int64_t start, int64_t n, uint64_t seed, uint32_t threshold,
                        float scale) {
  if (n <= 0) return;
  auto pairs = PYFAPI_ISA_PICK(dropout_mask_pairs_generic, dropout_mask_pairs_avx2,
                               dropout_mask_pairs_avx512);
  float two[2];
  int64_t k = 0;
  if (start % 2) {  // element start: the high half of pair start / 2
    pairs(two, start / 2, start / 2 + 1, seed, threshold, scale);
    out[0] = two[1];
    k = 1;
  }
  const int64_t j0 = (start + k) / 2, np = (n - k) / 2;
  pairs(out + k, j0, j0 + np, seed, threshold, scale);
  k += 2 * np;
  if (k < n) {  // a last element: the low half of the next pair
    pairs(two, j0 + np, j0 + np + 1, seed, threshold, scale);
    out[k] = two[0];
  }
}

}  // namespace pyfapi
