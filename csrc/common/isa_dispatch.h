// The one ISA-dispatch mechanism of every kernel family.
//
// 1. Per-ISA builds from ONE implementation file. A family writes its vectorised code once, in
//    an implementation file (csrc/<family>/*.inc or *_impl.h) that uses
//      PYFAPI_ISA           the path's token: generic, avx2 or avx512 (a namespace name)
//      PYFAPI_ISA_VBYTES    the path's vector width in bytes: 16, 32 or 64
//      PYFAPI_ISA_FN(name)  name##_<isa> (per-path function names)
//    and lists it in its csrc/<family>/sources.cmake with `pyfapi_isa_kernels(<file>)`: CMake
//    generates one translation unit per path (<build>/isa/<name>_<isa>.cpp, defining the three
//    macros and including the file), compiled with that path's flags only (CMakeLists.txt).
//    Hand-written per-ISA files (the GEMM microkernels, csrc/gemm/ukernel_<isa>.cpp) go in
//    PYFAPI_AVX2_SOURCES / PYFAPI_AVX512_SOURCES / PYFAPI_AVX512BF16_SOURCES directly.
// 2. Selection at run time. PYFAPI_ISA_PICK(generic, avx2, avx512) is the entry of the active
//    path (active_isa(): CPUID, lowered by PYFAPI_ISA / set_isa); on non-x86 builds it is the
//    generic entry and the other two arguments are never compiled. Per-ISA code is only CALLED
//    through it, after the run-time check.
#pragma once

#include "common/cpu_features.h"

namespace pyfapi {

template <class T>
inline T isa_select(T generic, T avx2, T avx512) {
  switch (active_isa()) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return generic;
  }
}

}  // namespace pyfapi

#ifdef PYFAPI_X86
#define PYFAPI_ISA_PICK(generic, avx2, avx512) ::pyfapi::isa_select(generic, avx2, avx512)
#else
#define PYFAPI_ISA_PICK(generic, avx2, avx512) (generic)
#endif

// Declares `decl` for every path's function name suffix: PYFAPI_ISA_EACH(X) expands X(generic)
// and, on x86, X(avx2) X(avx512).
#ifdef PYFAPI_X86
#define PYFAPI_ISA_EACH(X) X(generic) X(avx2) X(avx512)
#else
#define PYFAPI_ISA_EACH(X) X(generic)
#endif
