// bias_act_backward rows for the generic path (flags from csrc/elementwise/sources.cmake / CMakeLists).
#define BA_FN(name) name##_generic
#define BA_VBYTES 16
#include "elementwise/bias_act_rows.inc"
