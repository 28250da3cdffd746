// A cache of large, page-resident buffers for numpy array data (NEP 49 memory handler).
//
// Why: a model's activations are large (Xception at batch 8: 88 MB per 147x147x128 map) and a
// fresh numpy array of that size is a fresh mmap, so every layer call page-faults its output in
// (4 KB faults, or 2 MB huge-page faults with compaction): measured 50-250 ms of system time per
// 88 MB array on the 2-core Zen 4 VM, more than the convolution itself. Keeping freed large
// blocks and handing them to the next allocation of a similar size removes those faults (the
// same shapes recur every step).
//
// Policy: blocks of at least kMinBytes are rounded up to a multiple of 64 KB and served from the
// cache when a free block of capacity in [n, n + n / 4] exists (best fit), else mmapped (with
// MADV_HUGEPAGE); freed blocks go back to the cache while the cached (free) bytes stay within
// the limit, oldest blocks unmapped first. Smaller allocations go to malloc / calloc / realloc /
// free unchanged. calloc of a cached block zeroes it (memset); a fresh mmap is already zero.
// Thread safe (one mutex; fork: the child starts with the cache's mutex unlocked).
#pragma once
#include <cstddef>
#include <cstdint>

namespace pyfapi {
namespace array_cache {

constexpr size_t kMinBytes = size_t(1) << 20;  // 1 MB

void* alloc(size_t n);
void* alloc_zeroed(size_t n);
void* realloc_block(void* p, size_t n);
void release(void* p, size_t n);

// Limit on the cached (free) bytes; 0 frees every cached block and caches nothing more.
void set_limit(size_t bytes);

struct Stats {
  size_t limit, cached_bytes, cached_blocks, live_bytes, live_blocks;
  uint64_t hits, misses;
};
Stats stats();
// Unmaps every cached (free) block.
void clear();

}  // namespace array_cache
}  // namespace pyfapi
