// Run-time choice of the SIMD path (CPUID on x86-64; the portable path elsewhere).
#pragma once
#include <string>

namespace pyfapi {

enum class Isa : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The best path this CPU and OS support (AVX-512F+DQ+BW+VL, else AVX2+FMA, else generic).
Isa detect_isa();
// The path kernels use now: detect_isa(), lowered by PYFAPI_ISA=generic|avx2|avx512 in the
// environment or by set_isa() (tests use it to run every path on one machine).
Isa active_isa();
// Sets the active path; returns false (and changes nothing) if the CPU lacks it.
bool set_isa(Isa isa);
const char* isa_name(Isa isa);

}  // namespace pyfapi
