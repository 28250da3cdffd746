// Layer-norm row kernels for the generic path (flags from CMakeLists / csrc/layernorm/sources.cmake).
#define LN_FN(name) name##_generic
#define LN_VBYTES 16
#include "layernorm/layernorm_rows.inc"
