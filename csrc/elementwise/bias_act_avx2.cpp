// bias_act_backward rows for the avx2 path (flags from csrc/elementwise/sources.cmake / CMakeLists).
#define BA_FN(name) name##_avx2
#define BA_VBYTES 32
#include "elementwise/bias_act_rows.inc"
