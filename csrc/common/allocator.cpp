#include "common/allocator.h"

#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pyfapi {

std::string tune_allocator() {
#if defined(__GLIBC__)
  const char* flag = std::getenv("PYFAPI_MALLOC_TUNE");
  if (flag && std::strcmp(flag, "0") == 0) return "system default (PYFAPI_MALLOC_TUNE=0)";
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_"))
    return "user's MALLOC_*_ settings";
  bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  ok = (mallopt(M_TRIM_THRESHOLD, 512 << 20) == 1) && ok;
  return ok ? "glibc: mmap threshold 32 MiB, trim threshold 512 MiB" : "glibc: mallopt refused";
#else
  return "system default";
#endif
}

}  // namespace pyfapi
