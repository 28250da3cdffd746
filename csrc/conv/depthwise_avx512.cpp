// Depthwise row kernels for the avx512 path (flags from csrc/conv/sources.cmake / CMakeLists).
#define DW_FN(name) name##_avx512
#define DW_VBYTES 64
#include "conv/depthwise_rows.inc"
