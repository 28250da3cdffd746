// bias_act_backward rows for the avx512 path (flags from csrc/elementwise/sources.cmake / CMakeLists).
#define BA_FN(name) name##_avx512
#define BA_VBYTES 64
#include "elementwise/bias_act_rows.inc"
