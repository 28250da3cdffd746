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

bool detect_avx512_bf16() {
#if defined(PYFAPI_X86) && (defined(__GNUC__) || defined(__clang__))
  if (detect_isa() != Isa::Avx512) return false;  // includes the OS check of the zmm state
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  // CPUID leaf 7, sub-leaf 1: EAX bit 5 = AVX512_BF16 (Intel SDM vol. 2A, CPUID).
  __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0), "c"(0));
  if (eax < 7) return false;
  __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(1));
  return (eax >> 5) & 1u;
#else
  return false;
#endif
}

namespace {

struct Initial {
  Isa isa;
  bool bf16;
};

Initial initial_path() {
  Isa best = detect_isa();
  bool bf16 = detect_avx512_bf16();
  const char* env = std::getenv("PYFAPI_ISA");
  if (!env) return {best, bf16};
  Isa want = best;
  bool want_bf16 = bf16;
  if (!std::strcmp(env, "generic")) want = Isa::Generic;
  else if (!std::strcmp(env, "avx2")) want = Isa::Avx2;
  else if (!std::strcmp(env, "avx512")) want = Isa::Avx512, want_bf16 = false;
  else if (!std::strcmp(env, "avx512_bf16")) want = Isa::Avx512;
  if (static_cast<int>(want) > static_cast<int>(best)) want = best;
  return {want, want == Isa::Avx512 && want_bf16 && bf16};
}

const Initial g_initial = initial_path();
std::atomic<int> g_isa{static_cast<int>(g_initial.isa)};
std::atomic<bool> g_bf16{g_initial.bf16};

}  // namespace

Isa active_isa() { return static_cast<Isa>(g_isa.load(std::memory_order_relaxed)); }

bool bf16_active() {
  return g_bf16.load(std::memory_order_relaxed) && active_isa() == Isa::Avx512;
}

bool set_isa(Isa isa, bool bf16) {
  if (static_cast<int>(isa) > static_cast<int>(detect_isa())) return false;
  if (bf16 && (isa != Isa::Avx512 || !detect_avx512_bf16())) return false;
  g_bf16.store(bf16);
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

const char* active_path_name() { return bf16_active() ? "avx512_bf16" : isa_name(active_isa()); }

const char* detected_path_name() {
  return detect_avx512_bf16() ? "avx512_bf16" : isa_name(detect_isa());
}

}  // namespace pyfapi
