// Process allocator tuning applied when pyfapi._C is imported.
#pragma once
#include <string>

namespace pyfapi {

// On glibc: keep blocks up to 32 MiB on the heap (M_MMAP_THRESHOLD) and trim the heap top only
// past 512 MiB free (M_TRIM_THRESHOLD), so the large activations and gradients of a training step
// reuse memory instead of being mmap'ed and page-faulted anew every step (measured: an
// Embedding+LSTM step 30 -> 20 ms, Xception inference -30% CPU time). Skipped when
// PYFAPI_MALLOC_TUNE=0 or when the user set MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_.
// numpy array data of 1 MB and more does not come from here: pyfapi's numpy memory handler
// (csrc/memory/array_cache.h) serves and caches it, including the blocks over 32 MiB that glibc
// would map fresh on every allocation.
// Returns a one-line description for pyfapi.show_config().
std::string tune_allocator();

}  // namespace pyfapi
