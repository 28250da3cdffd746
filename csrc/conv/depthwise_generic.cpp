// Depthwise row kernels for the generic path (flags from csrc/conv/sources.cmake / CMakeLists).
#define DW_FN(name) name##_generic
#include "conv/depthwise_rows.inc"
