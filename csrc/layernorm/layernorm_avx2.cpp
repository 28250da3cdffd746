// Layer-norm row kernels for the avx2 path (flags from CMakeLists / csrc/layernorm/sources.cmake).
#define LN_FN(name) name##_avx2
#define LN_VBYTES 32
#include "layernorm/layernorm_rows.inc"
