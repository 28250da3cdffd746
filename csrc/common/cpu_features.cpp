#include "common/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace pyfapi {

Isa detect_isa() {
#if defined(PYFAPI_X86) && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports reads CPUID and checks that the OS saves the wide registers (XGETBV).
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Generic;
}

static Isa initial_isa() {
  Isa best = detect_isa();
  const char* env = std::getenv("PYFAPI_ISA");
  if (!env) return best;
  Isa want = best;
  if (!std::strcmp(env, "generic")) want = Isa::Generic;
  else if (!std::strcmp(env, "avx2")) want = Isa::Avx2;
  else if (!std::strcmp(env, "avx512")) want = Isa::Avx512;
  return static_cast<int>(want) <= static_cast<int>(best) ? want : best;
}

static std::atomic<int> g_isa{static_cast<int>(initial_isa())};

Isa active_isa() { return static_cast<Isa>(g_isa.load(std::memory_order_relaxed)); }

bool set_isa(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(detect_isa())) return false;
  g_isa.store(static_cast<int>(isa));
  return true;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace pyfapi
