// Fused optimizer step: splits every variable into chunks, runs the active ISA's chunk kernel
// over them with OpenMP (elementwise updates: the result does not depend on the thread count).
#include "optim/optim.h"

#include "common/isa_dispatch.h"
#include "common/threads.h"

#include <algorithm>

namespace pyfapi {
namespace optim {

namespace {

// Elements per task: big enough to amortise scheduling, small enough to balance big variables.
constexpr int64_t kChunk = 1 << 15;

ChunkFn pick(Kind kind) {
  using Table = const ChunkFn*;
  static const ChunkFn generic_fns[9] = {generic::sgd,    generic::rmsprop, generic::adam,
                                         generic::adagrad, generic::adamax, generic::nadam,
                                         generic::adadelta, generic::lion,
                                         generic::ftrl};
#ifdef PYFAPI_X86
  static const ChunkFn avx2_fns[9] = {avx2::sgd,    avx2::rmsprop, avx2::adam,
                                      avx2::adagrad, avx2::adamax, avx2::nadam,
                                      avx2::adadelta, avx2::lion, avx2::ftrl};
  static const ChunkFn avx512_fns[9] = {avx512::sgd,    avx512::rmsprop, avx512::adam,
                                        avx512::adagrad, avx512::adamax, avx512::nadam,
                                        avx512::adadelta, avx512::lion,
                                        avx512::ftrl};
#endif
  const Table fns = PYFAPI_ISA_PICK(Table(generic_fns), Table(avx2_fns), Table(avx512_fns));
  return fns[static_cast<int>(kind)];
}

struct Task {
  int32_t item;
  int64_t lo, hi;
};

}  // namespace

void step(Kind kind, const Hyper& h, const std::vector<Item>& items) {
  const ChunkFn fn = pick(kind);
  int64_t total = 0;
  for (const Item& it : items) total += it.n;
  // ~10 flops and 4-5 streams per element (~1-2 k elements/us on one core): parallel only when
  // every thread gets >= ~65-130 us (see threads.h)
  const int nt = threads_for(total, kMinElemsPerThread / 2);
  auto run = [&](const Item& it, int64_t lo, int64_t hi) {
    float* s[3] = {it.s[0] ? it.s[0] + lo : nullptr, it.s[1] ? it.s[1] + lo : nullptr,
                   it.s[2] ? it.s[2] + lo : nullptr};
    fn(h, hi - lo, it.w + lo, it.g + lo, s, it.gscale, it.scale);
  };
  if (nt <= 1) {
    for (const Item& it : items)
      if (it.n > 0) run(it, 0, it.n);
    return;
  }
  std::vector<Task> tasks;
  tasks.reserve(static_cast<size_t>(total / kChunk + items.size()));
  for (size_t k = 0; k < items.size(); ++k)
    for (int64_t lo = 0; lo < items[k].n; lo += kChunk)
      tasks.push_back({static_cast<int32_t>(k), lo, std::min(items[k].n, lo + kChunk)});
  const int64_t ntasks = static_cast<int64_t>(tasks.size());
#ifdef PYFAPI_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4)
#endif
  for (int64_t t = 0; t < ntasks; ++t) run(items[tasks[t].item], tasks[t].lo, tasks[t].hi);
}

}  // namespace optim
}  // namespace pyfapi
