// Depthwise row kernels for the avx2 path (flags from csrc/conv/sources.cmake / CMakeLists).
#define DW_FN(name) name##_avx2
#define DW_VBYTES 32
#include "conv/depthwise_rows.inc"
