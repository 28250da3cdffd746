// Depthwise row kernels for the generic path (flags from csrc/conv/sources.cmake / CMakeLists).
#define DW_FN(name) name##_generic
#define DW_VBYTES 16
#include "conv/depthwise_rows.inc"
