// Layer-norm row kernels for the avx512 path (flags from CMakeLists / csrc/layernorm/sources.cmake).
#define LN_FN(name) name##_avx512
#define LN_VBYTES 64
#include "layernorm/layernorm_rows.inc"
