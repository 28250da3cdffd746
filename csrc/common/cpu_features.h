// Run-time choice of the SIMD path (CPUID on x86-64; the portable path elsewhere).
#pragma once
#include <string>

namespace pyfapi {

enum class Isa : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The best path this CPU and OS support (AVX-512F+DQ+BW+VL, else AVX2+FMA, else generic).
Isa detect_isa();
// The path kernels use now: detect_isa(), lowered by PYFAPI_ISA=generic|avx2|avx512|avx512_bf16
// in the environment or by set_isa() (tests use it to run every path on one machine).
Isa active_isa();
// Sets the active path; returns false (and changes nothing) if the CPU lacks it. Setting
// Isa::Avx512 also switches the AVX512-BF16 kernels on or off (`bf16`).
bool set_isa(Isa isa, bool bf16 = false);
const char* isa_name(Isa isa);

// AVX512-BF16 (vdpbf16ps) on top of the AVX-512 path: detected from CPUID (leaf 7 sub-leaf 1,
// EAX bit 5) with the OS saving the zmm state. The bfloat16 GEMM kernels run only when
// bf16_active(): the active path is Isa::Avx512 and it was not forced down to plain "avx512"
// (PYFAPI_ISA=avx512 or set_isa). Otherwise bfloat16 requests run the float32 kernels.
bool detect_avx512_bf16();
bool bf16_active();
// The active path's name: "generic", "avx2", "avx512" or "avx512_bf16".
const char* active_path_name();
const char* detected_path_name();

}  // namespace pyfapi
