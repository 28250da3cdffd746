// See array_cache.h.
#include "memory/array_cache.h"

#if defined(__linux__)
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#define PYFAPI_ARRAY_CACHE 1
#else
#define PYFAPI_ARRAY_CACHE 0  // elsewhere: plain malloc / free (the cache needs mmap)
#include <pthread.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace pyfapi {
namespace array_cache {
namespace {

constexpr size_t kGrain = size_t(64) << 10;  // capacities are multiples of 64 KB

struct Block {
  void* p;
  size_t cap;
  uint64_t seq;  // when it was freed (oldest evicted first)
};

// Never destroyed: numpy may free arrays (calling release) after static destructors ran.
struct State {
  std::mutex mu;
  size_t limit = size_t(1) << 30;
  size_t cached_bytes = 0;
  std::vector<Block> cached;
  std::unordered_map<void*, size_t> live;  // block -> capacity
  size_t live_bytes = 0;
  uint64_t seq = 0, hits = 0, misses = 0;
};

State& st() {
  static State* s = [] {
    auto* p = new State();
    // fork while another thread holds the mutex: the child would deadlock on it
    pthread_atfork([] { st().mu.lock(); }, [] { st().mu.unlock(); }, [] { st().mu.unlock(); });
    return p;
  }();
  return *s;
}

size_t capacity_for(size_t n) { return (n + kGrain - 1) / kGrain * kGrain; }

#if !PYFAPI_ARRAY_CACHE
// never called with blocks (alloc goes to malloc): just enough to compile
inline int munmap(void* p, size_t) {
  std::free(p);
  return 0;
}
void* map_block(size_t) { return nullptr; }
inline size_t malloc_usable_size(void*) { return 0; }
#else
void* map_block(size_t cap) {
  void* p = mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  madvise(p, cap, MADV_HUGEPAGE);  // fewer faults and TLB misses (as numpy's own allocator)
#endif
  return p;
}
#endif

// Unmaps cached blocks, oldest first, until cached_bytes + incoming <= limit. Mutex held.
void evict_for(State& s, size_t incoming) {
  while (!s.cached.empty() && s.cached_bytes + incoming > s.limit) {
    auto oldest = std::min_element(s.cached.begin(), s.cached.end(),
                                   [](const Block& a, const Block& b) { return a.seq < b.seq; });
    munmap(oldest->p, oldest->cap);
    s.cached_bytes -= oldest->cap;
    *oldest = s.cached.back();
    s.cached.pop_back();
  }
}

// A block of at least n bytes (n >= kMinBytes); *fresh: newly mapped (zero filled).
void* take(size_t n, bool* fresh) {
  State& s = st();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    size_t best = s.cached.size();
    for (size_t i = 0; i < s.cached.size(); ++i) {
      const size_t c = s.cached[i].cap;
      if (c >= n && c - n <= n / 4 && (best == s.cached.size() || c < s.cached[best].cap))
        best = i;
    }
    if (best < s.cached.size()) {
      const Block b = s.cached[best];
      s.cached[best] = s.cached.back();
      s.cached.pop_back();
      s.cached_bytes -= b.cap;
      s.live.emplace(b.p, b.cap);
      s.live_bytes += b.cap;
      ++s.hits;
      *fresh = false;
      return b.p;
    }
    ++s.misses;
  }
  const size_t cap = capacity_for(n);
  void* p = map_block(cap);
  if (!p) {  // out of address space / memory: give the cached blocks back and retry once
    clear();
    p = map_block(cap);
    if (!p) return nullptr;
  }
  std::lock_guard<std::mutex> lock(s.mu);
  s.live.emplace(p, cap);
  s.live_bytes += cap;
  *fresh = true;
  return p;
}

// Capacity of live block p, or 0 when p is not one (a malloc block).
size_t live_capacity(void* p) {
  State& s = st();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.live.find(p);
  return it == s.live.end() ? 0 : it->second;
}

}  // namespace

void* alloc(size_t n) {
  if (n < kMinBytes || !PYFAPI_ARRAY_CACHE) return std::malloc(n ? n : 1);
  bool fresh;
  return take(n, &fresh);
}

void* alloc_zeroed(size_t n) {
  if (n < kMinBytes || !PYFAPI_ARRAY_CACHE) return std::calloc(n ? n : 1, 1);
  bool fresh;
  void* p = take(n, &fresh);
  if (p && !fresh) std::memset(p, 0, n);
  return p;
}

void* realloc_block(void* p, size_t n) {
  if (!p) return alloc(n);
  if (!PYFAPI_ARRAY_CACHE) return std::realloc(p, n ? n : 1);
  const size_t cap = live_capacity(p);
  if (cap == 0 && n < kMinBytes) return std::realloc(p, n ? n : 1);
  if (cap != 0 && n <= cap && n >= kMinBytes && cap - n <= n / 4) return p;  // still fits
  void* q = alloc(n);
  if (!q) return nullptr;  // p stays valid, as realloc
  const size_t old = cap != 0 ? cap : malloc_usable_size(p);
  std::memcpy(q, p, std::min(old, n));
  release(p, old);
  return q;
}

void release(void* p, size_t n) {
  if (!p) return;
  // A block last requested with fewer than kMinBytes is a malloc block (alloc and realloc_block
  // give every such request to malloc): freed without the lock and the map lookup, which cost
  // ~1.5% of a small model's training step (dozens of small arrays freed per step).
  if (n < kMinBytes) {
    std::free(p);
    return;
  }
  State& s = st();
  std::unique_lock<std::mutex> lock(s.mu);
  auto it = s.live.find(p);
  if (it == s.live.end()) {
    lock.unlock();
    std::free(p);
    return;
  }
  const size_t cap = it->second;
  s.live.erase(it);
  s.live_bytes -= cap;
  if (cap > s.limit) {
    lock.unlock();
    munmap(p, cap);
    return;
  }
  evict_for(s, cap);
  s.cached.push_back(Block{p, cap, ++s.seq});
  s.cached_bytes += cap;
}

void set_limit(size_t bytes) {
  State& s = st();
  std::lock_guard<std::mutex> lock(s.mu);
  s.limit = bytes;
  evict_for(s, 0);
}

void clear() {
  State& s = st();
  std::vector<Block> blocks;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    blocks.swap(s.cached);
    s.cached_bytes = 0;
  }
  for (const Block& b : blocks) munmap(b.p, b.cap);
}

Stats stats() {
  State& s = st();
  std::lock_guard<std::mutex> lock(s.mu);
  return Stats{s.limit, s.cached_bytes, s.cached.size(), s.live_bytes, s.live.size(), s.hits,
               s.misses};
}

}  // namespace array_cache
}  // namespace pyfapi
